"""Where a governed output keeps its stamp: `AIText` and `AIDict` carry it, `attach` keeps
it for objects that cannot (pydantic results), `ResponseStamps` keeps it for the answers
the SDK transport saw (by response id and text), and `provenance_of` finds it on any of
them — and on what an SDK or a framework made of such an answer (`_answers`): a LangChain
message, a pydantic-ai result, an SDK stream after it was read."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any

from pydantic import BaseModel

from .._errors import ConfigurationError
from ._answers import answer_of
from ._model import HEADER, Provenance, canonical_json, sha256_text

__all__ = [
    "AIDict",
    "AIText",
    "ResponseStamps",
    "attach",
    "output_text",
    "provenance_of",
    "responses",
]


class AIText(str):
    """A `str` that carries its provenance: what a `@governed` function returning text
    returns. It is a real `str` (so callers, templates and JSON encoders keep working);
    every string operation returns a plain `str`, because changed text is no longer what
    was stamped."""

    provenance: Provenance

    def __new__(cls, text: str, provenance: Provenance) -> AIText:
        obj = super().__new__(cls, text)
        obj.provenance = provenance
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (AIText, (str(self), self.provenance))


class AIDict(dict[str, Any]):
    """A `dict` that carries its provenance (a `@governed` function's dict result)."""

    provenance: Provenance


_carried: dict[int, tuple[weakref.ref[Any], Provenance]] = {}


def attach(obj: Any, provenance: Provenance) -> None:
    """Remember the stamp of an object that cannot carry an attribute (pydantic models)."""
    key = id(obj)
    _carried[key] = (weakref.ref(obj, lambda _: _carried.pop(key, None)), provenance)


def provenance_of(obj: Any) -> Provenance | None:
    """The stamp of a governed output, or None. Found on: `ChatResponse`, `Guard`
    streams, `AIText`, `AIDict`, a governed pydantic result; an official SDK's response
    (chat completion, ``.parse`` result, Responses response, Anthropic message), stream
    chunk or stream (once read to its end) that went through the governed transport
    (`rai.http_client` or `rai.instrument`); a LangChain `AIMessage` or added-up
    `AIMessageChunk`, a pydantic-ai run result, an OpenAI Agents SDK `RunResult`, a
    LlamaIndex response made of such an answer."""
    if isinstance(obj, Provenance):
        return obj
    stamp = getattr(obj, "provenance", None)
    if isinstance(stamp, Provenance):
        return stamp
    entry = _carried.get(id(obj))
    if entry is not None and entry[0]() is obj:
        return entry[1]
    header = _stream_header(obj)
    if header is not None:
        return Provenance.from_header(header)
    answer = answer_of(obj)
    if answer is not None:
        found = responses.get(answer.response_id, answer.text) if answer.response_id else None
        return found if found is not None else responses.by_text(answer.text)
    response_id = getattr(obj, "id", None)  # an SDK stream chunk: its id's only stamp
    if isinstance(response_id, str):
        return responses.get(response_id)
    return None


def _stream_header(obj: Any) -> str | None:
    """The stamp header the governed transport set on an SDK stream's HTTP response when
    the stream ended (openai and anthropic `Stream` / `AsyncStream` keep the response as
    ``.response``). Only an httpx2/httpx response is read: the transport removes any
    such header a provider sends."""
    try:
        response = getattr(obj, "response", None)
    except Exception:  # a property that refuses (a Guard stream not read to its end)
        return None
    if response is None or not type(response).__module__.startswith(("httpx2", "httpx")):
        return None
    value = response.headers.get(HEADER)
    return value if isinstance(value, str) else None


class ResponseStamps:
    """The stamps of answers that reached an official SDK through the governed transport,
    by the provider's response id (an SDK's response object cannot carry an attribute).

    An id names a stamp only together with the answer's text: a provider that reuses an
    id cannot hand one answer's stamp (say, "no review needed") to another, because the
    stamp's output hash must match the text asked about. Where no text can be read (a
    stream chunk), the id must name exactly one stamp.

    Where a framework kept no id (a LangChain stream added up, an agent's result), the
    text alone finds the stamp (`by_text`) — only when every stamp kept for that text
    agrees on what a publish gate reads (use case, whether review is required);
    two answers with the same text but different rules find none, and the gate refuses.
    Bounded (the oldest go first) and thread-safe; the transport writes, `provenance_of`
    reads."""

    PER_ID = 4

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._stamps: OrderedDict[str, list[Provenance]] = OrderedDict()
        self._texts: OrderedDict[str, list[Provenance]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, response_id: str | None, stamp: Provenance | None) -> None:
        if not response_id or stamp is None:
            return
        with self._lock:
            for table, key in ((self._stamps, response_id), (self._texts, stamp.output_sha256)):
                stamps = table.setdefault(key, [])
                stamps.append(stamp)
                del stamps[: -self.PER_ID]
                table.move_to_end(key)
                while len(table) > self._size:
                    table.popitem(last=False)

    def get(self, response_id: str | None, text: str | None = None) -> Provenance | None:
        """The stamp of the answer with this id and `text` (None: the id's only stamp)."""
        if not response_id:
            return None
        with self._lock:
            stamps = list(self._stamps.get(response_id, ()))
        if text is None:
            return stamps[0] if len(stamps) == 1 else None
        digest = sha256_text(text)
        return next((p for p in reversed(stamps) if p.output_sha256 == digest), None)

    def by_text(self, text: str | None) -> Provenance | None:
        """The newest stamp of an answer with this `text` (not empty), when the stamps
        kept for it agree on use case and review requirement; else None."""
        if not text:
            return None
        with self._lock:
            stamps = list(self._texts.get(sha256_text(text), ()))
        rules = {(p.use_case, p.requires_review) for p in stamps}
        return stamps[-1] if len(rules) == 1 else None


responses = ResponseStamps()


def output_text(obj: Any) -> str:
    """The text a stamp's output hash covers, for a carried output (an SDK's or a
    framework's answer: its answer text; one that has none, a tool call, is refused)."""
    if isinstance(obj, str):
        return str(obj)
    answer = answer_of(obj)
    if answer is not None:
        if answer.text is None:
            raise ConfigurationError(
                f"this {type(obj).__name__} holds no answer text (a tool call?): a stamp "
                "covers the answer's text; ask for structured output as the answer's text "
                "(response_format / native structured output) to have it stamped"
            )
        return answer.text
    text = getattr(obj, "text", None)
    if isinstance(text, str):
        return text
    header = _stream_header(obj)
    if header is not None:
        raise ConfigurationError(
            "a stream's text is in its chunks: verify the text you gathered from them, "
            "with rai.provenance_of(stream) as the stamp"
        )
    if isinstance(obj, BaseModel):
        return canonical_json(obj.model_dump(mode="json")).decode("utf-8")
    if isinstance(obj, dict):
        return canonical_json(obj).decode("utf-8")
    raise ConfigurationError(f"cannot tell the text of a {type(obj).__name__}")
