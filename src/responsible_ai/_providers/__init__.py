"""Wire formats: one module per inference endpoint, each pure (no I/O).

A wire format knows one endpoint's JSON: which parts of a request body are structure
(its `shape`, the allow-list redaction skips), how to build a body for `Guard`, how to
read an answer and write a screened one back, how to fold a stream of server-sent
events, and where those events carry text and tool-call arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .._call import ChunkFilter, Endpoint, Screened, WireAnswer
from .._shapes import Shape
from .._sse import ServerSentEvent
from .._types import ChatMessage
from ._anthropic import MESSAGES_BODY, AnthropicMessages
from ._base import RESERVED_PARAMS, bad_format, event_object, json_of
from ._events import Restorer
from ._openai import CHAT_BODY, OpenAIChat
from ._responses import RESPONSES_BODY, OpenAIResponses

__all__ = [
    "ENDPOINTS",
    "MODEL_PARAMETERS",
    "RESERVED_PARAMS",
    "EventWriter",
    "Restorer",
    "StreamFolder",
    "WireFormat",
    "bad_format",
    "endpoint_of",
    "event_object",
    "json_of",
    "speaks",
    "wire_for",
]

ENDPOINTS: dict[str, Endpoint] = {
    "/chat/completions": "chat",
    "/responses": "responses",
    "/messages": "messages",
}
"""The inference paths the SDK transport reads, below a provider's base URL."""


def _names(shape: Shape) -> frozenset[str]:
    fields = getattr(shape, "fields", None)
    return frozenset(fields) if isinstance(fields, Mapping) else frozenset()


MODEL_PARAMETERS = (
    (
        _names(CHAT_BODY)
        | _names(MESSAGES_BODY)
        | _names(RESPONSES_BODY)
        | {
            # content parameters (scanned, so not in the shapes' structure lists)
            "user",
            "metadata",
            "stop",
            "stop_sequences",
            "prediction",
            "audio",
            "service_tier",
            "instructions",
            "text",
            "reasoning",
            "include",
            "truncation",
            "previous_response_id",
            "max_output_tokens",
            "web_search_options",
            "safety_identifier",
            "prompt_cache_key",
        }
    )
    - RESERVED_PARAMS
    - {"input"}
)
"""The model parameters the library knows by name, across the wire formats it speaks
(what `@governed` accepts as keywords; others go in its ``extra_body``)."""


class StreamFolder(Protocol):
    def feed(self, event: ServerSentEvent) -> str | None: ...
    @property
    def done(self) -> bool: ...
    def result(self) -> WireAnswer: ...


class EventWriter(Protocol):
    """Rewrites a streamed answer's events for an SDK (see `_events.EventWriterBase`)."""

    def event(
        self, event: ServerSentEvent, data: dict[str, Any] | None, delta: str | None
    ) -> bytes: ...
    def emitted_text(self) -> str: ...
    def closes_text(self, data: dict[str, Any] | None) -> bool: ...

    seal: Callable[[], str] | None


class WireFormat(Protocol):
    endpoint: Endpoint
    path: str
    shape: Shape

    def headers(self, api_key: str | None, extra: dict[str, str]) -> dict[str, str]: ...
    def body(
        self, model: str, messages: list[ChatMessage], params: Mapping[str, Any], stream: bool
    ) -> dict[str, Any]: ...
    def prompt(self, body: Mapping[str, Any]) -> Any: ...
    def parse(self, data: Any, provider: str) -> WireAnswer: ...
    def write_answer(self, data: Any, answer: Screened) -> Any: ...
    def folder(self, provider: str) -> StreamFolder: ...
    def events(self, text: ChunkFilter | None, restorer: Restorer | None) -> EventWriter: ...
    def error_type(self, data: Any) -> str | None: ...


_WIRES: dict[Endpoint, WireFormat] = {
    "chat": OpenAIChat(),
    "responses": OpenAIResponses(),
    "messages": AnthropicMessages(),
}
_KINDS: dict[str, frozenset[Endpoint]] = {
    "openai": frozenset({"chat", "responses"}),
    "anthropic": frozenset({"messages"}),
}


def speaks(kind: str, endpoint: Endpoint) -> bool:
    """Whether a provider of `kind` speaks `endpoint` (the one home of that rule)."""
    return endpoint in _KINDS.get(kind, frozenset())


def endpoint_of(kind: str, endpoint: Endpoint | None = None) -> Endpoint:
    """The endpoint a call to a provider of `kind` uses (its chat endpoint by default);
    raises ValueError when that kind of provider does not speak `endpoint`."""
    if endpoint is None:
        return "messages" if kind == "anthropic" else "chat"
    if not speaks(kind, endpoint):
        raise ValueError(f"a {endpoint} request to a {kind} provider")
    return endpoint


def wire_for(endpoint: Endpoint) -> WireFormat:
    return _WIRES[endpoint]
