"""Govern the official SDKs at the transport: `rai.http_client()` / `rai.async_http_client()`.

Hand the SDK an httpx2 (or httpx) client from the library and keep your code::

    http = rai.http_client(policy, use_case="client.support")
    client = openai.OpenAI(base_url=..., http_client=http)

The transport is the second thin driver over the same pipeline as `Guard`. It routes
the request's URL to an approved provider and endpoint (OpenAI chat completions,
OpenAI Responses, Anthropic messages), reads the SDK's JSON body into a `Call`, and
sends the body the pipeline prepared (redacted along the endpoint's shape, exactly as
`Guard` redacts). It writes the screened, stamped answer back: a JSON body whole, an SSE
stream event by event. Anything it cannot read is refused, never passed raw; every
request the client sends (redirects included) comes through it, so an unapproved host
never receives a byte.

Refusals are raised from the transport as the library's own error class, made to also
be an instance of the SDKs' base errors (`openai.OpenAIError`, `anthropic.AnthropicError`,
when installed): both SDKs propagate their own errors as they are, so a refusal is never
retried, never waits for back-off, and `except rai.UseCaseBlocked` catches it directly.
"""

from __future__ import annotations

import contextvars
import importlib
import os
import sys
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, Literal, overload
from urllib.parse import urlsplit

import orjson

if TYPE_CHECKING:
    import httpx
    import httpx2

from ._call import Call, Endpoint, Prepared, Screened
from ._errors import (
    ConfigurationError,
    EndpointNotGoverned,
    ProviderNotApproved,
    ProviderUnavailable,
    ResponsibleAIError,
)
from ._guard import Guard
from ._http import backend as http_backend
from ._pii import ClientRecord, KnownValues, as_known
from ._pipeline import CallRecord, unreadable
from ._policy import Policy, Provider
from ._provenance import HEADER, Provenance, responses
from ._providers import (
    ENDPOINTS,
    EventWriter,
    StreamFolder,
    event_object,
    json_of,
    wire_for,
)
from ._send import AnswerLimits, DeadlineExceeded, late
from ._sse import ServerSentEvent, SSEDecoder
from ._steps import AnswerFilter
from ._telemetry import StreamClosed

__all__ = ["USE_CASE_HEADER", "async_http_client", "http_client", "use_case"]

USE_CASE_HEADER = "x-rai-use-case"

# headers that are protocol, credentials or SDK telemetry; every other header a request
# carries is content (scanned and redacted like the body)
_STRUCTURAL_HEADERS = frozenset({
    "host", "content-type", "content-length", "accept", "accept-encoding", "connection",
    "user-agent", "authorization", "x-api-key", "api-key", "anthropic-version",
    "anthropic-beta", "openai-organization", "openai-project", "openai-beta",
    "idempotency-key", "traceparent", "tracestate", USE_CASE_HEADER,
})  # fmt: skip


_STRUCTURAL_RAW = frozenset(h.encode() for h in _STRUCTURAL_HEADERS)  # and x-stainless-*
_USE_CASE_RAW = USE_CASE_HEADER.encode()


_use_case: contextvars.ContextVar[str | None] = contextvars.ContextVar("rai_use_case", default=None)


@contextmanager
def use_case(tag: str) -> Iterator[str]:
    """SDK calls made through a governed http client inside this block declare `tag`."""
    token = _use_case.set(tag)
    try:
        yield tag
    finally:
        _use_case.reset(token)


_sdk_errors: dict[type[BaseException], type[BaseException]] = {}


def _as_sdk_error(exc: ResponsibleAIError) -> ResponsibleAIError:
    """`exc` re-made as an instance of its own class *and* of the SDKs' base errors."""
    cls = type(exc)
    combined = _sdk_errors.get(cls)
    if combined is None:
        bases: list[type[BaseException]] = [cls]
        for module, name in (("openai", "OpenAIError"), ("anthropic", "AnthropicError")):
            try:
                base = getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                continue
            if not issubclass(cls, base):
                bases.append(base)
        combined = type(cls.__name__, tuple(bases), {"__module__": cls.__module__})
        _sdk_errors[cls] = combined
    clone = combined.__new__(combined)
    clone.__dict__.update(exc.__dict__)
    clone.args = exc.args
    return clone  # type: ignore[return-value]


