"""`Guard`: the pipeline's driver, sync and async, with streams."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, Self, cast

from ._audit import AuditTrail
from ._client import AsyncSender, AsyncSleepFn, SleepFn, SyncSender
from ._errors import (
    ConfigurationError,
    PolicyViolation,
    ProviderError,
    ProviderHTTPError,
    ProviderUnavailable,
    RedactionFailed,
)
from ._http import backend, backend_of
from ._pii import ClientRecord, Detector, KnownValues, PIISession, Redactor
from ._pii._step import RedactStep
from ._pipeline import AuditSink, Call, ChunkFilter, Pipeline, Step
from ._policy import DataClass, Policy
from ._provenance import Provenance, Signer, StampStep, signer_from_env
from ._providers import StreamFolder
from ._telemetry import Observation, Telemetry
from ._types import ChatChunk, ChatMessage, ChatResponse, Decision
from ._usecases import Consent

if TYPE_CHECKING:
    import httpx

__all__ = ["AsyncStream", "Guard", "Stream", "current_consent"]

current_consent: contextvars.ContextVar[Consent | None] = contextvars.ContextVar(
    "responsible_ai_consent", default=None
)

Messages = str | Sequence[ChatMessage] | Sequence[Mapping[str, Any]]


def _messages(messages: Messages) -> list[ChatMessage]:
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    out = cast(list[ChatMessage], list(messages))
    if not out:
        raise ConfigurationError("messages is empty; a call needs at least one message")
    for i, m in enumerate(out):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise ConfigurationError(
                f"messages[{i}] must be a dict with a 'role' key (OpenAI message shape)"
            )
    return out


class Guard:
    """Runs governed calls under one policy.

    ``Guard(policy)`` owns an httpx2 (or httpx) client per mode, created on first use;
    pass ``http_client=`` / ``async_http_client=`` to bring your own (its timeouts,
    proxies and limits are kept; the policy's per-provider timeouts apply per request).
    Close it with ``close()`` / ``aclose()`` or use it as a context manager.
    """

    def __init__(
        self,
        policy: Policy,
        *,
        http_client: httpx.Client | Any | None = None,
        async_http_client: httpx.AsyncClient | Any | None = None,
        http_backend: str | None = None,
        steps: Sequence[Step] = (),
        on_decision: AuditSink | None = None,
        audit: AuditTrail | None = None,
        telemetry: Telemetry | None = None,
        redactor: Redactor | None = None,
        detectors: Sequence[Detector] = (),
        known: KnownValues | None = None,
        signer: Signer | None = None,
        service: str | None = None,
        sleep: SleepFn | None = None,
        async_sleep: AsyncSleepFn | None = None,
    ) -> None:
        if not isinstance(policy, Policy):
            raise ConfigurationError(
                f"Guard needs a Policy (from rai.load_policy), got {type(policy).__name__}"
            )
        self.policy = policy
        stages: list[Step] = []
        if policy.pii.enabled:
            self.redactor = redactor or Redactor(
                policy.pii,
                detectors=detectors,
                known=known,
                policy_id=policy.id,
                policy_version=policy.version,
            )
            stages.append(RedactStep(policy, self.redactor))
        elif redactor is not None or detectors or known is not None:
            raise ConfigurationError(
                "PII redaction is disabled by the policy (pii.enabled = false)"
            )
        self.signer = signer if signer is not None else signer_from_env()
        stages.append(StampStep(policy, self.signer, service))
        self.pipeline = Pipeline(policy, [*stages, *steps], on_decision, audit)
        self.telemetry = telemetry if telemetry is not None else Telemetry()
        self._backend_name = http_backend
        self._http_client = http_client
        self._async_http_client = async_http_client
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._sync: SyncSender | None = None
        self._async: AsyncSender | None = None
        self._owns_sync = http_client is None
        self._owns_async = async_http_client is None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ shared, no I/O

    def call(
        self,
        messages: Messages,
        *,
        use_case: str,
        provider: str,
        model: str,
        data_class: DataClass | str | None = None,
        consent: Consent | None = None,
        stream: bool = False,
        params: dict[str, Any] | None = None,
        subject: ClientRecord | KnownValues | None = None,
        session: PIISession | None = None,
        restore: bool | None = None,
    ) -> Call:
        """Build a `Call` and run the policy steps on it; raises `PolicyViolation`."""
        call = Call(
            use_case=use_case,
            provider_name=provider,
            model=model,
            messages=_messages(messages),
            params=params or {},
            data_class=DataClass.parse(data_class) if data_class is not None else None,
            consent=consent if consent is not None else current_consent.get(),
            stream=stream,
            subject=subject,
            session=session,
            restore=restore,
        )
        self.pipeline.prepare(call)
        return call

    def check(
        self,
        *,
        use_case: str,
        provider: str,
        model: str,
        data_class: DataClass | str | None = None,
        consent: Consent | None = None,
    ) -> Decision:
        """Decide a call without making it (raises `PolicyViolation` when it would be refused)."""
        call = Call(
            use_case=use_case,
            provider_name=provider,
            model=model,
            messages=[],
            data_class=DataClass.parse(data_class) if data_class is not None else None,
            consent=consent if consent is not None else current_consent.get(),
        )
        return self.pipeline.prepare(call, audit_allowed=False)

    def _observe(self, stream: bool, **kw: Any) -> Observation:
        return self.telemetry.observe(
            model=kw["model"], provider=kw["provider"], use_case=kw["use_case"],
            params=kw.get("params") or {}, stream=stream,
        )  # fmt: skip

    def _decide(
        self,
        obs: Observation,
        messages: Messages,
        *,
        stream: bool,
        use_case: str,
        provider: str,
        model: str,
        data_class: DataClass | str | None,
        consent: Consent | None,
        params: dict[str, Any],
        subject: ClientRecord | KnownValues | None,
        session: PIISession | None,
        restore: bool | None,
    ) -> Call:
        """Run the policy steps inside the call's (active) span; refusals end the span."""
        try:
            call = self.call(
                messages, use_case=use_case, provider=provider, model=model,
                data_class=data_class, consent=consent, stream=stream, params=params,
                subject=subject, session=session, restore=restore,
            )  # fmt: skip
        except (PolicyViolation, RedactionFailed, ConfigurationError) as exc:
            _refused(obs, exc, use_case)
            raise
        obs.decided(call)
        return call

    def _start(self, messages: Messages, *, stream: bool, **kw: Any) -> tuple[Call, Observation]:
        obs = self._observe(stream, **kw)
        with obs.active():
            call = self._decide(obs, messages, stream=stream, **kw)
        return call, obs

    def _fallback(self, call: Call, error: ProviderError) -> Call | None:
        retryable = isinstance(error, ProviderUnavailable) or (
            isinstance(error, ProviderHTTPError)
            and error.status_code in self.policy.retry.retry_on_status
        )
        if not retryable:
            return None
        nxt = self.pipeline.fallback_call(call)
        if nxt is None:
            return None
        try:
            self.pipeline.prepare(nxt)  # the fallback must pass every rule too (and is audited)
        except PolicyViolation:
            return None  # the caller sees the original provider error
        return nxt

    def _http(self, client: Any | None) -> ModuleType:
        return backend_of(client) if client is not None else backend(self._backend_name)

    def sync_sender(self) -> SyncSender:
        if self._sync is None:
            with self._lock:
                if self._sync is None:
                    http = self._http(self._http_client)
                    client = self._http_client or http.Client()
                    self._sync = SyncSender(http, client, self.policy.retry, self._sleep)
        return self._sync

    def async_sender(self) -> AsyncSender:
        if self._async is None:
            with self._lock:
                if self._async is None:
                    http = self._http(self._async_http_client)
                    client = self._async_http_client or http.AsyncClient()
                    self._async = AsyncSender(http, client, self.policy.retry, self._async_sleep)
        return self._async

    # ------------------------------------------------------------ sync

    def chat(
        self,
        messages: Messages,
        *,
        use_case: str,
        provider: str,
        model: str,
        data_class: DataClass | str | None = None,
        consent: Consent | None = None,
        subject: ClientRecord | KnownValues | None = None,
        session: PIISession | None = None,
        restore: bool | None = None,
        **params: Any,
    ) -> ChatResponse:
        """One governed chat completion. Extra keyword arguments (temperature, max_tokens,
        tools, ...) go to the provider in its wire format."""
        obs = self.telemetry.observe(
            model=model, provider=provider, use_case=use_case, params=params, stream=False
        )
        sender = self.sync_sender()
        with obs.active():
            call = self._decide(
                obs, messages, stream=False, use_case=use_case, provider=provider, model=model,
                data_class=data_class, consent=consent, params=params,
                subject=subject, session=session, restore=restore,
            )  # fmt: skip
            try:
                while True:
                    try:
                        response = self.pipeline.finish(call, sender.send(call))
                        break
                    except ProviderError as error:
                        nxt = self._fallback(call, error)
                        if nxt is None:
                            raise
                        call = nxt
                        obs.decided(call)
            except BaseException as exc:
                obs.failed(exc)
                raise
        obs.succeeded(response, call.answer_redacted)
        return response

    def stream(
        self,
        messages: Messages,
        *,
        use_case: str,
        provider: str,
        model: str,
        data_class: DataClass | str | None = None,
        consent: Consent | None = None,
        subject: ClientRecord | KnownValues | None = None,
        session: PIISession | None = None,
        restore: bool | None = None,
        **params: Any,
    ) -> Stream:
        """A governed streamed completion. The policy is checked now (violations raise
        here); the request is sent when iteration starts."""
        call, obs = self._start(
            messages, stream=True, use_case=use_case, provider=provider, model=model,
            data_class=data_class, consent=consent, params=params,
            subject=subject, session=session, restore=restore,
        )  # fmt: skip
        return Stream(self, call, obs)

    def close(self) -> None:
        if self._sync is not None and self._owns_sync:
            self._sync.client.close()
        self._sync = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------ async

    async def achat(
        self,
        messages: Messages,
        *,
        use_case: str,
        provider: str,
        model: str,
        data_class: DataClass | str | None = None,
        consent: Consent | None = None,
        subject: ClientRecord | KnownValues | None = None,
        session: PIISession | None = None,
        restore: bool | None = None,
        **params: Any,
    ) -> ChatResponse:
        """`chat`, awaitable."""
        obs = self.telemetry.observe(
            model=model, provider=provider, use_case=use_case, params=params, stream=False
        )
        sender = self.async_sender()
        with obs.active():
            call = self._decide(
                obs, messages, stream=False, use_case=use_case, provider=provider, model=model,
                data_class=data_class, consent=consent, params=params,
                subject=subject, session=session, restore=restore,
            )  # fmt: skip
            try:
                while True:
                    try:
                        response = self.pipeline.finish(call, await sender.send(call))
                        break
                    except ProviderError as error:
                        nxt = self._fallback(call, error)
                        if nxt is None:
                            raise
                        call = nxt
                        obs.decided(call)
            except BaseException as exc:
                obs.failed(exc)
                raise
        obs.succeeded(response, call.answer_redacted)
        return response

    def astream(
        self,
        messages: Messages,
        *,
        use_case: str,
        provider: str,
        model: str,
        data_class: DataClass | str | None = None,
        consent: Consent | None = None,
        subject: ClientRecord | KnownValues | None = None,
        session: PIISession | None = None,
        restore: bool | None = None,
        **params: Any,
    ) -> AsyncStream:
        """`stream` for ``async for``. The policy is checked now; the request is sent when
        iteration starts."""
        call, obs = self._start(
            messages, stream=True, use_case=use_case, provider=provider, model=model,
            data_class=data_class, consent=consent, params=params,
            subject=subject, session=session, restore=restore,
        )  # fmt: skip
        return AsyncStream(self, call, obs)

    async def aclose(self) -> None:
        self.close()
        if self._async is not None and self._owns_async:
            await self._async.client.aclose()
        self._async = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _refused(obs: Observation, exc: BaseException, use_case: str) -> None:
    rule = getattr(exc, "rule", None) or (
        "pii.fail_closed" if isinstance(exc, RedactionFailed) else "configuration"
    )
    obs.refused(exc, use_case=use_case, rule=rule)


class StreamClosed(Exception):
    """Recorded on a stream's span when the caller stops reading before the end."""


class _StreamBase:
    def __init__(self, guard: Guard, call: Call, obs: Observation) -> None:
        self._guard = guard
        self._call = call
        self._obs = obs
        self._filter: ChunkFilter | None = None
        self._emitted: list[str] = []
        self._response: ChatResponse | None = None
        self._started = False

    @property
    def decision(self) -> Decision:
        assert self._call.decision is not None
        return self._call.decision

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

    def _complete(self, folder: StreamFolder, text: str | None) -> ChatResponse:
        parsed = folder.result()
        if text is not None:
            parsed.text = text  # the answer as the chunk filters emitted it
        if not folder.done and parsed.finish_reason is None:
            name = self._call.provider.name if self._call.provider else self._call.provider_name
            raise ProviderUnavailable(
                f"provider {name!r} ended the stream before its final event", provider=name
            )
        with self._obs.active():
            response = self._guard.pipeline.finish(self._call, parsed)
        self._obs.succeeded(response, self._call.answer_redacted)
        self._response = response
        return response

    # what both stream kinds do with each event and at the end (they differ only in I/O)

    def _on_event(self, folder: StreamFolder, event: Any) -> ChatChunk | None:
        delta = folder.feed(event)
        if not delta:
            return None
        self._obs.first_chunk()
        if self._filter is not None:
            delta = self._filter.feed(delta)
            self._emitted.append(delta)
        return ChatChunk(delta) if delta else None

    def _on_end(self, folder: StreamFolder) -> ChatChunk | None:
        tail = ""
        if self._filter is not None:
            tail = self._filter.flush()
            self._emitted.append(tail)
        self._complete(folder, "".join(self._emitted) if self._filter is not None else None)
        return ChatChunk(tail) if tail else None

    def _begin(self) -> None:
        if self._started:
            raise ConfigurationError("a stream can be iterated only once")
        self._started = True


class Stream(_StreamBase):
    """Iterate for `ChatChunk`s; `.response` holds the whole answer at the end."""

    _iter: Iterator[ChatChunk] | None = None

    def __iter__(self) -> Iterator[ChatChunk]:
        self._begin()
        self._iter = self._chunks()
        return self._iter

    def _chunks(self) -> Iterator[ChatChunk]:
        try:
            yield from self._run()
        except GeneratorExit:
            self._obs.failed(StreamClosed())
            raise
        except BaseException as exc:
            self._obs.failed(exc)
            raise

    def _run(self) -> Iterator[ChatChunk]:
        sender = self._guard.sync_sender()
        with self._obs.active():
            while True:
                try:
                    response, folder = sender.open_stream(self._call)
                    break
                except ProviderError as error:
                    nxt = self._guard._fallback(self._call, error)
                    if nxt is None:
                        raise
                    self._call = nxt
                    self._obs.decided(nxt)
        self._filter = self._guard.pipeline.chunk_filter(self._call)
        for event in sender.events(self._call, response):
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
        try:
            async for chunk in self._run():
                yield chunk
        except GeneratorExit:
            self._obs.failed(StreamClosed())
            raise
        except BaseException as exc:
            self._obs.failed(exc)
            raise

    async def _run(self) -> AsyncIterator[ChatChunk]:
        sender = self._guard.async_sender()
        with self._obs.active():
            while True:
                try:
                    response, folder = await sender.open_stream(self._call)
                    break
                except ProviderError as error:
                    nxt = self._guard._fallback(self._call, error)
                    if nxt is None:
                        raise
                    self._call = nxt
                    self._obs.decided(nxt)
        self._filter = self._guard.pipeline.chunk_filter(self._call)
        async for event in sender.events(self._call, response):
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
