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

    __slots__ = ("_buf", "_data", "_event", "_id")

    def __init__(self) -> None:
        self._buf = b""
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None

    def feed(self, chunk: bytes) -> Iterator[ServerSentEvent]:
        self._buf += chunk
        while True:
            # A line ends at \n, \r\n or \r; a lone \r at the end may be half of \r\n.
            n = self._buf.find(b"\n")
            r = self._buf.find(b"\r")
            if n == -1 and (r == -1 or r == len(self._buf) - 1):
                return
            if r != -1 and (n == -1 or r < n):
                line, rest = self._buf[:r], self._buf[r + 1 :]
                if rest.startswith(b"\n"):
                    rest = rest[1:]
            else:
                line, rest = self._buf[:n], self._buf[n + 1 :]
            self._buf = rest
            event = self._line(line.decode("utf-8"))
            if event is not None:
                yield event

    def flush(self) -> Iterator[ServerSentEvent]:
        """The stream ended. Per the standard, an event not closed by a blank line is
        incomplete and is discarded (a cut stream never yields a half event)."""
        self._buf = b""
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
