"""Where a governed output keeps its stamp: `AIText` and `AIDict` carry it, `attach` keeps
it for objects that cannot (pydantic results), `ResponseStamps` keeps it for official SDK
responses by their id, and `provenance_of` finds it on any of them."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any

from pydantic import BaseModel

from .._errors import ConfigurationError
from ._model import Provenance, canonical_json, sha256_text

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
    """The stamp carried by a governed output (`ChatResponse`, stream, `AIText`, `AIDict`,
    a governed pydantic result, or an official SDK's response that went through
    `rai.http_client`), or None."""
    if isinstance(obj, Provenance):
        return obj
    stamp = getattr(obj, "provenance", None)
    if isinstance(stamp, Provenance):
        return stamp
    entry = _carried.get(id(obj))
    if entry is not None and entry[0]() is obj:
        return entry[1]
    response_id = getattr(obj, "id", None)  # an SDK response object the transport saw
    if isinstance(response_id, str):
        return responses.get(response_id, _sdk_text(obj))
    return None


def _sdk_text(obj: Any) -> str | None:
    """The answer text of an official SDK's response object (OpenAI chat completion or
    Responses response, Anthropic message), or None (a stream chunk, anything else)."""
    try:
        choices = getattr(obj, "choices", None)
        if choices and getattr(choices[0], "message", None) is not None:
            content = choices[0].message.content
            return content if isinstance(content, str) else ""
        if type(obj).__name__ == "Response" and hasattr(obj, "output_text"):
            return str(obj.output_text)
        blocks = getattr(obj, "content", None)
        if isinstance(blocks, list) and getattr(obj, "role", None) == "assistant":
            return "".join(b.text for b in blocks if getattr(b, "type", None) == "text")
    except (AttributeError, IndexError, TypeError):
        return None
    return None


class ResponseStamps:
    """The stamps of answers that reached an official SDK through the governed transport,
    by the provider's response id (an SDK's response object cannot carry an attribute).

    An id names a stamp only together with the answer's text: a provider that reuses an
    id cannot hand one answer's stamp (say, "no review needed") to another, because the
    stamp's output hash must match the text asked about. Where no text can be read (a
    stream chunk), the id must name exactly one stamp. Bounded (the oldest ids go first)
    and thread-safe; the transport writes, `provenance_of` reads."""

    PER_ID = 4

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._stamps: OrderedDict[str, list[Provenance]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, response_id: str | None, stamp: Provenance | None) -> None:
        if not response_id or stamp is None:
            return
        with self._lock:
            stamps = self._stamps.setdefault(response_id, [])
            stamps.append(stamp)
            del stamps[: -self.PER_ID]
            self._stamps.move_to_end(response_id)
            while len(self._stamps) > self._size:
                self._stamps.popitem(last=False)

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


responses = ResponseStamps()


def output_text(obj: Any) -> str:
    """The text a stamp's output hash covers, for a carried output."""
    if isinstance(obj, str):
        return str(obj)
    text = getattr(obj, "text", None)
    if isinstance(text, str):
        return text
    if isinstance(obj, BaseModel):
        return canonical_json(obj.model_dump(mode="json")).decode("utf-8")
    if isinstance(obj, dict):
        return canonical_json(obj).decode("utf-8")
    raise ConfigurationError(f"cannot tell the text of a {type(obj).__name__}")
