"""Anthropic messages wire format."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._call import ChunkFilter, Endpoint, Screened, WireAnswer
from .._shapes import (
    PARTS,
    ROLE,
    Each,
    Fields,
    Shape,
    boolean,
    identifier,
)
from .._sse import ServerSentEvent
from .._types import ChatMessage, ToolCall, Usage
from ._base import (
    RESERVED_PARAMS,
    SAMPLING,
    as_int,
    bad_format,
    error_type,
    event_bytes,
    event_object,
    is_str,
)
from ._events import EventWriterBase, Restorer

__all__ = ["MESSAGES_BODY", "AnthropicEvents", "AnthropicMessages", "AnthropicStreamFolder"]

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024


MESSAGES_BODY: Shape = Fields(
    {
        **SAMPLING,
        "model": is_str,  # checked against the provider's allow-list before anything leaves
        "messages": Each(Fields({"role": ROLE, "content": PARTS})),
        "system": PARTS,
        "tools": Each(Fields({"type": identifier, "name": identifier})),
        "tool_choice": Fields(
            {"type": identifier, "name": identifier, "disable_parallel_tool_use": boolean}
        ),
    }
)
"""What in a messages body is structure; everything else (text, tool descriptions and
input schemas, `stop_sequences`, `metadata`, any parameter not listed) is content."""


class AnthropicMessages:
    endpoint: Endpoint = "messages"
    path = "/messages"
    shape = MESSAGES_BODY

    def headers(self, api_key: str | None, extra: dict[str, str]) -> dict[str, str]:
        headers = {
            "content-type": "application/json",
            "accept": "application/json",
            "anthropic-version": ANTHROPIC_VERSION,
            **extra,
        }
        if api_key is not None:
            headers["x-api-key"] = api_key
        return headers

    def body(
        self, model: str, messages: list[ChatMessage], params: Mapping[str, Any], stream: bool
    ) -> dict[str, Any]:
        system: list[str] = []
        turns: list[dict[str, Any]] = []
        for m in messages:
            if m["role"] in ("system", "developer"):
                content = m.get("content", "")
                system.append(content if isinstance(content, str) else _text_of(content))
            else:
                turns.append({"role": m["role"], "content": m.get("content", "")})
        body: dict[str, Any] = {"model": model, "messages": turns}
        if system:
            body["system"] = "\n\n".join(system)
        for key, value in params.items():
            if key in RESERVED_PARAMS:
                continue
            body["stop_sequences" if key == "stop" else key] = value
        body.setdefault("max_tokens", DEFAULT_MAX_TOKENS)
        if stream:
            body["stream"] = True
        return body

    def prompt(self, body: Mapping[str, Any]) -> Any:
        system = body.get("system")
        messages = list(body.get("messages") or ())
        return messages if system is None else [{"role": "system", "content": system}, *messages]

    def parse(self, data: Any, provider: str) -> WireAnswer:
        try:
            blocks = data["content"]
            text = "".join(b["text"] for b in blocks if b.get("type") == "text")
            calls = tuple(
                ToolCall(b["id"], b["name"], json.dumps(b.get("input", {}), separators=(",", ":")))
                for b in blocks
                if b.get("type") == "tool_use"
            )
        except (KeyError, TypeError, AttributeError):
            raise bad_format(provider, "expected content[] blocks") from None
        usage = data.get("usage") or {}
        return WireAnswer(
            text=text,
            model=data.get("model"),
            id=data.get("id"),
            usage=Usage(as_int(usage.get("input_tokens")), as_int(usage.get("output_tokens"))),
            finish_reason=data.get("stop_reason"),
            tool_calls=calls,
        )

    def write_answer(self, data: Any, answer: Screened) -> Any:
        first = True
        calls = iter(answer.tool_calls)
        for block in data.get("content") or ():
            if block.get("type") == "text":
                block["text"] = answer.text if first else ""
                first = False
            elif block.get("type") == "tool_use":
                call = next(calls, None)
                if call is not None:
                    block["input"] = json.loads(call.arguments or "{}")
        return data

    def folder(self, provider: str) -> AnthropicStreamFolder:
        return AnthropicStreamFolder(provider)

    def events(self, text: ChunkFilter | None, restorer: Restorer | None) -> AnthropicEvents:
        return AnthropicEvents(text, restorer)

    def error_type(self, data: Any) -> str | None:
        return error_type(data)


def _text_of(parts: Any) -> str:
    if isinstance(parts, list):
        return "".join(p.get("text", "") for p in parts if isinstance(p, dict))
    return str(parts)


class AnthropicStreamFolder:
    """Folds message_start / content_block_* / message_delta / message_stop events."""

    __slots__ = (
        "_blocks",
        "_done",
        "_finish",
        "_id",
        "_in",
        "_model",
        "_out",
        "_parts",
        "_provider",
    )

    def __init__(self, provider: str) -> None:
        self._provider = provider
        self._parts: list[str] = []
        self._blocks: dict[int, dict[str, str]] = {}
        self._model: str | None = None
        self._id: str | None = None
        self._finish: str | None = None
        self._in: int | None = None
        self._out: int | None = None
        self._done = False

    @property
    def done(self) -> bool:
        return self._done

    def feed(self, event: ServerSentEvent) -> str | None:
        data = event_object(event.data, self._provider)
        kind = data.get("type", event.event)
        if kind == "content_block_delta":
            delta = data.get("delta") or {}
            if delta.get("type") == "text_delta":
                text = delta.get("text") or ""
                self._parts.append(text)
                return text or None
            if delta.get("type") == "input_json_delta":
                block = self._blocks.get(data.get("index", 0))
                if block is not None:
                    block["args"] += delta.get("partial_json") or ""
        elif kind == "content_block_start":
            block = data.get("content_block") or {}
            if block.get("type") == "tool_use":
                self._blocks[data.get("index", 0)] = {
                    "id": block.get("id", ""),
                    "name": block.get("name", ""),
                    "args": "",
                }
        elif kind == "message_start":
            message = data.get("message") or {}
            self._model = message.get("model")
            self._id = message.get("id")
            self._in = as_int((message.get("usage") or {}).get("input_tokens"))
        elif kind == "message_delta":
            self._finish = (data.get("delta") or {}).get("stop_reason") or self._finish
            self._out = as_int((data.get("usage") or {}).get("output_tokens")) or self._out
        elif kind == "message_stop":
            self._done = True
        elif kind == "error":
            raise bad_format(self._provider, f"an error event ({error_type(data) or 'unknown'})")
        return None

    def result(self) -> WireAnswer:
        calls = tuple(
            ToolCall(b["id"], b["name"], b["args"] or "{}") for _, b in sorted(self._blocks.items())
        )
        return WireAnswer(
            "".join(self._parts),
            self._model,
            self._id,
            Usage(self._in, self._out),
            self._finish,
            calls,
        )


class AnthropicEvents(EventWriterBase):
    """Messages stream events: text in ``text_delta``s of a text block, tool input in
    ``input_json_delta``s of a tool_use block; a block's ``content_block_stop`` closes it,
    so what the filters hold is written in a delta just before it."""

    def __init__(self, text: ChunkFilter | None, restorer: Restorer | None) -> None:
        super().__init__(text, restorer)
        self._text_blocks: set[int] = set()

    def closes_text(self, data: dict[str, Any] | None) -> bool:
        """Whether this event closes a text block (its ``content_block_stop``)."""
        return (
            data is not None
            and data.get("type") == "content_block_stop"
            and data.get("index", 0) in self._text_blocks
        )

    def event(
        self, event: ServerSentEvent, data: dict[str, Any] | None, delta: str | None
    ) -> bytes:
        if data is None:
            return event_bytes(event.data, event.event)
        kind = data.get("type")
        index = data.get("index", 0)
        changed = False
        prefix = b""
        if kind == "content_block_delta":
            inner = data.get("delta") or {}
            if delta and inner.get("type") == "text_delta":
                self._text_blocks.add(index)
                out = self.feed_text(delta)
                if out != delta:
                    inner["text"] = out
                    changed = True
            elif inner.get("type") == "input_json_delta" and isinstance(
                inner.get("partial_json"), str
            ):
                out = self.feed_args(index, inner["partial_json"])
                if out != inner["partial_json"]:
                    inner["partial_json"] = out
                    changed = True
        elif kind == "content_block_start":
            block = data.get("content_block") or {}
            if block.get("type") == "tool_use":
                self.tool_named(index, block.get("name"))
        elif kind == "content_block_stop":
            if index in self._text_blocks:
                tail, suffix = self.close_text()
                if tail + suffix:
                    prefix = event_bytes(
                        {"type": "content_block_delta", "index": index,
                         "delta": {"type": "text_delta", "text": tail + suffix}},
                        "content_block_delta",
                    )  # fmt: skip
            rest = self.flush_args(index)
            if rest:
                prefix += event_bytes(
                    {"type": "content_block_delta", "index": index,
                     "delta": {"type": "input_json_delta", "partial_json": rest}},
                    "content_block_delta",
                )  # fmt: skip
        body = json.dumps(data, ensure_ascii=False) if changed else event.data
        return prefix + event_bytes(body, event.event)