class _SdkErrorsRaised:
    """The library's errors leave as the SDK-compatible ones (no chained provider
    context). A class: a generator context manager costs a microsecond per use."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if isinstance(ev, ResponsibleAIError):
            raise _as_sdk_error(ev) from None


_sdk_errors_raised = _SdkErrorsRaised()


# ------------------------------------------------------------------------------ routing


class _Routes:
    """Which approved provider and endpoint a request's URL goes to."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._routes: list[tuple[str, str, int | None, str, Provider]] = []
        for p in policy.providers:
            url = urlsplit(p.base_url)
            self._routes.append((url.scheme, url.hostname or "", url.port, url.path.rstrip("/"), p))
        self._memo: dict[tuple[Any, ...], tuple[Provider, Endpoint]] = {}

    def route(self, url: Any, model: str) -> tuple[Provider, Endpoint]:
        """The provider whose base URL the request is under (when several share an
        address, the one whose allow-list has the model) and the endpoint it calls."""
        key = (url.scheme, url.host, url.port, url.path, model)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._route(url, model)
            if len(self._memo) < 1024:
                self._memo[key] = hit
        return hit

    def _route(self, url: Any, model: str) -> tuple[Provider, Endpoint]:
        problem = None
        stray: Provider | None = None  # an approved provider's address, a path it has not
        allowed: list[str] = []
        candidates: list[tuple[Provider, Endpoint]] = []
        for scheme, host, port, prefix, provider in self._routes:
            if not (
                scheme == url.scheme
                and host == url.host
                and port == url.port
                and url.path.startswith(prefix + "/")
            ):
                continue
            endpoint = ENDPOINTS.get(url.path[len(prefix) :])
            if endpoint is None:
                stray = stray or provider  # the first in the policy at that address
                allowed += [
                    f"{prefix}{path}" for path, e in ENDPOINTS.items()
                    if (e == "messages") == (provider.kind == "anthropic")
                ]  # fmt: skip
            elif (endpoint == "messages") == (provider.kind == "anthropic"):
                candidates.append((provider, endpoint))
            else:
                problem = f"a {endpoint} request to a {provider.kind} provider"
        if candidates:
            return next((c for c in candidates if c[0].allows_model(model)), candidates[0])
        if problem is not None:
            raise unreadable(problem)
        if stray is not None:
            path = _shown_path(url.path)
            raise EndpointNotGoverned(
                f"{path} on {stray.name} is not an inference endpoint the library governs; "
                f"the policy allows {', '.join(sorted(set(allowed)))} there (models.list(), "
                "count_tokens and files are not governed: use a plain client for them)",
                rule="providers", policy_id=self.policy.id,
                policy_version=self.policy.version, provider=stray.name,
            )  # fmt: skip
        raise ProviderNotApproved(
            f"{url.host!r} is not the address of any approved provider", rule="providers",
            policy_id=self.policy.id, policy_version=self.policy.version,
        )  # fmt: skip


_API_WORDS = frozenset(
    [
        "v1",
        "v2",
        "chat",
        "completions",
        "responses",
        "messages",
        "models",
        "files",
        "count_tokens",
        "batches",
        "embeddings",
        "images",
        "audio",
        "speech",
        "transcriptions",
        "translations",
        "moderations",
        "assistants",
        "threads",
        "runs",
        "steps",
        "vector_stores",
        "uploads",
        "parts",
        "fine_tuning",
        "jobs",
        "checkpoints",
        "input_items",
        "cancel",
        "content",
        "generations",
        "edits",
        "variations",
        "realtime",
        "sessions",
        "containers",
        "conversations",
        "items",
        "organization",
        "projects",
    ]
)


def _shown_path(path: str) -> str:
    """A request path as an error may show it: API words as they are, anything else (an
    id, a name, an encoded value) as "…" (a path can carry data)."""
    segments = path.split("/")[1:]
    shown = [s if s in _API_WORDS else "…" for s in segments[:20]]
    return "/" + "/".join(shown) + ("/…" if len(segments) > 20 else "")


# ------------------------------------------------------------------------------ one exchange


