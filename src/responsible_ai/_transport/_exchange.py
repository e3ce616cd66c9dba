"""One request and its answer through the governed transport: the JSON answer screened,
stamped and written back whole; an SSE answer rewritten event by event; the provider's
body read no longer than the exchange's deadline and no larger than the answer limit."""

from __future__ import annotations

import importlib
import time
from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Any

import orjson

from .._call import Prepared, Screened, WireAnswer
from .._credentials import marked_answers
from .._errors import ProviderResponseError
from .._observe import CallRecord
from .._policy import Provider
from .._provenance import HEADER, Provenance, responses
from .._providers import EventWriter, StreamFolder, event_object, json_of, wire_for
from .._send import AnswerLimits, DeadlineExceeded, late
from .._sse import ServerSentEvent, SSEDecoder
from .._steps import AnswerFilter, admit
from .._telemetry import StreamClosed
from .._types import ChatResponse
from ._sdk_errors import sdk_errors_raised

__all__ = ["Exchange", "body_classes", "bounded", "is_json", "response_of"]


class Exchange:
    """One request and its answer through the transport."""

    def __init__(self, record: CallRecord, prepared: Prepared, request: Any) -> None:
        self.record = record
        self.prepared = prepared
        self.request = request
        self.wire = wire_for(prepared.endpoint)
        self.deadline = time.monotonic() + prepared.provider.timeout_s  # the whole exchange

    def answer(self, http: ModuleType, response: Any, content: bytes) -> Any:
        """The JSON answer screened, stamped and written back into a new response."""
        data, answer = self._read(content)
        result = self.record.finish(self.prepared, answer)
        return self._written(http, response, data, answer, result)

    async def aanswer(self, http: ModuleType, response: Any, content: bytes) -> Any:
        """`answer`, settling on the state store's async client."""
        data, answer = self._read(content)
        result = await self.record.afinish(self.prepared, answer)
        return self._written(http, response, data, answer, result)

    def _read(self, content: bytes) -> tuple[Any, WireAnswer]:
        provider = self.prepared.provider.name
        data = json_of(content, provider, "a body that is not JSON")
        return data, self.wire.parse(data, provider)

    def _written(
        self, http: ModuleType, response: Any, data: Any, answer: WireAnswer, result: ChatResponse
    ) -> Any:
        responses.remember(result.id, result.provenance)
        marked_answers.remember(result.id, result.credentials)
        marked = result.credentials
        text = marked.text if marked is not None and marked.carrier == "embedded" else result.text
        extra = marked.headers if marked is not None and marked.carrier == "header" else {}
        if text == answer.text and result.tool_calls == answer.tool_calls:
            # nothing to write back: the provider's (already read) response as it is
            response.headers.pop(HEADER, None)  # only the library writes a stamp
            if result.provenance is not None:
                response.headers[HEADER] = result.provenance.to_header()
            response.headers.update(extra)
            return response
        screened = Screened(text, result.tool_calls)
        content = orjson.dumps(self.wire.write_answer(data, screened))
        return response_of(http, response, result.provenance, content=content, extra=extra)

    def stream(self) -> SSERewriter:
        return SSERewriter(self)


def response_of(
    http: ModuleType,
    response: Any,
    stamp: Provenance | None,
    *,
    content: bytes | None = None,
    stream: Any = None,
    extra: dict[str, str] | None = None,
) -> Any:
    """A new response (the public constructor) with the provider's status and headers,
    the answer as the library wrote it, and the stamp's header."""
    headers = response.headers.copy()
    for name in ("content-encoding", "transfer-encoding", "content-length", HEADER):
        headers.pop(name, None)  # the body below is decoded and re-measured; the stamp is ours
    if content is not None:
        headers["content-length"] = str(len(content))
        stream = http.ByteStream(content)
    if stamp is not None:
        headers[HEADER] = stamp.to_header()
    headers.update(extra or {})
    return http.Response(
        response.status_code, headers=headers, stream=stream, extensions=response.extensions
    )


_Held = tuple[ServerSentEvent, dict[str, Any] | None, str | None]


