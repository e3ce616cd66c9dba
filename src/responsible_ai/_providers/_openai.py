"""OpenAI chat-completions wire format (also Azure OpenAI, vLLM, Ollama and other compatibles)."""

from __future__ import annotations

import json
from typing import Any

from .._sse import ServerSentEvent
from .._types import ChatMessage, ToolCall, Usage
from ._base import RESERVED_PARAMS, Parsed, as_int, bad_format, error_type


class OpenAIWire:
    path = "/chat/completions"

    def headers(self, api_key: str | None, extra: dict[str, str]) -> dict[str, str]:
        headers = {"content-type": "application/json", "accept": "application/json", **extra}
        if api_key is not None:
            headers["authorization"] = f"Bearer {api_key}"
        return headers

    def body(
        self, model: str, messages: list[ChatMessage], params: dict[str, Any], stream: bool
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model, "messages": messages}
        body.update((k, v) for k, v in params.items() if k not in RESERVED_PARAMS)
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    def parse(self, data: Any, provider: str) -> Parsed:
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
        return Parsed(
            text=text,
            model=data.get("model"),
            id=data.get("id"),
            usage=_usage(data.get("usage")),
            finish_reason=choice.get("finish_reason"),
            tool_calls=calls,
        )

    def folder(self, provider: str) -> OpenAIStreamFolder:
        return OpenAIStreamFolder(provider)

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
        try:
            data = json.loads(event.data)
        except ValueError:
            raise bad_format(self._provider, "a stream event that is not JSON") from None
        if not isinstance(data, dict):
            raise bad_format(self._provider, "a stream event that is not an object")
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

    def result(self) -> Parsed:
        calls = tuple(
            ToolCall(c["id"], c["name"], c["args"]) for _, c in sorted(self._calls.items())
        )
        return Parsed("".join(self._parts), self._model, self._id, self._usage, self._finish, calls)