class _Exchange:
    """One request and its answer through the transport."""

    def __init__(self, record: CallRecord, prepared: Prepared, request: Any) -> None:
        self.record = record
        self.prepared = prepared
        self.request = request
        self.wire = wire_for(prepared.endpoint)
        self.deadline = time.monotonic() + prepared.provider.timeout_s  # the whole exchange

    def answer(self, http: ModuleType, response: Any, content: bytes) -> Any:
        """The JSON answer screened, stamped and written back into a new response."""
        provider = self.prepared.provider.name
        data = json_of(content, provider, "a body that is not JSON")
        answer = self.wire.parse(data, provider)
        result = self.record.finish(self.prepared, answer)
        responses.remember(result.id, result.provenance)
        if result.text == answer.text and result.tool_calls == answer.tool_calls:
            # nothing to write back: the provider's (already read) response as it is
            if result.provenance is not None:
                response.headers[HEADER] = result.provenance.to_header()
            return response
        screened = Screened(result.text, result.tool_calls)
        content = orjson.dumps(self.wire.write_answer(data, screened))
        return _response(http, response, result.provenance, content=content)

    def stream(self) -> _SSERewriter:
        return _SSERewriter(self)


def _response(
    http: ModuleType,
    response: Any,
    stamp: Provenance | None,
    *,
    content: bytes | None = None,
    stream: Any = None,
) -> Any:
    """A new response (the public constructor) with the provider's status and headers,
    the answer as the library wrote it, and the stamp's header."""
    headers = response.headers.copy()
    for name in ("content-encoding", "transfer-encoding", "content-length"):
        headers.pop(name, None)  # the body below is decoded and re-measured
    if content is not None:
        headers["content-length"] = str(len(content))
        stream = http.ByteStream(content)
    if stamp is not None:
        headers[HEADER] = stamp.to_header()
    return http.Response(
        response.status_code, headers=headers, stream=stream, extensions=response.extensions
    )


class _SSERewriter:
    """Rewrites an SSE answer as it streams: text through the same chunk filter as a
    `Guard` stream (PII the model writes reported, masked or refused with bounded
    look-behind; placeholders restored even when split across events), tool-call
    arguments through a restorer each; what the filters hold is written just before
    the event that closes it. The whole answer is stamped when the stream ends."""

    def __init__(self, ex: _Exchange) -> None:
        self.ex = ex
        pipeline = ex.record.pipeline
        self.decoder = SSEDecoder()
        self.folder: StreamFolder = ex.wire.folder(ex.prepared.provider.name)
        self.text: AnswerFilter | None = pipeline.chunk_filter(ex.prepared)
        self.writer: EventWriter = ex.wire.events(self.text, pipeline.args_restorer(ex.prepared))
        self.ended = False

    def feed(self, chunk: bytes) -> bytes:
        return b"".join(self._event(event) for event in self.decoder.feed(chunk))

    def _event(self, event: ServerSentEvent) -> bytes:
        data: dict[str, Any] | None = None
        if event.data != "[DONE]":
            data = event_object(event.data, self.ex.prepared.provider.name)
        delta = self.folder.feed(event)
        if delta:
            self.ex.record.first_chunk()
        return self.writer.event(event, data, delta)

    def end(self) -> bytes:
        """The body ended: the rest of the events, then the stamp (an incomplete stream
        raises `ProviderUnavailable`: it must not look complete to the SDK)."""
        if self.ended:
            return b""
        tail = b"".join(self._event(event) for event in self.decoder.flush())
        self.ended = True
        answer = self.folder.result()
        if not self.folder.done and answer.finish_reason is None:
            name = self.ex.prepared.provider.name
            raise ProviderUnavailable(
                f"provider {name!r} ended the stream before its final event", provider=name
            )
        if self.text is not None:
            answer.text = self.writer.emitted_text()  # what the caller received
        result = self.ex.record.finish(self.ex.prepared, answer, self.text)
        responses.remember(result.id, result.provenance)
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

    def __init__(self, inner: Any, rewriter: _SSERewriter) -> None:
        self.inner = inner
        self.rewriter = rewriter

    def __iter__(self) -> Iterator[bytes]:
        rewriter = self.rewriter
        with rewriter.ex.record.ending(), _sdk_errors_raised:
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

    def __init__(self, inner: Any, rewriter: _SSERewriter) -> None:
        self.inner = inner
        self.rewriter = rewriter

    async def __aiter__(self) -> AsyncIterator[bytes]:
        rewriter = self.rewriter
        with rewriter.ex.record.ending(), _sdk_errors_raised:
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


