"""The Content Credentials of answers that reached an official SDK through the governed
transport, by the provider's response id: an SDK's response object cannot carry them,
and a streamed answer's HTTP headers left before its manifest was made. `credentials_of`
finds them (the sidecar's store, the header's value) for every carrier."""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict
from typing import Any

from .._errors import ResponsibleAIError
from ._mark import Marked

__all__ = ["MarkedAnswers", "credentials_of", "marked_answers"]


class MarkedAnswers:
    """Marked answers by response id; an id names a mark only together with the answer's
    text (its visible text, or the text with the manifest), unless it names exactly one.
    Bounded (the oldest ids go first) and thread-safe: the transport writes, readers read."""

    PER_ID = 4

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._marks: OrderedDict[str, list[Marked]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, response_id: str | None, marked: Marked | None) -> None:
        if not response_id or marked is None:
            return
        with self._lock:
            marks = self._marks.setdefault(response_id, [])
            marks.append(marked)
            del marks[: -self.PER_ID]
            self._marks.move_to_end(response_id)
            while len(self._marks) > self._size:
                self._marks.popitem(last=False)

    def get(self, response_id: str, text: str | None = None) -> Marked | None:
        with self._lock:
            marks = list(self._marks.get(response_id, ()))
        if text is None:
            return marks[0] if len(marks) == 1 else None
        visible = unicodedata.normalize("NFC", text)
        return next((m for m in reversed(marks) if text == m.text or visible == m.visible), None)


marked_answers = MarkedAnswers()


def credentials_of(answer: Any, text: str | None = None) -> Marked | None:
    """The Content Credentials (`Marked`) of a governed answer: a `ChatResponse` or a
    completed stream, or an official SDK's answer that went through ``rai.http_client`` /
    ``rai.instrument`` — its response object, or its id (a stream's chunks carry it) with
    the answer's `text` when the id may name several answers. None when not marked."""
    own = getattr(answer, "credentials", None)
    if isinstance(own, Marked):
        return own
    try:
        response = getattr(answer, "response", None)  # a completed Guard stream
    except ResponsibleAIError:
        response = None  # a stream not read to its end: nothing marked yet
    if response is not None and isinstance(getattr(response, "credentials", None), Marked):
        return response.credentials  # type: ignore[no-any-return]
    response_id = answer if isinstance(answer, str) else getattr(answer, "id", None)
    if not isinstance(response_id, str):
        return None
    return marked_answers.get(response_id, text)
