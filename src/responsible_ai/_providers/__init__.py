"""Wire formats: one module per provider kind, each pure (no I/O).

A wire format builds the request body and headers for a call, parses a response body,
and folds a stream of server-sent events into text deltas and a final result.
"""

from __future__ import annotations

from typing import Any, Protocol

from .._sse import ServerSentEvent
from .._types import ChatMessage
from ._anthropic import AnthropicWire
from ._base import Parsed
from ._openai import OpenAIWire

__all__ = ["AnthropicWire", "OpenAIWire", "Parsed", "StreamFolder", "WireFormat", "wire_for"]


class StreamFolder(Protocol):
    def feed(self, event: ServerSentEvent) -> str | None: ...
    @property
    def done(self) -> bool: ...
    def result(self) -> Parsed: ...


class WireFormat(Protocol):
    path: str

    def headers(self, api_key: str | None, extra: dict[str, str]) -> dict[str, str]: ...
    def body(
        self, model: str, messages: list[ChatMessage], params: dict[str, Any], stream: bool
    ) -> dict[str, Any]: ...
    def parse(self, data: Any, provider: str) -> Parsed: ...
    def folder(self, provider: str) -> StreamFolder: ...
    def error_type(self, data: Any) -> str | None: ...


_WIRES: dict[str, WireFormat] = {"openai": OpenAIWire(), "anthropic": AnthropicWire()}


def wire_for(kind: str) -> WireFormat:
    return _WIRES[kind]
