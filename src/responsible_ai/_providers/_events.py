"""Rewriting a streamed answer event by event, for the SDK transport: the shared part.

A wire format's `EventWriter` knows where its events carry text and tool-call arguments;
this base holds what every format does with them: text through the call's chunk filter
(PII the model writes, placeholders restored), arguments through one restorer per tool
call (placeholders restored even when split across events), the text as emitted kept
for the stamp.

A marked answer (Content Credentials, embedded) gets its manifest right after its last
text: the transport holds the events from the one that closes the text (`closes_text`)
to the stream's final event, then writes them with `seal` set; the closing event calls
it once (`close_text`), and what it returns is written as one more text delta there —
so the SDKs concatenate it into the text — and is part of every event that repeats the
whole text.
"""

from __future__ import annotations

from collections.abc import Callable

from .._call import ChunkFilter
from .._errors import ProviderResponseError

__all__ = ["EventWriterBase"]


Restorer = Callable[[str], ChunkFilter | None]
"""Makes the filter of one tool call's arguments from the tool's name (None: that tool's
arguments pass as they are)."""


class EventWriterBase:
    """`text`: the chunk filter of the answer's text (None: text passes as it is);
    `restorer`: makes one filter per tool call for its arguments (None: no restore).

    Restore binds to the finished tool call: the name a call's restorer is made for is
    the name the caller's SDK will end with, or the stream is refused. A format that
    names a call whole (`names_whole`: Anthropic, Responses) must name it the same in
    every event; one whose name may arrive in pieces (chat completions, folded by the
    SDK by joining them) must have all of them before its arguments begin. (Where no
    restore into tool calls can happen, names pass as they come.)"""

    names_whole = True

    def __init__(self, text: ChunkFilter | None, restorer: Restorer | None) -> None:
        self.text = text
        self.restorer = restorer
        self.emitted: list[str] = []  # the text as the caller received it
        self._names: dict[object, str] = {}
        self._args: dict[object, ChunkFilter | None] = {}
        self._args_out: dict[object, list[str]] = {}
        self.seal: Callable[[], str] | None = None
        self.suffix = ""  # what `seal` returned: it follows the text (the manifest)

    def tool_named(self, slot: object, name: object) -> None:
        """The model named the tool of call `slot` (restore into it is the policy's choice).
        Raises `ProviderResponseError` where events disagree about it (see the class)."""
        if not isinstance(name, str) or not name:
            return
        had = self._names.get(slot)
        if had is None:
            self._names[slot] = name
            return
        if self.restorer is None:  # nothing is restored into tool calls: the SDK's to judge
            return
        if self.names_whole:
            if name != had:
                raise _disagree()
            return
        if slot in self._args:  # a piece of the name after the arguments began
            raise _disagree()
        self._names[slot] = had + name

    def emitted_text(self) -> str:
        return "".join(self.emitted)

    def feed_text(self, delta: str) -> str:
        out = self.text.feed(delta) if self.text is not None else delta
        self.emitted.append(out)
        return out

    def flush_text(self) -> str:
        if self.text is None:
            return ""
        tail = self.text.flush()
        self.emitted.append(tail)
        return tail

    def close_text(self) -> tuple[str, str]:
        """The text is closed here: what the filter held (the rest of the text) and, once,
        what `seal` adds after the whole text (set while the transport writes the tail
        of a marked answer)."""
        tail = self.flush_text()
        seal, self.seal = self.seal, None
        if seal is None:
            return tail, ""
        self.suffix = seal()
        return tail, self.suffix

    def feed_args(self, slot: object, delta: str) -> str:
        if self.restorer is None:
            return delta
        if slot not in self._args:
            self._args[slot] = self.restorer(self._names.get(slot, ""))
        flt = self._args[slot]
        if flt is None:
            return delta
        out = flt.feed(delta)
        self._args_out.setdefault(slot, []).append(out)
        return out

    def flush_args(self, slot: object) -> str:
        flt = self._args.pop(slot, None)
        if flt is None:  # never restored: its arguments passed as they were
            return ""
        tail = flt.flush()
        self._args_out.setdefault(slot, []).append(tail)
        return tail

    def open_slots(self) -> list[object]:
        return [slot for slot, flt in self._args.items() if flt is not None]

    def args_text(self, slot: object) -> str | None:
        """The arguments of one tool call as the caller received them (None: not seen)."""
        parts = self._args_out.get(slot)
        return None if parts is None else "".join(parts)


def _disagree() -> ProviderResponseError:
    return ProviderResponseError(
        "the provider's stream names one tool call differently in different events (or "
        "finishes its name after its arguments began); the answer was refused",
        provider="stream",
    )