class SSERewriter:
    """Rewrites an SSE answer as it streams: text through the same chunk filter as a
    `Guard` stream (PII the model writes reported, masked or refused with bounded
    look-behind; placeholders restored even when split across events), tool-call
    arguments through a restorer each; what the filters hold is written just before
    the event that closes it. The whole answer is stamped when the stream ends.

    A marked answer (embedded carrier) gets its manifest after its last text: the
    events from the one that closes the text to the stream's final event are held (no
    text follows them; a text that goes on releases them), the answer is finished when
    the final event arrives, and the held events are written with the manifest as one
    more text delta before the closing one (`EventWriter.seal`)."""

    def __init__(self, ex: Exchange) -> None:
        self.ex = ex
        pipeline = ex.record.pipeline
        self.decoder = SSEDecoder()
        self.folder: StreamFolder = ex.wire.folder(ex.prepared.provider.name)
        self.text: AnswerFilter | None = pipeline.chunk_filter(ex.prepared)
        self.writer: EventWriter = ex.wire.events(self.text, pipeline.args_restorer(ex.prepared))
        self.ended = False
        self.response: Any = None  # the response the SDK reads: stamped when the stream ends
        self.embeds = ex.prepared.marking == "embedded"
        self.held: list[_Held] | None = None  # from the text's closing event on
        self.finished = False

    def feed(self, chunk: bytes) -> bytes:
        return b"".join(self._event(event) for event in self.decoder.feed(chunk))

    def _event(self, event: ServerSentEvent) -> bytes:
        data: dict[str, Any] | None = None
        if event.data != "[DONE]":
            data = event_object(event.data, self.ex.prepared.provider.name)
        delta = self.folder.feed(event)
        if delta:
            self.ex.record.first_chunk()
        if not self.embeds or self.finished:
            return self.writer.event(event, data, delta)
        return self._marking(event, data, delta)

    def _marking(
        self, event: ServerSentEvent, data: dict[str, Any] | None, delta: str | None
    ) -> bytes:
        """An event of a marked answer: held from the text's closing event to the final
        event, where the manifest is written."""
        out = b""
        if self.held is not None and delta:  # the text goes on: what was held was not its end
            out = b"".join(self.writer.event(*held) for held in self.held)
            self.held = None
        if self.held is None and not (self.folder.done or self.writer.closes_text(data)):
            return out + self.writer.event(event, data, delta)
        self.held = [*(self.held or ()), (event, data, delta)]
        return out + self._sealed() if self.folder.done else out

    def _sealed(self) -> bytes:
        """The answer is complete (its final event, or the body's end): finish it and
        write what was held, the manifest after the text. An answer whose text no event
        closed cannot carry it: an error, never an unmarked answer."""
        admit.complete(self.folder, self.ex.prepared.provider.name)  # a cut stream raises
        held, self.held = self.held or [], None
        self.writer.seal = self._seal
        try:
            out = b"".join(self.writer.event(*h) for h in held)
        finally:
            self.writer.seal = None
        if not self.finished:
            if self.writer.emitted_text():
                raise ProviderResponseError(
                    f"provider {self.ex.prepared.provider.name!r} ended a marked answer's "
                    "stream without closing its text",
                    provider=self.ex.prepared.provider.name,
                )
            self._finish()  # no text: nothing to mark
        return out

    def _seal(self) -> str:
        """Finish the answer (stamp, manifest) and return what follows its text."""
        marked = self._finish().credentials
        if marked is None or marked.carrier != "embedded":
            return ""
        return marked.text[len(marked.visible) :]

    def _finish(self) -> ChatResponse:
        answer = admit.complete(self.folder, self.ex.prepared.provider.name)
        if self.text is not None:
            answer.text = self.writer.emitted_text()  # what the caller received
        result = self.ex.record.finish(self.ex.prepared, answer, self.text)
        self.finished = True
        responses.remember(result.id, result.provenance)
        marked_answers.remember(result.id, result.credentials)
        if self.response is not None and result.provenance is not None:
            # as a trailer: the SDK's Stream keeps this response (`provenance_of(stream)`)
            self.response.headers[HEADER] = result.provenance.to_header()
        return result

    def end(self) -> bytes:
        """The body ended: the rest of the events, then the stamp (an incomplete stream
        raises `ProviderUnavailable`: it must not look complete to the SDK)."""
        if self.ended:
            return b""
        tail = b"".join(self._event(event) for event in self.decoder.flush())
        self.ended = True
        if self.embeds and not self.finished:  # no final event: complete by its finish reason
            return tail + self._sealed()
        if not self.finished:
            self._finish()
        return tail

    def closed(self) -> None:
        """The caller closed the stream: complete if its final event was read (the SDKs
        stop reading there), else the record ends as `StreamClosed`."""
        if self.ended:
            return
        if self.folder.done:
            try:
                self.end()
            except Exception as exc:
                self.ex.record.failed(exc)
            return
        self.ended = True
        self.ex.record.failed(StreamClosed())