def _bounded(response: Any, ex: _Exchange) -> Any:
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


def _body_classes(http: ModuleType) -> tuple[type[_SyncBody], type[_AsyncBody]]:
    """The body classes as the backend's byte-stream types (its responses check them),
    made once per backend."""
    found = _BODY_CLASSES.get(http)
    if found is None:
        sync = type("GovernedSyncBody", (_SyncBody, http.SyncByteStream), {})
        async_ = type("GovernedAsyncBody", (_AsyncBody, http.AsyncByteStream), {})
        found = _BODY_CLASSES[http] = (sync, async_)
    return found


# ------------------------------------------------------------------------------ the transport


class GovernedTransport:
    """An httpx2/httpx transport (sync and async, as httpx's `MockTransport` is) that
    governs every request before `inner` sends it."""

    def __init__(
        self,
        guard: Guard,
        inner: Any,
        http: ModuleType,
        *,
        use_case: str | None,
        subject: KnownValues | None,
        restore: bool | None,
    ) -> None:
        self.guard = guard
        self.inner = inner
        self.http = http
        self.default_use_case = use_case
        self.subject = subject
        self.restore = restore
        self.routes = _Routes(guard.policy)

    # -- reading the SDK's request

    def _begin(self, request: Any) -> _Exchange:
        """Route, decide and redact; the new request carries the prepared body."""
        try:
            body = orjson.loads(request.content)
        except (orjson.JSONDecodeError, TypeError):
            body = None
        model = body.get("model") if isinstance(body, dict) else None
        provider, endpoint = self.routes.route(request.url, model if isinstance(model, str) else "")
        if not isinstance(body, dict):
            raise unreadable("a body that is not a JSON object")
        if not isinstance(model, str):
            raise unreadable("a body without a model")
        tags: list[str] = []
        content_headers: list[list[str]] = []  # every header that is not protocol
        for key, value in request.headers.raw:
            name = key.lower()
            if name == _USE_CASE_RAW:
                tags.append(value.decode("latin-1"))
            elif not (name in _STRUCTURAL_RAW or name.startswith(b"x-stainless-")):
                content_headers.append([key.decode("latin-1"), value.decode("latin-1")])
        tag = ", ".join(tags) or _use_case.get() or self.default_use_case
        query = [list(kv) for kv in request.url.params.multi_items()] if request.url.query else []
        extra = {"query": query, "headers": content_headers} if query or content_headers else None
        call = Call(
            use_case=tag or "undeclared",
            provider_name=provider.name,
            model=model,
            body=body,
            endpoint=endpoint,
            stream=bool(body.get("stream")),
            subject=self.subject,
            restore=self.restore,
            extra=extra,
        )
        record = CallRecord(self.guard.pipeline, self.guard.telemetry, call)
        with record:  # a request that cannot be rebuilt ends the record too
            prepared = record.prepare(call)
            return _Exchange(record, prepared, self._request(request, prepared, bool(tags)))

    def _request(self, request: Any, prepared: Prepared, declared: bool) -> Any:
        """The SDK's request with what the pipeline prepared: the body, and the query
        parameters and content headers as redacted (the public constructor). When the
        prepared bytes are the SDK's own, nothing was redacted or re-encoded, and there
        is no use-case header to drop, the SDK's request is already exactly that."""
        content = prepared.content
        extra = prepared.outbound.extra
        if extra is None and not declared and content == request.content:
            return request
        headers = request.headers.copy()
        if USE_CASE_HEADER in headers:
            del headers[USE_CASE_HEADER]
        url = request.url
        if extra is not None:
            for name, _ in extra["headers"]:
                headers.pop(name, None)
            kept = list(headers.multi_items())
            added = [
                (k.encode("latin-1"), v.encode("latin-1", "replace")) for k, v in extra["headers"]
            ]
            headers = self.http.Headers(
                [(k.encode("latin-1"), v.encode("latin-1")) for k, v in kept] + added
            )
            url = self.http.URL(url, params=[(k, v) for k, v in extra["query"]])
        headers["content-length"] = str(len(content))
        return self.http.Request(
            request.method,
            url,
            headers=headers,
            stream=self.http.ByteStream(content),  # replayable: the SDK may retry
            extensions=request.extensions,
        )

    def _failed(self, ex: _Exchange, response: Any) -> None:
        ex.record.failed(ProviderUnavailable(
            f"provider {ex.prepared.provider.name!r} answered HTTP {response.status_code}",
            provider=ex.prepared.provider.name,
        ))  # fmt: skip

    # -- the two modes

    def handle_request(self, request: Any) -> Any:
        request.read()  # a redirected request's body may not be read yet (as MockTransport)
        with _sdk_errors_raised:
            _check_size(request)
            ex = self._begin(request)
        with ex.record.ending():
            response = _bounded(self.inner.handle_request(ex.request), ex)
        if not 200 <= response.status_code < 300:
            self._failed(ex, response)  # the SDK sees the provider's answer; a redirect
            return response  # it follows comes back through this transport, governed
        if _is_json(response):
            with ex.record.ending(), _sdk_errors_raised:
                return ex.answer(self.http, response, response.read())
        sync_body, _ = _body_classes(self.http)
        return _response(self.http, response, None, stream=sync_body(response, ex.stream()))

    async def handle_async_request(self, request: Any) -> Any:
        await request.aread()
        with _sdk_errors_raised:
            _check_size(request)
            ex = self._begin(request)
        with ex.record.ending():
            response = _bounded(await self.inner.handle_async_request(ex.request), ex)
        if not 200 <= response.status_code < 300:
            self._failed(ex, response)  # the SDK sees the provider's answer; a redirect
            return response  # it follows comes back through this transport, governed
        if _is_json(response):
            with ex.record.ending(), _sdk_errors_raised:
                return ex.answer(self.http, response, await response.aread())
        _, async_body = _body_classes(self.http)
        return _response(self.http, response, None, stream=async_body(response, ex.stream()))

    def close(self) -> None:
        self.inner.close()

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __enter__(self) -> GovernedTransport:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> GovernedTransport:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _check_size(request: Any) -> None:
    if len(request.content) > MAX_REQUEST_BYTES:
        raise unreadable(f"a request body of more than {MAX_REQUEST_BYTES} bytes")


