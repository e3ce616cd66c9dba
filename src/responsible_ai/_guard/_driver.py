"""`Guard`: the pipeline's driver, sync and async, with streams.

Every entry point builds the caller's `Call`, opens its `CallRecord` (the span,
measurements and audit events) from the `Governance` and lets the pipeline prepare it;
the only things `Guard` adds are the sender's I/O and the fallback loop, whose one
decision is `CallRecord.after_failure`. `Guard(policy)` makes its own `Governance`;
`Guard(governance)` shares one with the SDK transport and `@governed`.
"""

from __future__ import annotations

import contextvars
import inspect
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, Unpack, cast

import anyio

from .._call import Call, Prepared
from .._conversations import conversation_id, current_conversation
from .._errors import ConfigurationError, ProviderError
from .._governance import Governance, GovernanceOptions
from .._observe import CallRecord
from .._pii import ClientRecord, KnownValues, PIISession, as_known
from .._policy import DataClass, Policy
from .._principal import Principal, current_principal
from .._provenance import Keyring, Provenance, Signer
from .._providers import RESERVED_PARAMS
from .._send import AsyncSender, AsyncSleepFn, SleepFn, SyncSender
from .._types import ChatMessage, ChatResponse, Decision
from .._usecases import Consent
from ._options import SDK_OPTIONS, with_options
from ._senders import Senders
from ._streams import AsyncStream, Stream

if TYPE_CHECKING:
    import httpx

__all__ = [
    "GOVERNANCE_KEYWORDS",
    "Guard",
    "Messages",
    "current_consent",
    "governance_named",
    "text_size",
]

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
        self.senders = Senders(
            self.governance.policy.retry, http_client=http_client,
            async_http_client=async_http_client, http_backend=http_backend, sleep=sleep,
            async_sleep=async_sleep, error_kind=self.governance.pipeline.error_type,
        )  # fmt: skip
        self._closed = False

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
        credentials: bool | None = None,
        channel: str | None = None,
        conversation: str | None = None,
    ) -> Call:
        """The `Call` of these arguments (checked; nothing decided yet). Without
        `principal`, the one bound by ``rai.acting_as`` (if any); without `conversation`
        (or a `session` of the caller's own), the one ``rai.conversation`` binds."""
        if self._closed:
            raise ConfigurationError("this Guard is closed: make a new one (or do not close it)")
        if params and not SDK_OPTIONS.isdisjoint(params):
            params = with_options(params, GOVERNANCE_KEYWORDS)
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
            None,  # call_id
            _credentials(credentials),
            _channel(channel),
            _conversation(conversation, session),
        )

    def prepare(self, messages: Messages, **kw: Any) -> Prepared:
        """Decide and redact a call without sending it (no record is made): the
        `Prepared` call holds the decision and the body exactly as it would leave (in a
        conversation, the placeholders it gave are kept in the conversation store, as a
        sent call's are)."""
        return self.governance.pipeline.converse(self.make_call(messages, **kw))

    def check(
        self,
        *,
        use_case: str,
        provider: str,
        model: str,
        data_class: DataClass | str | None = None,
        consent: Consent | None = None,
        principal: Principal | None = None,
        credentials: bool | None = None,
        channel: str | None = None,
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
            credentials=_credentials(credentials),
            channel=_channel(channel),
        )
        return self.governance.check(call)

    def _open(self, call: Call) -> tuple[CallRecord, Prepared]:
        """A stream's record, and its call prepared (a refusal raises here, recorded)."""
        record = self.governance.record(call)
        with record:
            prepared = record.prepare(call)
        return record, prepared

    def sync_sender(self) -> SyncSender:
        return self.senders.sync()

    async def async_sender(self) -> AsyncSender:
        """The sender of the running event loop (see `Senders`)."""
        return await self.senders.async_()

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
        credentials: bool | None = None,
        channel: str | None = None,
        conversation: str | None = None,
        **params: Any,
    ) -> ChatResponse:
        """One governed chat completion. Extra keyword arguments (temperature, max_tokens,
        tools, ...) go to the provider in its wire format.

        `credentials=True` marks the answer with Content Credentials where the policy
        does not (``False`` where it does is refused: `CredentialsRequired`); `channel`
        names where the answer is published, whose carrier the policy sets.
        `conversation` makes the call a turn of that conversation (else the one
        ``rai.conversation`` binds): its placeholders are loaded from the conversation
        store and what it adds is kept there before it is sent (not with `session`)."""
        call = self.make_call(
            messages, use_case=use_case, provider=provider, model=model, data_class=data_class,
            consent=consent, params=params, subject=subject, session=session, restore=restore,
            principal=principal, units=units, credentials=credentials, channel=channel,
            conversation=conversation,
        )  # fmt: skip
        sender = self.sync_sender()
        record = self.governance.record(call)
        with record:
            prepared = record.prepare(call)
            while True:
                try:
                    answer = sender.send(prepared)
                except ProviderError as error:
                    prepared = record.next_attempt(prepared, error)
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
        credentials: bool | None = None,
        channel: str | None = None,
        conversation: str | None = None,
        **params: Any,
    ) -> Stream:
        """A governed streamed completion. The policy is checked now (violations raise
        here); the request is sent when iteration starts."""
        call = self.make_call(
            messages, use_case=use_case, provider=provider, model=model, data_class=data_class,
            consent=consent, stream=True, params=params, subject=subject, session=session,
            restore=restore, principal=principal, units=units, credentials=credentials,
            channel=channel,
            conversation=conversation,
        )  # fmt: skip
        return Stream(self.senders, self.governance.pipeline, *self._open(call))

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
        self.senders.close()

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
        credentials: bool | None = None,
        channel: str | None = None,
        conversation: str | None = None,
        **params: Any,
    ) -> ChatResponse:
        """`chat`, awaitable."""
        call = self.make_call(
            messages, use_case=use_case, provider=provider, model=model, data_class=data_class,
            consent=consent, params=params, subject=subject, session=session, restore=restore,
            principal=principal, units=units, credentials=credentials, channel=channel,
            conversation=conversation,
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
                    prepared = record.next_attempt(prepared, error)
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
        credentials: bool | None = None,
        channel: str | None = None,
        conversation: str | None = None,
        **params: Any,
    ) -> AsyncStream:
        """`stream` for ``async for``. The policy is checked now; the request is sent when
        iteration starts."""
        call = self.make_call(
            messages, use_case=use_case, provider=provider, model=model, data_class=data_class,
            consent=consent, stream=True, params=params, subject=subject, session=session,
            restore=restore, principal=principal, units=units, credentials=credentials,
            channel=channel,
            conversation=conversation,
        )  # fmt: skip
        return AsyncStream(self.senders, self.governance.pipeline, *self._open(call))

    async def aclose(self) -> None:
        """Close the HTTP clients the Guard made (not ones you passed)."""
        self.close()
        await self.senders.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


