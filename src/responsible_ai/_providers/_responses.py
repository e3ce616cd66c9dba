"""OpenAI Responses wire format (``POST /responses``): what the SDK transport reads and writes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._call import ChunkFilter, Endpoint, Screened, WireAnswer
from .._shapes import (
    NON_TEXT_PARTS,
    ROLE,
    TEXT_PARTS,
    Each,
    Fields,
    JsonText,
    Parts,
    Shape,
    boolean,
    identifier,
)
from .._sse import ServerSentEvent
from .._types import ChatMessage, ToolCall, Usage
from ._base import SAMPLING, as_int, bad_format, error_type, event_bytes, event_object, is_str
from ._events import EventWriterBase, Restorer
from ._openai import openai_headers

__all__ = ["RESPONSES_BODY", "OpenAIResponses", "ResponsesEvents", "ResponsesFolder"]

_PARTS = Parts(TEXT_PARTS, NON_TEXT_PARTS, {"refusal": Fields({"type": identifier})})
_ITEM = Fields(
    {
        "type": identifier,
        "role": ROLE,
        "content": _PARTS,
        "name": identifier,  # a function_call's tool name
        "arguments": JsonText(),
        "status": identifier,
    }
)

RESPONSES_BODY: Shape = Fields(
    {
        **SAMPLING,
        "model": is_str,  # checked against the provider's allow-list before anything leaves
        "input": Each(_ITEM, single=_PARTS),
        "tools": Each(Fields({"type": identifier, "name": identifier, "strict": boolean})),
        "tool_choice": Fields({"type": identifier, "name": identifier}),
        "text": Fields(
            {
                "format": Fields({"type": identifier, "name": identifier, "strict": boolean}),
                "verbosity": identifier,
            }
        ),
        "truncation": identifier,
        "include": Each(identifier),
    }
)
"""What in a Responses body is structure; everything else (input text, instructions,
tool descriptions and schemas, function outputs, `user`, `metadata`, `previous_response_id`,
any parameter not listed) is content."""


def _output_parts(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        part
        for item in data.get("output") or ()
        if isinstance(item, dict) and item.get("type") == "message"
        for part in item.get("content") or ()
        if isinstance(part, dict) and part.get("type") == "output_text"
    ]


def _function_calls(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        item
        for item in data.get("output") or ()
        if isinstance(item, dict) and item.get("type") == "function_call"
    ]


def _usage(data: Mapping[str, Any]) -> Usage:
    u = data.get("usage") or {}
    if not isinstance(u, dict):
        return Usage()
    return Usage(as_int(u.get("input_tokens")), as_int(u.get("output_tokens")))


class OpenAIResponses:
    endpoint: Endpoint = "responses"
    path = "/responses"
    shape = RESPONSES_BODY

    def headers(self, api_key: str | None, extra: dict[str, str]) -> dict[str, str]:
        return openai_headers(api_key, extra)

    def body(
        self, model: str, messages: list[ChatMessage], params: Mapping[str, Any], stream: bool
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model, "input": list(messages), **params}
        if stream:
            body["stream"] = True
        return body

    def prompt(self, body: Mapping[str, Any]) -> Any:
        instructions = body.get("instructions")
        items = body.get("input")
        head = [] if instructions is None else [{"role": "system", "content": instructions}]
        return [*head, *(items if isinstance(items, list) else [items])]

    def parse(self, data: Any, provider: str) -> WireAnswer:
        if not isinstance(data, dict) or not isinstance(data.get("output", []), list):
            raise bad_format(provider, "expected a response object with output[]")
        text = "".join(str(p.get("text", "")) for p in _output_parts(data))
        calls = tuple(
            ToolCall(str(c.get("call_id", "")), str(c.get("name", "")), str(c.get("arguments", "")))
            for c in _function_calls(data)
        )
        return WireAnswer(
            text, data.get("model"), data.get("id"), _usage(data), data.get("status"), calls
        )

    def write_answer(self, data: Any, answer: Screened) -> Any:
        for i, part in enumerate(_output_parts(data)):
            part["text"] = answer.text if i == 0 else ""
        for item, call in zip(_function_calls(data), answer.tool_calls, strict=False):
            item["arguments"] = call.arguments
        return data

    def folder(self, provider: str) -> ResponsesFolder:
        return ResponsesFolder(provider)

    def events(self, text: ChunkFilter | None, restorer: Restorer | None) -> ResponsesEvents:
        return ResponsesEvents(text, restorer)

    def error_type(self, data: Any) -> str | None:
        return error_type(data)


class ResponsesFolder:
    """Folds Responses stream events (output_text deltas, function-call arguments, the
    completed response)."""

    def __init__(self, provider: str) -> None:
        self._provider = provider
        self._parts: list[str] = []
        self._done = False
        self._final: dict[str, Any] = {}

    @property
    def done(self) -> bool:
        return self._done

    def feed(self, event: ServerSentEvent) -> str | None:
        data = event_object(event.data, self._provider)
        kind = data.get("type", event.event)
        if kind == "response.output_text.delta":
            delta = data.get("delta") or ""
            self._parts.append(delta)
            return delta or None
        if kind in ("response.completed", "response.incomplete"):
            self._done = True  # an incomplete response (max_output_tokens) ends normally
            final = data.get("response")
            self._final = final if isinstance(final, dict) else {}
        elif kind == "response.failed":
            raise bad_format(self._provider, "a failed response")
        elif kind == "error":
            raise bad_format(self._provider, f"an error event ({error_type(data) or 'unknown'})")
        return None

    def result(self) -> WireAnswer:
        final = self._final
        calls = tuple(
            ToolCall(str(c.get("call_id", "")), str(c.get("name", "")), str(c.get("arguments", "")))
            for c in _function_calls(final)
        )
        status = final.get("status")
        return WireAnswer(
            "".join(self._parts), final.get("model"), final.get("id"), _usage(final),
            status if self._done else None, calls,
        )  # fmt: skip


class ResponsesEvents(EventWriterBase):
    """Responses events: text in ``response.output_text.delta`` (closed by
    ``response.output_text.done``), arguments in ``response.function_call_arguments.delta``
    (closed by ``...arguments.done``); the events that repeat a whole text or argument
    list (``*.done``, ``response.output_item.done``, ``response.completed``) get it as
    it was emitted."""

    def __init__(self, text: ChunkFilter | None, restorer: Restorer | None) -> None:
        super().__init__(text, restorer)
        self._texts: list[str] = []  # each closed text part, as emitted
        self._mark = 0  # where the open text part starts in `emitted`

    def event(
        self, event: ServerSentEvent, data: dict[str, Any] | None, delta: str | None
    ) -> bytes:
        if data is None:
            return event_bytes(event.data, event.event)
        kind = data.get("type", event.event)
        changed = False
        prefix = b""
        keys = ("item_id", "output_index", "content_index", "sequence_number")
        if kind == "response.output_text.delta" and delta:
            out = self.feed_text(delta)
            if out != delta:
                data["delta"] = out
                changed = True
        elif kind == "response.output_text.done":
            tail, suffix = self.close_text()
            if tail + suffix:
                synthetic = {"type": "response.output_text.delta",
                             **{k: data[k] for k in keys if k in data},
                             "delta": tail + suffix}  # fmt: skip
                prefix = event_bytes(synthetic, "response.output_text.delta")
            self._texts.append("".join(self.emitted[self._mark :]) + suffix)
            self._mark = len(self.emitted)
            if self.text is not None or suffix:
                data["text"] = self._texts[-1]
                changed = True
        elif kind == "response.function_call_arguments.delta" and isinstance(
            data.get("delta"), str
        ):
            out = self.feed_args(data.get("item_id"), data["delta"])
            if out != data["delta"]:
                data["delta"] = out
                changed = True
        elif kind == "response.function_call_arguments.done":
            slot = data.get("item_id")
            rest = self.flush_args(slot)
            if rest:
                synthetic = {"type": "response.function_call_arguments.delta",
                             **{k: data[k] for k in keys if k in data}, "delta": rest}  # fmt: skip
                prefix = event_bytes(synthetic, "response.function_call_arguments.delta")
            args = self.args_text(slot)
            if args is not None:
                data["arguments"] = args
                changed = True
        elif kind == "response.output_item.added":
            item = data.get("item") or {}
            if item.get("type") == "function_call":
                self.tool_named(item.get("id"), item.get("name"))
        elif kind == "response.content_part.done":
            part = data.get("part")
            if (
                (self.text is not None or self.suffix)
                and self._texts
                and isinstance(part, dict)
                and part.get("type") == "output_text"
            ):
                part["text"] = self._texts[-1]  # the part's text as it was emitted
                changed = True
        elif kind == "response.output_item.done":
            changed = self._rewrite_items([data.get("item")])
        elif kind in ("response.completed", "response.incomplete"):
            response = data.get("response")
            if isinstance(response, dict):
                changed = self._rewrite_items(response.get("output") or [])
        body = json.dumps(data, ensure_ascii=False) if changed else event.data
        return prefix + event_bytes(body, event.event)

    def closes_text(self, data: dict[str, Any] | None) -> bool:
        """Whether this event closes a text part (``response.output_text.done``)."""
        return data is not None and data.get("type") == "response.output_text.done"

    def _rewrite_items(self, items: list[Any]) -> bool:
        changed = False
        parts = _output_parts({"output": items})
        if (self.text is not None or self.suffix) and parts:
            texts = self._texts[-len(parts) :] if len(self._texts) >= len(parts) else None
            if texts is not None:
                for part, text in zip(parts, texts, strict=True):
                    part["text"] = text
                changed = True
        for item in _function_calls({"output": items}):
            self.tool_named(item.get("id"), item.get("name"))  # the same name, or refused
            args = self.args_text(item.get("id"))
            if args is not None:
                item["arguments"] = args
                changed = True
        return changed
