"""Where a conversation's placeholder map lives between its turns: the protocol, the
in-process store (`MemoryConversations`, the default of a `MemoryState`) and the stand-in
that refuses every conversation when none can be kept safely (`RefusedConversations`).

A conversation's map is one per conversation *and client record* (the call's
``subject``), as one `rai.client()` keeps a session per client: placeholders given to one
client's values are never restored into an answer about another.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from .._errors import ConfigurationError
from .._pii import KnownValues, PIISession

__all__ = [
    "ConversationStore",
    "MemoryConversations",
    "RefusedConversations",
    "one_target",
    "subject_ids",
]

_MEMORY_MAPS = 100_000  # conversations one process keeps: past this, the oldest go first


def subject_ids(subject: KnownValues | None) -> tuple[str, ...]:
    """The ids of the client records a call is for (what erasure by subject names)."""
    return tuple(sorted(subject.subjects)) if subject is not None else ()


class ConversationStore(Protocol):
    """Loads a conversation's map before a call (`open`) and keeps what the call added
    (`keep`: False when another replica took one of its placeholders meanwhile; the call
    is then prepared again on a fresh `open`); erases by conversation or data subject.
    A store that cannot be reached raises `StateError`."""

    shared: bool
    ttl_s: int

    def open(self, conversation: str, subject: KnownValues | None) -> PIISession: ...
    async def aopen(self, conversation: str, subject: KnownValues | None) -> PIISession: ...
    def keep(self, conversation: str, subject: KnownValues | None, session: PIISession) -> bool: ...
    async def akeep(
        self, conversation: str, subject: KnownValues | None, session: PIISession
    ) -> bool: ...
    def erase(self, *, conversation: str | None = None, subject: str | None = None) -> int: ...


def one_target(conversation: str | None, subject: str | None) -> None:
    if (conversation is None) == (subject is None):
        raise ConfigurationError("erase one conversation or one data subject's: give one of them")


class MemoryConversations:
    """The conversations of this process: each map is the live `PIISession` every call of
    the conversation shares (thread-safe), dropped `ttl_s` after its last turn. `clock`
    returns seconds (injectable for tests)."""

    shared = False

    def __init__(self, ttl_s: int, clock: Callable[[], float] | None = None) -> None:
        self.ttl_s = ttl_s
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()
        # (conversation, client identity) -> (session, subject ids, expiry)
        self._maps: dict[tuple[str, object], tuple[PIISession, tuple[str, ...], float]] = {}

    def __repr__(self) -> str:
        return f"MemoryConversations({len(self._maps)} kept, ttl_s={self.ttl_s})"

    def open(self, conversation: str, subject: KnownValues | None) -> PIISession:
        key = (conversation, subject.identity() if subject is not None else None)
        now = self._clock()
        with self._lock:
            found = self._maps.pop(key, None)  # popped and put back: the newest last
            if found is None or found[2] <= now:
                if found is not None:
                    found[0].drop()
                self._expire(now)
                found = (PIISession(), subject_ids(subject), 0.0)
            self._maps[key] = (found[0], found[1], now + self.ttl_s)
            return found[0]

    async def aopen(self, conversation: str, subject: KnownValues | None) -> PIISession:
        return self.open(conversation, subject)

    def keep(self, conversation: str, subject: KnownValues | None, session: PIISession) -> bool:
        return True  # the session is the kept map itself

    async def akeep(
        self, conversation: str, subject: KnownValues | None, session: PIISession
    ) -> bool:
        return True

    def erase(self, *, conversation: str | None = None, subject: str | None = None) -> int:
        one_target(conversation, subject)
        with self._lock:
            gone = [
                k for k, (_, ids, _) in self._maps.items()
                if k[0] == conversation or (subject is not None and subject in ids)
            ]  # fmt: skip
            for k in gone:
                self._maps.pop(k)[0].drop()
        return len(gone)

    def _expire(self, now: float) -> None:
        """Drop the maps whose time ran out (every map, past `_MEMORY_MAPS`, oldest first)."""
        if len(self._maps) < 1024:
            return
        for k in [k for k, v in self._maps.items() if v[2] <= now]:
            self._maps.pop(k)[0].drop()
        while len(self._maps) >= _MEMORY_MAPS:
            self._maps.pop(next(iter(self._maps)))[0].drop()


class RefusedConversations:
    """No conversation can be kept safely (a shared store without ``RAI_CONVERSATION_KEY``,
    or a custom state store): every call in a conversation is refused with `reason`
    (fail closed: never kept in clear, never silently kept in one process only)."""

    shared = True

    def __init__(self, reason: str, ttl_s: int) -> None:
        self.reason = reason
        self.ttl_s = ttl_s

    def __repr__(self) -> str:
        return "RefusedConversations()"

    def open(self, conversation: str, subject: KnownValues | None) -> PIISession:
        raise ConfigurationError(self.reason)

    async def aopen(self, conversation: str, subject: KnownValues | None) -> PIISession:
        raise ConfigurationError(self.reason)

    def keep(self, conversation: str, subject: KnownValues | None, session: PIISession) -> bool:
        raise ConfigurationError(self.reason)

    async def akeep(
        self, conversation: str, subject: KnownValues | None, session: PIISession
    ) -> bool:
        raise ConfigurationError(self.reason)

    def erase(self, *, conversation: str | None = None, subject: str | None = None) -> int:
        raise ConfigurationError(self.reason)