MAX_REQUEST_BYTES = 32 * 1024 * 1024


def _is_json(response: Any) -> bool:
    return "json" in response.headers.get("content-type", "")


# ------------------------------------------------------------------------------ factories

_OFF = ("", "0", "false", "no", "off", "no_content")
# the instrumentors that read the GenAI capture setting and record spans *above* the
# transport, from the SDK's own arguments: the setting matters only when one is loaded
GENAI_INSTRUMENTORS = (
    "opentelemetry.instrumentation.openai_v2",
    "opentelemetry.instrumentation.openai",
    "opentelemetry.instrumentation.anthropic",
    "opentelemetry.instrumentation.langchain",
    "openinference.instrumentation.openai",
    "openinference.instrumentation.anthropic",
    "openinference.instrumentation.langchain",
)
UPSTREAM_CAPTURE_ENVS: dict[str, tuple[Callable[[str], bool], tuple[str, ...]]] = {
    # (the setting is on, the modules that capture when it is)
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": (
        lambda v: v not in _OFF,
        GENAI_INSTRUMENTORS,
    ),
    # anthropic >= 2's own spans
    "ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE": (lambda v: v == "content", ("anthropic",)),
}


def upstream_capture_on(
    env: Mapping[str, str] | None = None,
    modules: Mapping[str, Any] | None = None,
    *,
    loaded_only: bool = True,
) -> list[str]:
    """The settings by which telemetry *above* the transport (an SDK's own spans, an
    instrumentor) would record prompts before they are redacted: a setting that is on
    while what reads it is loaded (the setting alone, with no instrumentor, records
    nothing); with ``loaded_only=False``, every setting that is on."""
    source = env if env is not None else os.environ
    loaded = modules if modules is not None else sys.modules
    return [
        name for name, (on, readers) in UPSTREAM_CAPTURE_ENVS.items()
        if on(source.get(name, "").strip().lower())
        and (not loaded_only or any(m in loaded for m in readers))
    ]  # fmt: skip


