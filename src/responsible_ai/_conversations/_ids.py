"""A conversation's id: given by the caller per call, or bound for a block of code
(``with rai.conversation("ticket-1042"):``), never recorded anywhere in clear."""

from __future__ import annotations

import contextvars
import unicodedata
from types import TracebackType

from .._errors import ConfigurationError

__all__ = ["MAX_ID", "conversation", "conversation_id", "current_conversation"]

MAX_ID = 256  # characters of a conversation id


def conversation_id(value: object) -> str:
    """`value` if it is a conversation id: a non-empty string of at most `MAX_ID`
    printable characters (no control or format character). The error never shows it."""
    if not isinstance(value, str):
        raise ConfigurationError(f"a conversation id is a string, got {type(value).__name__}")
    if not value.strip() or len(value) > MAX_ID:
        raise ConfigurationError(
            f"a conversation id is a non-empty string of at most {MAX_ID} characters"
        )
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in value):
        raise ConfigurationError("a conversation id holds printable characters only")
    return value


current_conversation: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "responsible_ai_conversation", default=None
)


class conversation:  # used like `with rai.acting_as(...)`: a function-like name
    """``with rai.conversation("ticket-1042"):`` (or ``async with``): governed calls made
    in the block — through `Guard`, `@governed` functions, `rai.http_client` and
    process-wide instrumentation — are turns of that conversation, unless a call names
    its own. Their placeholders are loaded from, and kept in, the conversation store:
    the state store of the `Governance` (shared by every replica on Valkey or Redis)."""

    __slots__ = ("_token", "id")

    def __init__(self, id: str) -> None:
        self.id = conversation_id(id)
        self._token: contextvars.Token[str | None] | None = None

    def __repr__(self) -> str:  # the id may name a person: never in a repr
        return "conversation(...)"

    def __enter__(self) -> str:
        if self._token is not None:
            raise RuntimeError("this conversation block is already entered")
        self._token = current_conversation.set(self.id)
        return self.id

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._token is not None:
            current_conversation.reset(self._token)
            self._token = None

    async def __aenter__(self) -> str:
        return self.__enter__()

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(et, ev, tb)
