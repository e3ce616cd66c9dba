"""`Guard`: the pipeline's driver, sync and async, with streams.

Every entry point builds the caller's `Call`, opens its `CallRecord` (the span,
measurements and audit events) from the `Governance` and lets the pipeline prepare it;
the only things `Guard` adds are the sender's I/O and the fallback loop, whose one
decision is `CallRecord.after_failure`. `Guard(policy)` makes its own `Governance`;
`Guard(governance)` shares one with the SDK transport and `@governed`.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping, Sequence
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, Unpack, cast

import anyio

from ._call import Call, Prepared
from ._errors import ConfigurationError, ProviderError
from ._governance import Governance, GovernanceOptions
from ._http import backend, backend_of
from ._observe import CallRecord
from ._pii import ClientRecord, KnownValues, PIISession, as_known
from ._policy import DataClass, Policy
from ._principal import Principal, current_principal
from ._provenance import Keyring, Provenance, Signer
from ._providers import RESERVED_PARAMS, StreamFolder
from ._send import AsyncSender, AsyncSleepFn, SleepFn, SyncSender
from ._steps import AnswerFilter, admit
from ._telemetry import StreamClosed
from ._types import ChatChunk, ChatMessage, ChatResponse, Decision
from ._usecases import Consent

if TYPE_CHECKING:
    import httpx

__all__ = ["AsyncStream", "Guard", "Messages", "Stream", "current_consent"]

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
        policy: Policy | Governance,
        *,
        http_client: httpx.Client | Any | None = None,
        async_http_client: httpx.AsyncClient | Any | None = None,
        http_backend: str | None = None,
        sleep: SleepFn | None = None,
        async_sleep: AsyncSleepFn | None = None,
        **services: Unpack[GovernanceOptions],
    ) -> None:
        self.governance = Governance.of(policy, services, "Guard")
        self._backend_name = http_backend
        self._http_client = http_client
        self._async_http_client = async_http_client
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._sync: SyncSender | None = None
        self._closed = False
        self._async: AsyncSender | None = None  # over the caller's own async client
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncSender] = (
            weakref.WeakKeyDictionary()
        )
        self._keepers: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, AsyncGenerator[None, None]
        ] = weakref.WeakKeyDictionary()
        self._owns_sync = http_client is None
        self._lock = threading.Lock()

    @property
    def policy(self) -> Policy:
        return self.governance.policy

    @property
    def signer(self) -> Signer | None:
        return self.governance.signer

    # ------------------------------------------------------------ shared, no I/O

    def make_call(
        self,
        messages: Messages,
        *,
        use_case: str,
        provider: str,
        model: str,
        data_class: DataClass | str | None = None,
        consent: Consent | None = None,
        stream: bool = False,
        params: Mapping[str, Any] | None = None,
        subject: ClientRecord | KnownValues | None = None,
        session: PIISession | None = None,
        restore: bool | None = None,
        principal: Principal | None = None,
        units: int | None = None,
    ) -> Call:
        """The `Call` of these arguments (checked; nothing decided yet). Without
        `principal`, the one bound by ``rai.acting_as`` (if any)."""
        if self._closed:
            raise ConfigurationError("this Guard is closed: make a new one (or do not close it)")
        if params and not RESERVED_PARAMS.isdisjoint(params):
            raise TypeError(_reserved(params))
        return Call(  # positional: twice as fast as keywords on the hot path
            use_case,
            provider,
            model,
            _messages(messages),
            params or {},
            None,  # body: the wire format builds it
            None,  # endpoint: the provider kind's chat endpoint
            None,  # extra
            DataClass.parse(data_class) if data_class is not None else None,
            consent if consent is not None else current_consent.get(),
            stream,
            as_known(subject),
            session,
            restore,
            None,  # fallback_from
            _principal(principal),
            _units(units),
        )

    def prepare(self, messages: Messages, **kw: Any) -> Prepared:
        """Decide and redact a call without sending it (no record is made): the
        `Prepared` call holds the decision and the body exactly as it would leave."""
        return self.governance.pipeline.prepare(self.make_call(messages, **kw))

    def check(
        self,
        *,
        use_case: str,
        provider: str,
        model: str,
        data_class: DataClass | str | None = None,
        consent: Consent | None = None,
        principal: Principal | None = None,
    ) -> Decision:
        """Decide a call without making it (raises `PolicyViolation` when it would be
        refused; budgets are not reserved: the call itself reserves them)."""
        call = Call(
            use_case=use_case,
            provider_name=provider,
            model=model,
            data_class=DataClass.parse(data_class) if data_class is not None else None,
            consent=consent if consent is not None else current_consent.get(),
            principal=_principal(principal),
        )
        return self.governance.check(call)

    def _open(self, call: Call) -> tuple[CallRecord, Prepared]:
        """A stream's record, and its call prepared (a refusal raises here, recorded)."""
        record = self.governance.record(call)
        with record:
            prepared = record.prepare(call)
        return record, prepared

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

    async def async_sender(self) -> AsyncSender:
        """The sender of the running event loop. A client you passed is yours, with its
        loop; the Guard's own client is made per event loop (a second ``asyncio.run``, or
        one test client after another, each get theirs) and closed when that loop's
        ``asyncio.run`` ends (its async generators are finalised then: a keeper one closes
        the client inside the loop that owns its connections)."""
        if self._async_http_client is not None:
            if self._async is None:
                http = self._http(self._async_http_client)
                self._async = AsyncSender(
                    http, self._async_http_client, self.policy.retry, self._async_sleep
                )
            return self._async
        loop = asyncio.get_running_loop()
        sender = self._per_loop.get(loop)
        if sender is None:
            http = self._http(None)
            sender = AsyncSender(http, http.AsyncClient(), self.policy.retry, self._async_sleep)
            keeper = _closed_with_the_loop(sender)
            await keeper.__anext__()  # started: the loop finalises it at its end
            self._per_loop[loop] = sender
            self._keepers[loop] = keeper
        return sender

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
        principal: Principal | None = None,
        units: int | None = None,
        **params: Any,
    ) -> ChatResponse:
        """One governed chat completion. Extra keyword arguments (temperature, max_tokens,
        tools, ...) go to the provider in its wire format."""
        call = self.make_call(
            messages, use_case=use_case, provider=provider, model=model, data_class=data_class,
            consent=consent, params=params, subject=subject, session=session, restore=restore,
            principal=principal, units=units,
        )  # fmt: skip
        sender = self.sync_sender()
        record = self.governance.record(call)
        with record:
            prepared = record.prepare(call)
            while True:
                try:
                    answer = sender.send(prepared)
                except ProviderError as error:
                    prepared = _or_raise(record, record.after_failure(prepared, error), error)
                    continue
                return record.finish(prepared, answer)

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
        principal: Principal | None = None,
        units: int | None = None,
        **params: Any,
    ) -> Stream:
        """A governed streamed completion. The policy is checked now (violations raise
        here); the request is sent when iteration starts."""
        call = self.make_call(
            messages, use_case=use_case, provider=provider, model=model, data_class=data_class,
            consent=consent, stream=True, params=params, subject=subject, session=session,
            restore=restore, principal=principal, units=units,
        )  # fmt: skip
        return Stream(self, *self._open(call))

    # ------------------------------------------------------------ review gate

    def keyring(self) -> Keyring:
        """The keys this Guard verifies with: ``RAI_VERIFY_KEYS`` and its own signer."""
        return self.governance.keyring()

    def review(
        self,
        output: Any,
        *,
        reviewer: str,
        decision: Literal["approved", "rejected", "edited"],
        edited_text: str | None = None,
        note: str | None = None,
        allow_unsigned: bool = False,
    ) -> Provenance:
        """`rai.review`, verified against this Guard's keys and signed by its signer
        (`Governance.review`)."""
        return self.governance.review(
            output, reviewer=reviewer, decision=decision, edited_text=edited_text, note=note,
            allow_unsigned=allow_unsigned,
        )  # fmt: skip

    def require_reviewed(
        self,
        output: Any,
        *,
        use_case: str | None = None,
        chain: Sequence[Provenance] = (),
        allow_unsigned: bool = False,
    ) -> Provenance:
        """`rai.require_reviewed` against this Guard's keys and *its* policy
        (`Governance.require_reviewed`)."""
        return self.governance.require_reviewed(
            output, use_case=use_case, chain=chain, allow_unsigned=allow_unsigned
        )

    def close(self) -> None:
        """Close the HTTP client the Guard made (not one you passed); a call made
        afterwards raises `ConfigurationError`."""
        self._closed = True
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
        principal: Principal | None = None,
        units: int | None = None,
        **params: Any,
    ) -> ChatResponse:
        """`chat`, awaitable."""
        call = self.make_call(
            messages, use_case=use_case, provider=provider, model=model, data_class=data_class,
            consent=consent, params=params, subject=subject, session=session, restore=restore,
            principal=principal, units=units,
        )  # fmt: skip
        sender = await self.async_sender()
        record = self.governance.record(call)
        with record:
            if text_size(call.messages) > OFF_LOOP_CHARS:  # a long scan: not on the loop
                prepared = await anyio.to_thread.run_sync(record.prepare, call)
            else:
                prepared = await record.aprepare(call)
            while True:
                try:
                    answer = await sender.send(prepared)
                except ProviderError as error:
                    prepared = _or_raise(record, record.after_failure(prepared, error), error)
                    continue
                if len(answer.text) > OFF_LOOP_CHARS:
                    return await anyio.to_thread.run_sync(record.finish, prepared, answer)
                return await record.afinish(prepared, answer)

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
        principal: Principal | None = None,
        units: int | None = None,
        **params: Any,
    ) -> AsyncStream:
        """`stream` for ``async for``. The policy is checked now; the request is sent when
        iteration starts."""
        call = self.make_call(
            messages, use_case=use_case, provider=provider, model=model, data_class=data_class,
            consent=consent, stream=True, params=params, subject=subject, session=session,
            restore=restore, principal=principal, units=units,
        )  # fmt: skip
        return AsyncStream(self, *self._open(call))

    async def aclose(self) -> None:
        """Close the HTTP clients the Guard made (not one you passed)."""
        self.close()
        self._async = None
        loop = asyncio.get_running_loop()
        sender = self._per_loop.pop(loop, None)
        keeper = self._keepers.pop(loop, None)
        if keeper is not None:
            await keeper.aclose()  # closes this loop's client
        elif sender is not None:
            await sender.client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