OFF_LOOP_CHARS = 65_536
"""An async call whose prompt or answer text is longer than this is scanned in a worker
thread (a long scan holds the GIL in C only part of the time, but must not stall the loop)."""


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


def _conversation(given: str | None, session: PIISession | None) -> str | None:
    """The call's conversation: the one given (a call's own `session` is not one too),
    else the one ``rai.conversation`` bound, unless the call brings its own session."""
    if given is not None:
        if session is not None:
            raise TypeError("a call takes session= or conversation=, not both")
        return conversation_id(given)
    return current_conversation.get() if session is None else None


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


def _credentials(asked: bool | None) -> bool | None:
    if asked is not None and not isinstance(asked, bool):
        raise TypeError(
            "credentials must be True (mark the answer), False or None (the policy decides)"
        )
    return asked


def _channel(channel: str | None) -> str | None:
    if channel is not None and not isinstance(channel, str):
        raise TypeError("channel must be a channel name of [provenance.credentials.channels]")
    return channel


def _reserved(params: Mapping[str, Any]) -> str:
    name = sorted(RESERVED_PARAMS.intersection(params))[0]
    if name == "stream":
        return "stream is not a parameter of chat()/achat(): use guard.stream() or guard.astream()"
    if name == "system":
        return "system is not a parameter: put the system prompt in the messages (role 'system')"
    return f"{name} is not a model parameter here: pass it as chat()'s own argument"


GOVERNANCE_KEYWORDS = RESERVED_PARAMS | frozenset(
    name
    for name, p in inspect.signature(Guard.make_call).parameters.items()
    if p.kind is p.KEYWORD_ONLY and name != "params"
)
"""What decides how a call is governed (`Guard.make_call`'s own keywords: the use case,
provider, model, subject, units...): never a model parameter, whatever it is passed as."""
_CARRIERS = ("extra_body", "extra_headers", "extra_query", "metadata")


def governance_named(params: Mapping[str, Any], fields: frozenset[str]) -> list[str]:
    """The keys of `params` that name one of `fields` — at the top and inside
    the parameters that carry more parameters or headers (``extra_body``,
    ``extra_headers``, ``extra_query``, ``metadata``), a header such as ``x-rai-units``
    read as ``units``. Only such names are returned (never another key: it may be data)."""
    named = [k for k in params if isinstance(k, str) and _field(k) in fields]
    for carrier in _CARRIERS:
        inner = params.get(carrier)
        if isinstance(inner, Mapping):
            named += [
                f"{carrier}[{k!r}]" for k in inner if isinstance(k, str) and _field(k) in fields
            ]
    return named


def _field(key: str) -> str:
    name = key.strip().lower().replace("-", "_")
    return name[6:] if name.startswith("x_rai_") else name
