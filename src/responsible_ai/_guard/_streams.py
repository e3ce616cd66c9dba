"""`Stream` and `AsyncStream`: a governed answer as it streams (they differ only in I/O).

The policy was checked when the stream was made; the request is sent when iteration
starts; each text delta goes through the answer's chunk filter (PII the model writes,
placeholders restored) and the whole answer is stamped when the stream completes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Any, Self

from .._call import Prepared
from .._errors import ConfigurationError, ProviderError
from .._observe import CallRecord
from .._pipeline import Pipeline
from .._provenance import Provenance
from .._providers import StreamFolder
from .._steps import AnswerFilter, admit
from .._telemetry import StreamClosed
from .._types import ChatChunk, ChatResponse, Decision
from ._senders import Senders

__all__ = ["AsyncStream", "Stream"]


class _StreamBase:
    def __init__(
        self, senders: Senders, pipeline: Pipeline, record: CallRecord, prepared: Prepared
    ) -> None:
        self._senders = senders
        self._pipeline = pipeline
        self._record = record
        self._prepared = prepared
        self._filter: AnswerFilter | None = None
        self._emitted: list[str] = []
        self._response: ChatResponse | None = None
        self._started = False

    @property
    def decision(self) -> Decision:
        return self._prepared.decision

    @property
    def provenance(self) -> Provenance | None:
        """The stamp of the whole answer: set only when the stream completed."""
        return self._response.provenance if self._response is not None else None

    @property
    def response(self) -> ChatResponse:
        """The whole answer, available once the stream has been read to its end."""
        if self._response is None:
            raise ConfigurationError(
                "the stream has not completed: read it to the end before asking for .response"
            )
        return self._response

    # what both stream kinds do with each event and at the end (they differ only in I/O)

    def _opened(self) -> None:
        self._filter = self._pipeline.chunk_filter(self._prepared)

    def _failed_over(self, error: ProviderError) -> None:
        self._prepared = self._record.next_attempt(self._prepared, error)

    def _on_event(self, folder: StreamFolder, event: Any) -> ChatChunk | None:
        delta = folder.feed(event)
        if not delta:
            return None
        self._record.first_chunk()
        if self._filter is not None:
            delta = self._filter.feed(delta)
        return ChatChunk(delta) if delta else None

    def _on_end(self, folder: StreamFolder) -> ChatChunk | None:
        tail = self._filter.flush() if self._filter is not None else ""
        answer = admit.complete(folder, self._prepared.provider.name)
        self._response = self._record.finish(self._prepared, answer, self._filter)
        marked = self._response.credentials
        if marked is not None and marked.carrier == "embedded":
            tail += marked.text[len(marked.visible) :]  # the manifest follows the last chunk
        return ChatChunk(tail) if tail else None

    def _begin(self) -> None:
        if self._started:
            raise ConfigurationError("a stream can be iterated only once")
        self._started = True

    def __del__(self) -> None:
        # a stream dropped without being read: its observation still ends (StreamClosed)
        if not getattr(self, "_started", True):
            self._record.failed(StreamClosed())


class Stream(_StreamBase):
    """Iterate for `ChatChunk`s; `.response` holds the whole answer at the end."""

    _iter: Iterator[ChatChunk] | None = None

    def __iter__(self) -> Iterator[ChatChunk]:
        self._begin()
        self._iter = self._chunks()
        return self._iter

    def _chunks(self) -> Iterator[ChatChunk]:
        with self._record.ending():  # an early close or an error ends the record
            sender = self._senders.sync()
            while True:
                try:
                    with self._record.active():
                        response, folder = sender.open_stream(self._prepared)
                    break
                except ProviderError as error:
                    self._failed_over(error)
            self._opened()
            for event in sender.events(self._prepared, response):
                chunk = self._on_event(folder, event)
                if chunk is not None:
                    yield chunk
            tail = self._on_end(folder)
            if tail is not None:
                yield tail

    def text(self) -> str:
        """Read the stream to its end and return the whole text."""
        for _ in self:
            pass
        return self.response.text

    def close(self) -> None:
        if self._iter is not None and hasattr(self._iter, "close"):
            self._iter.close()  # runs the generator's finally: the response is closed

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncStream(_StreamBase):
    """``async for`` over `ChatChunk`s; `.response` holds the whole answer at the end."""

    _iter: AsyncIterator[ChatChunk] | None = None

    def __aiter__(self) -> AsyncIterator[ChatChunk]:
        self._begin()
        self._iter = self._chunks()
        return self._iter

    async def _chunks(self) -> AsyncIterator[ChatChunk]:
        with self._record.ending():
            sender = await self._senders.async_()
            while True:
                try:
                    with self._record.active():
                        response, folder = await sender.open_stream(self._prepared)
                    break
                except ProviderError as error:
                    self._failed_over(error)
            self._opened()
            async for event in sender.events(self._prepared, response):
                chunk = self._on_event(folder, event)
                if chunk is not None:
                    yield chunk
            tail = self._on_end(folder)
            if tail is not None:
                yield tail

    async def text(self) -> str:
        """Read the stream to its end and return the whole text."""
        async for _ in self:
            pass
        return self.response.text

    async def aclose(self) -> None:
        if self._iter is not None:
            aclose = getattr(self._iter, "aclose", None)
            if aclose is not None:
                await aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
