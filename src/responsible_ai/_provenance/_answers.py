"""What an SDK's or a framework's answer object says about the answer it holds: the
provider's response id (when it kept one) and the answer's text, which is what a stamp's
output hash covers. Read by shape (duck typing): no SDK or framework is imported.

The shapes read:

- openai: `ChatCompletion` (and `ParsedChatCompletion` from ``.parse``), the Responses
  API's `Response`; litellm's `ModelResponse` has the chat shape;
- anthropic: `Message`;
- LangChain: `AIMessage` and `AIMessageChunk` (a stream's chunks added up): the text
  (``.text``) and ``response_metadata["id"]``;
- pydantic-ai: `AgentRunResult` / `StreamedRunResult` (its last `ModelResponse`) and
  `ModelResponse`: ``provider_response_id`` and its text parts;
- the OpenAI Agents SDK: `RunResult` (its last raw response: ``response_id`` and the
  output text);
- LlamaIndex: `ChatResponse` / `CompletionResponse` (their ``raw`` SDK object, else the
  text).

An answer with no text (a tool call only) has no text to read: its stamp covers the
empty text, never the call's arguments, so it cannot stand for them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["Answer", "answer_of"]


class Answer(NamedTuple):
    """The provider's response id (None when the object kept none) and the answer text
    (None when it has none: a tool call, a chunk)."""

    response_id: str | None
    text: str | None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _chat(obj: Any) -> Answer | None:
    """OpenAI chat completion (and anything of its shape: litellm)."""
    choices = getattr(obj, "choices", None)
    if not isinstance(choices, list) or not choices:
        return None
    message = getattr(choices[0], "message", None)
    if message is None:
        return None
    content = getattr(message, "content", None)
    return Answer(_str(getattr(obj, "id", None)), content if isinstance(content, str) else None)


def _responses(obj: Any) -> Answer | None:
    """The Responses API's `Response`."""
    if type(obj).__name__ != "Response" or not hasattr(obj, "output_text"):
        return None
    text = obj.output_text
    return Answer(_str(getattr(obj, "id", None)), text if isinstance(text, str) else None)


def _anthropic(obj: Any) -> Answer | None:
    """Anthropic's `Message`."""
    blocks = getattr(obj, "content", None)
    if not isinstance(blocks, list) or getattr(obj, "role", None) != "assistant":
        return None
    if getattr(obj, "response_metadata", None) is not None:
        return None  # a LangChain message whose content is a list of blocks
    texts = [b.text for b in blocks if getattr(b, "type", None) == "text"]
    return Answer(_str(getattr(obj, "id", None)), "".join(texts) if texts else None)


def _langchain(obj: Any) -> Answer | None:
    """LangChain's `AIMessage` / `AIMessageChunk`."""
    metadata = getattr(obj, "response_metadata", None)
    if not isinstance(metadata, dict) or not hasattr(obj, "content"):
        return None
    text = getattr(obj, "text", None)
    if callable(text) and not isinstance(text, str):  # langchain-core < 1 had a method
        text = text()
    return Answer(_str(metadata.get("id")), text if isinstance(text, str) and text else None)


def _pydantic_ai_response(obj: Any) -> Answer | None:
    """pydantic-ai's `ModelResponse`."""
    parts = getattr(obj, "parts", None)
    if not isinstance(parts, (list, tuple)) or not hasattr(obj, "provider_response_id"):
        return None
    texts = [p.content for p in parts if getattr(p, "part_kind", None) == "text"]
    text = "".join(t for t in texts if isinstance(t, str))
    return Answer(_str(obj.provider_response_id), text or None)


def _pydantic_ai_result(obj: Any) -> Answer | None:
    """pydantic-ai's run results: their last model response."""
    messages = getattr(obj, "all_messages", None)
    if not callable(messages) or not (hasattr(obj, "output") or hasattr(obj, "get_output")):
        return None
    try:
        history = messages()
    except Exception:  # a streamed run not finished yet
        return None
    for message in reversed(history):
        found = _pydantic_ai_response(message)
        if found is not None:
            return found
    return None


def _agents(obj: Any) -> Answer | None:
    """The OpenAI Agents SDK's `RunResult`: its last raw model response."""
    raw = getattr(obj, "raw_responses", None)
    if not isinstance(raw, list) or not raw or not hasattr(obj, "final_output"):
        return None
    last = raw[-1]
    texts = [
        part.text
        for item in getattr(last, "output", None) or ()
        if getattr(item, "type", None) == "message"
        for part in getattr(item, "content", None) or ()
        if getattr(part, "type", None) == "output_text"
    ]
    return Answer(_str(getattr(last, "response_id", None)), "".join(texts) or None)


def _llama_index(obj: Any) -> Answer | None:
    """LlamaIndex's `ChatResponse` / `CompletionResponse`: the SDK object they keep."""
    if not hasattr(obj, "raw") or not (hasattr(obj, "message") or hasattr(obj, "delta")):
        return None
    raw = obj.raw
    found = answer_of(raw, _depth=1) if raw is not None and not isinstance(raw, dict) else None
    if found is not None:
        return found
    message = getattr(obj, "message", None)
    text = getattr(message, "content", None) if message is not None else obj.text
    return Answer(None, text if isinstance(text, str) and text else None)


_READERS: tuple[Callable[[Any], Answer | None], ...] = (
    _langchain,
    _chat,
    _responses,
    _anthropic,
    _pydantic_ai_result,
    _pydantic_ai_response,
    _agents,
    _llama_index,
)


def answer_of(obj: Any, *, _depth: int = 0) -> Answer | None:
    """The response id and text of an SDK's or a framework's answer object, or None when
    `obj` is none of the shapes read."""
    if obj is None or isinstance(obj, (str, bytes, dict, list)) or _depth > 1:
        return None
    for read in _READERS:
        try:
            found = read(obj)
        except Exception:  # a property that refuses: not a shape read here
            continue
        if found is not None:
            return found
    return None
