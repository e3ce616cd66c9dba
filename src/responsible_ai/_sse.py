"""An incremental Server-Sent Events decoder over bytes, shared by sync and async streams."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["SSEDecoder", "ServerSentEvent"]


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    event: str
    data: str
    id: str | None = None


class SSEDecoder:
    """Feed bytes as they arrive; complete events come out (WHATWG event-stream rules)."""

    __slots__ = ("_cr", "_data", "_event", "_id", "_parts")

    def __init__(self) -> None:
        self._parts: list[bytes] = []  # the line being received, in pieces (not joined yet)
        self._cr = False  # the last chunk ended in \r: a \n first in the next is its pair
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None

    def feed(self, chunk: bytes) -> Iterator[ServerSentEvent]:
        """Linear in what is fed: a chunk without a line end is only kept, and each line
        is joined once (never a buffer re-sliced per line or re-joined per chunk)."""
        if self._cr:
            self._cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if b"\n" not in chunk and b"\r" not in chunk:
            if chunk:
                self._parts.append(chunk)
            return
        if self._parts:
            self._parts.append(chunk)
            chunk = b"".join(self._parts)
            self._parts = []
        # A line ends at \n, \r\n or \r (bytes.splitlines knows exactly these three)
        lines = chunk.splitlines(keepends=True)
        if not lines[-1].endswith((b"\n", b"\r")):
            self._parts.append(lines.pop())
        elif lines[-1].endswith(b"\r"):
            self._cr = True
        for line in lines:
            end = -2 if line.endswith(b"\r\n") else -1
            event = self._line(line[:end].decode("utf-8"))
            if event is not None:
                yield event

    def flush(self) -> Iterator[ServerSentEvent]:
        """The stream ended. Per the standard, an event not closed by a blank line is
        incomplete and is discarded (a cut stream never yields a half event)."""
        self._parts, self._cr = [], False
        self._data, self._event = [], ""
        return iter(())

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            if not self._data and not self._event:
                return None
            event = ServerSentEvent(self._event or "message", "\n".join(self._data), self._id)
            self._data, self._event = [], ""
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        return None