OFF_LOOP_CHARS = 65_536
"""An async call whose prompt or answer text is longer than this is scanned in a worker
thread (a long scan holds the GIL in C only part of the time, but must not stall the loop)."""


async def _closed_with_the_loop(sender: AsyncSender) -> AsyncGenerator[None, None]:
    """Started once in a loop, finalised by that loop's end (``shutdown_asyncgens``):
    the Guard's client of that loop is closed inside it."""
    try:
        yield
    finally:
        await sender.client.aclose()


def text_size(messages: Sequence[Any]) -> int:
    """About how much text a chat history holds (strings and text parts)."""
    total = 0
    for m in messages:
        content = m.get("content") if isinstance(m, Mapping) else None
        if isinstance(content, str):
            total += len(content)
        elif isinstance(content, list):
            for part in content:
                text = part.get("text") if isinstance(part, Mapping) else part
                if isinstance(text, str):
                    total += len(text)
    return total


def _principal(given: Principal | None) -> Principal | None:
    """The call's principal: the one given, else the one ``rai.acting_as`` bound."""
    if given is None:
        return current_principal.get()
    if not isinstance(given, Principal):
        raise TypeError(f"principal must be a rai.Principal, got {type(given).__name__}")
    return given


def _units(units: int | None) -> int | None:
    if units is not None and (isinstance(units, bool) or not isinstance(units, int) or units < 0):
        raise TypeError("units must be a count (an int of 0 or more)")
    return units


def _reserved(params: Mapping[str, Any]) -> str:
    name = sorted(RESERVED_PARAMS.intersection(params))[0]
    if name == "stream":
        return "stream is not a parameter of chat()/achat(): use guard.stream() or guard.astream()"
    if name == "system":
        return "system is not a parameter: put the system prompt in the messages (role 'system')"
    return f"{name} is not a model parameter here: pass it as chat()'s own argument"


def _or_raise(record: CallRecord, prepared: Prepared | None, error: ProviderError) -> Prepared:
    if prepared is None:
        raise record.give_up(error)
    return prepared


class _StreamBase:
    def __init__(self, guard: Guard, record: CallRecord, prepared: Prepared) -> None:
        self._guard = guard
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
        self._filter = self._guard.governance.pipeline.chunk_filter(self._prepared)

    def _failed_over(self, error: ProviderError) -> None:
        self._prepared = _or_raise(
            self._record, self._record.after_failure(self._prepared, error), error
        )

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
            sender = self._guard.sync_sender()
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
            sender = await self._guard.async_sender()
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