def _caller_level() -> int:
    """The `stacklevel` of the first frame outside this package (a warning names the
    caller's line, not one of the library's)."""
    here = os.path.dirname(__file__)
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(here):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _check_upstream(guard: Guard) -> None:
    mode = guard.policy.pii.upstream_capture
    # "refuse" on the setting alone (an instrumentor imported later would capture too);
    # "warn" only when what reads it is loaded
    found = upstream_capture_on(loaded_only=mode != "refuse")
    if not found:
        return
    message = (
        f"{', '.join(found)} is on: telemetry above the governed transport (the SDK's own "
        "spans or an instrumentor) may record prompts before they are redacted"
    )
    if mode == "refuse":
        raise ConfigurationError(f"{message}; the policy's pii.upstream_capture is 'refuse'")
    if mode == "warn":
        warnings.warn(message, RuntimeWarning, stacklevel=_caller_level())


_BYPASSES = ("transport", "mounts", "app")


@overload
def http_client(
    policy: Policy | Guard,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    backend: Literal["httpx2"] | None = None,
    inner: Any | None = None,
    **client_kw: Any,
) -> httpx2.Client: ...


@overload
def http_client(
    policy: Policy | Guard,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    backend: Literal["httpx"],
    inner: Any | None = None,
    **client_kw: Any,
) -> httpx.Client: ...


def http_client(
    policy: Policy | Guard,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    backend: str | None = None,
    inner: Any | None = None,
    **client_kw: Any,
) -> httpx2.Client | httpx.Client:
    """A `Client` whose transport governs every request an official SDK sends through it:
    httpx2 by default (what openai >= 3 and anthropic >= 2 take), httpx with
    ``backend="httpx"`` (for their previous majors). ``proxy=`` is routed through the
    governed transport (the proxy sees only what the policy let out); ``transport=`` and
    ``mounts=``, which would step around it, are refused: pass your own network
    transport as ``inner=``."""
    client: httpx2.Client | httpx.Client = _client(
        True, policy, use_case, subject, restore, backend, inner, client_kw
    )
    return client


@overload
def async_http_client(
    policy: Policy | Guard,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    backend: Literal["httpx2"] | None = None,
    inner: Any | None = None,
    **client_kw: Any,
) -> httpx2.AsyncClient: ...


@overload
def async_http_client(
    policy: Policy | Guard,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    backend: Literal["httpx"],
    inner: Any | None = None,
    **client_kw: Any,
) -> httpx.AsyncClient: ...


def async_http_client(
    policy: Policy | Guard,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    backend: str | None = None,
    inner: Any | None = None,
    **client_kw: Any,
) -> httpx2.AsyncClient | httpx.AsyncClient:
    """`http_client` for async SDK clients (`openai.AsyncOpenAI`, `anthropic.AsyncAnthropic`)."""
    client: httpx2.AsyncClient | httpx.AsyncClient = _client(
        False, policy, use_case, subject, restore, backend, inner, client_kw
    )
    return client


def _client(
    sync: bool,
    policy: Policy | Guard,
    use_case: str | None,
    subject: ClientRecord | KnownValues | None,
    restore: bool | None,
    backend: str | None,
    inner: Any | None,
    client_kw: dict[str, Any],
) -> Any:
    bypass = [name for name in _BYPASSES if client_kw.get(name) is not None]
    if bypass:
        raise ConfigurationError(
            f"{', '.join(bypass)}= would send requests around the governed transport; "
            "pass your own network transport as inner= instead"
        )
    http = http_backend(backend or "auto")
    guard = policy if isinstance(policy, Guard) else Guard(policy)
    _check_upstream(guard)
    network_kw: dict[str, Any] = {}
    for name in ("proxy", "verify", "cert", "http1", "http2", "limits"):
        if name in client_kw:
            network_kw[name] = client_kw.pop(name)
    if inner is not None and network_kw:
        raise ConfigurationError(
            f"{', '.join(network_kw)}= configure the network transport; with inner= given, "
            "set them on it"
        )
    if inner is None:
        inner = http.HTTPTransport(**network_kw) if sync else http.AsyncHTTPTransport(**network_kw)
    transport = GovernedTransport(
        guard, inner, http, use_case=use_case, subject=as_known(subject), restore=restore
    )
    client_cls = http.Client if sync else http.AsyncClient
    return client_cls(transport=transport, **client_kw)
