"""OpenAI chat-completions wire format (also Azure OpenAI, vLLM, Ollama and other compatibles)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._call import ChunkFilter, Endpoint, Screened, WireAnswer
from .._shapes import (
    MESSAGE,
    Each,
    Fields,
    Shape,
    boolean,
    identifier,
    token_biases,
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

__all__ = ["CHAT_BODY", "OpenAIChat", "OpenAIChatEvents", "OpenAIStreamFolder", "openai_headers"]

_TOOL = Fields({"type": identifier, "function": Fields({"name": identifier, "strict": boolean})})
_NAMED_TOOL = Fields({"type": identifier, "function": Fields({"name": identifier})})

CHAT_BODY: Shape = Fields(
    {
        **SAMPLING,
        "model": is_str,  # checked against the provider's allow-list before anything leaves
        "messages": Each(MESSAGE),
        "logit_bias": token_biases,
        "tools": Each(_TOOL),
        "tool_choice": _NAMED_TOOL,  # "auto" / "none" / "required" are scanned: nothing found
        "response_format": Fields(
            {"type": identifier, "json_schema": Fields({"name": identifier, "strict": boolean})}
        ),
        "reasoning_effort": identifier,
        "modalities": Each(identifier),
        "verbosity": identifier,
    }
)
"""What in a chat-completions body is structure; everything else (message text and
names, tool descriptions and schemas, `user`, `metadata`, `stop`, `prediction`, any
parameter not listed) is content."""


def openai_headers(api_key: str | None, extra: dict[str, str]) -> dict[str, str]:
    """The headers of every OpenAI endpoint: JSON, and the key as a bearer token."""
    headers = {"content-type": "application/json", "accept": "application/json", **extra}
    if api_key is not None:
        headers["authorization"] = f"Bearer {api_key}"
    return headers


class OpenAIChat:
    endpoint: Endpoint = "chat"
    path = "/chat/completions"
    shape = CHAT_BODY

    def headers(self, api_key: str | None, extra: dict[str, str]) -> dict[str, str]:
        return openai_headers(api_key, extra)

    def body(
        self, model: str, messages: list[ChatMessage], params: Mapping[str, Any], stream: bool
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model, "messages": messages}
        body.update((k, v) for k, v in params.items() if k not in RESERVED_PARAMS)
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    def prompt(self, body: Mapping[str, Any]) -> Any:
        return body.get("messages")

    def parse(self, data: Any, provider: str) -> WireAnswer:
        try:
            choice = data["choices"][0]
            message = choice["message"]
            text = message.get("content") or ""
            if not isinstance(text, str):
                raise TypeError
            calls = tuple(
                ToolCall(c["id"], c["function"]["name"], c["function"].get("arguments") or "")
                for c in message.get("tool_calls") or ()
            )
        except (KeyError, IndexError, TypeError, AttributeError):
            raise bad_format(provider, "expected choices[0].message.content") from None
        return WireAnswer(
            text=text,
            model=data.get("model"),
            id=data.get("id"),
            usage=_usage(data.get("usage")),
            finish_reason=choice.get("finish_reason"),
            tool_calls=calls,
        )

    def write_answer(self, data: Any, answer: Screened) -> Any:
        message = data["choices"][0]["message"]
        if isinstance(message.get("content"), str):
            message["content"] = answer.text
        for raw, call in zip(message.get("tool_calls") or (), answer.tool_calls, strict=False):
            raw["function"]["arguments"] = call.arguments
        return data

    def folder(self, provider: str) -> OpenAIStreamFolder:
        return OpenAIStreamFolder(provider)

    def events(self, text: ChunkFilter | None, restorer: Restorer | None) -> OpenAIChatEvents:
        return OpenAIChatEvents(text, restorer)

    def error_type(self, data: Any) -> str | None:
        return error_type(data)


def _usage(raw: Any) -> Usage:
    if not isinstance(raw, dict):
        return Usage()
    return Usage(as_int(raw.get("prompt_tokens")), as_int(raw.get("completion_tokens")))


class OpenAIStreamFolder:
    """Folds `chat.completion.chunk` events (and the final usage chunk) into one result."""

    __slots__ = ("_calls", "_done", "_finish", "_id", "_model", "_parts", "_provider", "_usage")

    def __init__(self, provider: str) -> None:
        self._provider = provider
        self._parts: list[str] = []
        self._model: str | None = None
        self._id: str | None = None
        self._finish: str | None = None
        self._usage = Usage()
        self._calls: dict[int, dict[str, str]] = {}
        self._done = False

    @property
    def done(self) -> bool:
        return self._done

    def feed(self, event: ServerSentEvent) -> str | None:
        if event.data == "[DONE]":
            self._done = True
            return None
        data = event_object(event.data, self._provider)
        if "error" in data:
            raise bad_format(self._provider, f"an error event ({error_type(data) or 'unknown'})")
        self._model = data.get("model") or self._model
        self._id = data.get("id") or self._id
        if data.get("usage"):
            self._usage = _usage(data["usage"])
        delta_text = None
        for choice in data.get("choices") or ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if isinstance(content, str) and content:
                self._parts.append(content)
                delta_text = content
            for call in delta.get("tool_calls") or ():
                slot = self._calls.setdefault(
                    call.get("index", 0), {"id": "", "name": "", "args": ""}
                )
                fn = call.get("function") or {}
                slot["id"] = call.get("id") or slot["id"]
                slot["name"] = fn.get("name") or slot["name"]
                slot["args"] += fn.get("arguments") or ""
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
        return delta_text

    def result(self) -> WireAnswer:
        calls = tuple(
            ToolCall(c["id"], c["name"], c["args"]) for _, c in sorted(self._calls.items())
        )
        return WireAnswer(
            "".join(self._parts), self._model, self._id, self._usage, self._finish, calls
        )


def _first_choice(data: dict[str, Any]) -> dict[str, Any]:
    for choice in data.get("choices") or ():
        if isinstance(choice, dict) and choice.get("index", 0) == 0:
            return choice
    return {}


class OpenAIChatEvents(EventWriterBase):
    """A tool's name may arrive in pieces (see `EventWriterBase`).

    Chat-completion chunks: text in ``choices[0].delta.content``, tool-call arguments
    in ``choices[0].delta.tool_calls[i].function.arguments``; a chunk with a
    ``finish_reason`` (or ``[DONE]``) closes both, so what the filters hold is written
    into it, or into a chunk just before it."""

    names_whole = False

    def event(
        self, event: ServerSentEvent, data: dict[str, Any] | None, delta: str | None
    ) -> bytes:
        if data is None:  # [DONE]
            return self._closing({}) + event_bytes(event.data, event.event)
        choice = next(
            (
                c
                for c in data.get("choices") or ()
                if isinstance(c, dict) and c.get("index", 0) == 0
            ),
            None,
        )
        changed = False
        inner = (choice.get("delta") or {}) if choice is not None else {}
        for call in inner.get("tool_calls") or ():
            fn = call.get("function") or {}
            self.tool_named(call.get("index", 0), fn.get("name"))
            if isinstance(fn.get("arguments"), str):
                out = self.feed_args(call.get("index", 0), fn["arguments"])
                if out != fn["arguments"]:
                    fn["arguments"] = out
                    changed = True
        if delta:
            out = self.feed_text(delta)
            if choice is not None and choice.get("finish_reason"):
                tail, suffix = self.close_text()  # a closing chunk's own text goes first
                out += tail + suffix
            if out != delta:
                inner["content"] = out
                changed = True
        prefix = b""
        if choice is not None and choice.get("finish_reason"):
            prefix = self._closing(data)
        body = json.dumps(data, ensure_ascii=False) if changed else event.data
        return prefix + event_bytes(body, event.event)

    def closes_text(self, data: dict[str, Any] | None) -> bool:
        """Whether this event closes the answer's text (a finish_reason, or ``[DONE]``)."""
        return data is None or _first_choice(data).get("finish_reason") is not None

    def _closing(self, data: dict[str, Any]) -> bytes:
        """A chunk with what the filters still hold (and what follows the text of a
        marked answer), to go before the closing one."""
        delta: dict[str, Any] = {}
        tail, suffix = self.close_text()
        if tail + suffix:
            delta["content"] = tail + suffix
        calls = [
            {"index": slot, "function": {"arguments": rest}}
            for slot in self.open_slots()
            if (rest := self.flush_args(slot))
        ]
        if calls:
            delta["tool_calls"] = calls
        if not delta:
            return b""
        base = {k: v for k, v in data.items() if k not in ("choices", "usage")}
        return event_bytes(
            {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
        )