class _SyncBody:
    """The rewritten SSE body for sync clients (made a `SyncByteStream` of the backend)."""

    def __init__(self, inner: Any, rewriter: SSERewriter) -> None:
        self.inner = inner
        self.rewriter = rewriter

    def __iter__(self) -> Iterator[bytes]:
        rewriter = self.rewriter
        with rewriter.ex.record.ending(), sdk_errors_raised:
            for chunk in self.inner.iter_bytes():
                out = rewriter.feed(chunk)
                if out:
                    yield out
            tail = rewriter.end()
        if tail:
            yield tail

    def close(self) -> None:
        self.rewriter.closed()
        self.inner.close()


class _AsyncBody:
    """The rewritten SSE body for async clients (made an `AsyncByteStream` of the backend)."""

    def __init__(self, inner: Any, rewriter: SSERewriter) -> None:
        self.inner = inner
        self.rewriter = rewriter

    async def __aiter__(self) -> AsyncIterator[bytes]:
        rewriter = self.rewriter
        with rewriter.ex.record.ending(), sdk_errors_raised:
            async for chunk in self.inner.aiter_bytes():
                out = rewriter.feed(chunk)
                if out:
                    yield out
            tail = rewriter.end()
        if tail:
            yield tail

    async def aclose(self) -> None:
        self.rewriter.closed()
        await self.inner.aclose()


_BODY_CLASSES: dict[ModuleType, tuple[type[_SyncBody], type[_AsyncBody]]] = {}


class _Bounded:
    """The provider's response body, read no longer than the exchange's deadline and no
    larger than `MAX_ANSWER_BYTES` (raw): the SDK's own time-outs are per read."""

    def __init__(self, inner: Any, deadline: float, provider: Provider) -> None:
        self.inner = inner
        self.provider = provider
        self.limits = AnswerLimits(provider.name, deadline)

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self.inner:
                yield self.limits.check(chunk)
        except DeadlineExceeded:
            raise late(self.provider) from None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self.inner:
                yield self.limits.check(chunk)
        except DeadlineExceeded:
            raise late(self.provider) from None

    def close(self) -> None:
        self.inner.close()

    async def aclose(self) -> None:
        await self.inner.aclose()


_BOUNDED: dict[type, type[_Bounded]] = {}


def bounded(response: Any, ex: Exchange) -> Any:
    """`response` with its body stream bounded (a stream type of the response's own HTTP
    library, as its responses check: the inner transport may be of the other backend)."""
    cls = _BOUNDED.get(type(response))
    if cls is None:
        lib = importlib.import_module(type(response).__module__.split(".", 1)[0])
        cls = _BOUNDED[type(response)] = type(
            "BoundedStream", (_Bounded, lib.SyncByteStream, lib.AsyncByteStream), {}
        )
    response.stream = cls(response.stream, ex.deadline, ex.prepared.provider)
    return response


def body_classes(http: ModuleType) -> tuple[type[_SyncBody], type[_AsyncBody]]:
    """The body classes as the backend's byte-stream types (its responses check them),
    made once per backend."""
    found = _BODY_CLASSES.get(http)
    if found is None:
        sync = type("GovernedSyncBody", (_SyncBody, http.SyncByteStream), {})
        async_ = type("GovernedAsyncBody", (_AsyncBody, http.AsyncByteStream), {})
        found = _BODY_CLASSES[http] = (sync, async_)
    return found


def is_json(response: Any) -> bool:
    return "json" in response.headers.get("content-type", "")
