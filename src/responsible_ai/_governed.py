"""`@governed`: a thin adapter that binds an approved client to a function call."""

from __future__ import annotations

import contextvars
import functools
import inspect
import threading
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Generator,
    Iterator,
    Mapping,
)
from contextlib import contextmanager
from typing import Any, ParamSpec, Protocol, TypeVar, cast, overload

from pydantic import BaseModel

from ._conversations import conversation_id, current_conversation
from ._errors import ConfigurationError
from ._governance import Governance
from ._guard import (
    GOVERNANCE_KEYWORDS,
    AsyncStream,
    Guard,
    Messages,
    Stream,
    current_consent,
    governance_named,
)
from ._pii import ClientRecord, KnownValues, PIISession, as_known
from ._policy import DataClass, Policy, load_policy
from ._principal import Principal, current_principal
from ._provenance import (
    AIDict,
    AIText,
    Provenance,
    Signer,
    attach,
    chained,
    output_text,
    provenance_of,
    sha256_text,
)
from ._providers import MODEL_PARAMETERS
from ._types import ChatResponse, Decision
from ._usecases import Consent

__all__ = [
    "BoundClient",
    "GovernedAsyncGenerator",
    "GovernedDecorator",
    "GovernedGenerator",
    "client",
    "configure",
    "current_client",
    "default_guard",
    "governed",
    "with_consent",
]

P = ParamSpec("P")
R = TypeVar("R")
Y = TypeVar("Y")


class GovernedDecorator(Protocol):
    """What ``@rai.governed(...)`` returns, typed as the wrapper is: a function returning
    text returns an `AIText` and one returning a dict an `AIDict` (each carries
    `.provenance`); a generator function returns a `GovernedGenerator` (an async one a
    `GovernedAsyncGenerator`), whose `.provenance` is set once it is exhausted."""

    @overload
    def __call__(
        self, fn: Callable[P, Coroutine[Any, Any, str]]
    ) -> Callable[P, Coroutine[Any, Any, AIText]]: ...
    @overload
    def __call__(
        self, fn: Callable[P, Coroutine[Any, Any, dict[str, Any]]]
    ) -> Callable[P, Coroutine[Any, Any, AIDict]]: ...
    @overload
    def __call__(
        self, fn: Callable[P, Coroutine[Any, Any, R]]
    ) -> Callable[P, Coroutine[Any, Any, R]]: ...
    @overload
    def __call__(
        self, fn: Callable[P, AsyncGenerator[Y, Any]]
    ) -> Callable[P, GovernedAsyncGenerator]: ...
    @overload
    def __call__(
        self, fn: Callable[P, Generator[Y, Any, Any]]
    ) -> Callable[P, GovernedGenerator]: ...
    @overload
    def __call__(self, fn: Callable[P, str]) -> Callable[P, AIText]: ...
    @overload
    def __call__(self, fn: Callable[P, dict[str, Any]]) -> Callable[P, AIDict]: ...
    @overload
    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]: ...


_current: contextvars.ContextVar[BoundClient | None] = contextvars.ContextVar(
    "responsible_ai_client", default=None
)
_default: Guard | None = None
_default_lock = threading.Lock()


def configure(policy: Policy | Governance | Guard) -> Guard:
    """Set the guard that `@governed` functions use when none is passed to them."""
    global _default
    guard = policy if isinstance(policy, Guard) else Guard(policy)
    with _default_lock:
        _default = guard
    return guard


def default_guard() -> Guard:
    """The configured guard, or one built from the policy file in ``RAI_POLICY``."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Guard(load_policy())
    return _default


class BoundClient:
    """The approved client of one governed call: provider, model and use case are fixed."""

    def __init__(
        self,
        guard: Guard,
        decision: Decision,
        *,
        data_class: DataClass | str | None,
        consent: Consent | None,
        params: dict[str, Any],
        subject: ClientRecord | KnownValues | None = None,
        restore: bool | None = None,
        signer: Signer | None = None,
        principal: Principal | None = None,
        credentials: bool | None = None,
        channel: str | None = None,
        conversation: str | None = None,
        use_case: str | None = None,
    ) -> None:
        self.guard = guard
        self.decision = decision
        self.signer = signer if signer is not None else guard.signer
        self._last: Any = None
        self.session = PIISession()  # one conversation: placeholders stable across its calls
        self._sessions: dict[object, PIISession] = {}  # calls for other clients (`_session_of`)
        self._kw: dict[str, Any] = {
            "use_case": use_case or decision.use_case,  # as given (the decision's is recorded)
            "provider": decision.provider,
            "model": decision.model,
            "data_class": data_class,
            "consent": consent,
            "subject": as_known(subject),  # compiled once for every call of this client
            "session": self.session,
            "restore": restore,
            "principal": principal,
            "credentials": credentials,
            "channel": channel,
            "conversation": conversation,
        }
        self._params = params

    @property
    def provider(self) -> str:
        return self.decision.provider

    @property
    def model(self) -> str:
        return self.decision.model

    @property
    def use_case(self) -> str:
        return str(self._kw["use_case"])

    @property
    def subject(self) -> KnownValues | None:
        """The client record of this invocation (compiled once)."""
        subject: KnownValues | None = self._kw["subject"]
        return subject

    @property
    def conversation(self) -> str | None:
        """The conversation the decorator names (None: the calls' own, or the session of
        this invocation)."""
        conversation: str | None = self._kw["conversation"]
        return conversation

    @property
    def restore(self) -> bool | None:
        restore: bool | None = self._kw["restore"]
        return restore

    def _session_of(self, subject: KnownValues | None) -> PIISession:
        """The session of a call made for another client than the invocation's: one per
        client (by record ids, else by values), so that placeholders one client's values
        were given are never restored into an answer about another."""
        key = subject.identity() if subject is not None else None
        session = self._sessions.get(key)
        if session is None:
            session = self._sessions[key] = PIISession()
        return session

    def _call(self, per_call: dict[str, Any]) -> dict[str, Any]:
        """The keywords of one call: the decorator's, with this call's `subject`,
        `restore`, `consent` and `data_class` (when given) in their place. The use case,
        provider, model and session are the decorator's: a call cannot change them, and
        its data class cannot be lower than the decorator's."""
        fixed = sorted(_FIXED.intersection(per_call))
        if fixed:
            raise TypeError(
                f"{', '.join(fixed)} of a governed call are fixed by its decorator: "
                "a call through rai.client() cannot change them"
            )
        kw = {**self._kw, **self._params}
        for name in _PER_CALL:
            if name in per_call:
                value = per_call.pop(name)
                if value is not None:
                    kw[name] = as_known(value) if name == "subject" else value
        if self._kw["credentials"] is True and kw["credentials"] is False:
            raise TypeError(
                "a call cannot switch off the Content Credentials its decorator asks for"
            )
        mine, theirs = self._kw["subject"], kw["subject"]
        if theirs is not mine and (  # another client: a conversation of its own
            mine is None or theirs is None or mine.identity() != theirs.identity()
        ):
            kw["session"] = self._session_of(theirs)
        floor = self._kw["data_class"]
        conversation = kw["conversation"]
        if conversation is None:
            conversation = current_conversation.get()
        if conversation is not None:  # a turn of a conversation: its session is the store's
            kw["session"], kw["conversation"] = None, conversation
        if floor is not None and DataClass.parse(kw["data_class"]) < DataClass.parse(floor):
            raise TypeError(f"a call's data_class cannot be lower than its decorator's ({floor!s})")
        kw.update(per_call)
        return kw

    def chat(self, messages: Messages, **params: Any) -> ChatResponse:
        """`Guard.chat` with this client's use case, provider and model. `subject`,
        `restore`, `consent` and `data_class` given here replace the decorator's for this
        call (a multi-client service passes each request's client record)."""
        resp = self.guard.chat(messages, **self._call(params))
        self._last = resp
        return resp

    async def achat(self, messages: Messages, **params: Any) -> ChatResponse:
        resp = await self.guard.achat(messages, **self._call(params))
        self._last = resp
        return resp

    def stream(self, messages: Messages, **params: Any) -> Stream:
        stream = self.guard.stream(messages, **self._call(params))
        self._last = stream
        return stream

    def astream(self, messages: Messages, **params: Any) -> AsyncStream:
        stream = self.guard.astream(messages, **self._call(params))
        self._last = stream
        return stream

    def last_provenance(self) -> Provenance | None:
        """The stamp of the most recent completed call made through this client."""
        return provenance_of(self._last) if self._last is not None else None

    def stamp(self, result: Any) -> Any:
        """Stamp a governed function's result, derived from its last AI call (chained to
        that call's stamp). A result no AI call produced is returned as it is."""
        source = self.last_provenance()
        if source is None or isinstance(result, ChatResponse):
            return result
        if isinstance(result, BaseModel):
            attach(result, self._derive(source, output_text(result)))
            return result
        if isinstance(result, dict):
            out = AIDict(result)
            out.provenance = self._derive(source, output_text(out))
            return out
        if isinstance(result, str):
            return AIText(result, self._derive(source, result))
        return result

    def _derive(self, source: Provenance, text: str) -> Provenance:
        digest = sha256_text(text)
        if digest == source.output_sha256:
            return source
        return chained(source, self.signer, output_sha256=digest)

    def complete(self, prompt: str, **params: Any) -> str:
        """One user message in, the answer's text out."""
        return self.chat(prompt, **params).text

    async def acomplete(self, prompt: str, **params: Any) -> str:
        return (await self.achat(prompt, **params)).text


_PER_CALL = (
    "subject", "restore", "consent", "data_class", "principal", "credentials", "channel",
    "conversation",
)  # fmt: skip
_FIXED = frozenset({"use_case", "provider", "model", "session"})


def current_client() -> BoundClient | None:
    """The bound client of the `@governed` call running in this context, if any."""
    return _current.get()


def client() -> BoundClient:
    """The approved client bound to the `@governed` call running in this context."""
    bound = _current.get()
    if bound is None:
        raise ConfigurationError("rai.client() is only available inside a @governed function")
    return bound


@contextmanager
def with_consent(consent: Consent) -> Iterator[Consent]:
    """Governed calls made inside this block carry `consent` (unless they pass their own)."""
    token = current_consent.set(consent)
    try:
        yield consent
    finally:
        current_consent.reset(token)


def governed(
    *,
    use_case: str,
    provider: str,
    model: str,
    data_class: DataClass | str | None = None,
    consent: Consent | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    signer: Signer | None = None,
    principal: Principal | None = None,
    credentials: bool | None = None,
    channel: str | None = None,
    conversation: str | None = None,
    guard: Guard | None = None,
    policy: Policy | Governance | Guard | None = None,
    extra_body: Mapping[str, Any] | None = None,
    **params: Any,
) -> GovernedDecorator:
    """Govern a function: the policy is checked before its body runs, and inside it
    `rai.client()` is the approved client for this use case, provider and model.

    Works on sync and async functions and on (async) generator functions. `params`
    (temperature, max_tokens, ...) are defaults for the bound client's calls. `subject`
    is the client whose known values are redacted; all calls of one invocation share
    one `PIISession`, so placeholders stay stable across them; a call made through
    `rai.client()` may pass its own `subject`, `restore`, `consent`, `data_class`,
    `principal` and `units`. `principal` is who the function's calls are made for (else
    the one ``rai.acting_as`` binds where the function is called). `credentials=True`
    marks the answers of its calls with Content Credentials where the policy does not
    (``False`` on a use case the policy marks is refused, `CredentialsRequired`);
    `channel` names where they are published (its carrier is the policy's).
    `conversation` makes the function's calls turns of that conversation (else the one
    ``rai.conversation`` binds where a call is made; a call may name its own): their
    placeholders are loaded from and kept in the conversation store instead of the
    invocation's own session.

    `policy` (a `Policy`, a `Governance` the service shares with its other clients, or a
    `Guard`) or `guard` names what governs the function (else
    `rai.configure`'s, else ``RAI_POLICY``'s). A keyword that is no model parameter the
    library knows is a `TypeError` here, at decoration (a typo, or ``policy=`` in an old
    release, would otherwise be sent to the model); vendor-specific parameters go in
    `extra_body`.
    """
    if policy is not None and guard is not None:
        raise TypeError("@governed takes policy= or guard=, not both")
    if policy is not None:
        if isinstance(policy, Guard):
            guard = policy
        elif isinstance(policy, (Policy, Governance)):
            guard = Guard(policy)  # the function's own client over the shared Governance
        else:
            raise TypeError(
                f"policy must be a Policy or a Guard (or a Governance), got {type(policy).__name__}"
            )
    elif guard is not None and not isinstance(guard, Guard):
        raise TypeError(f"guard must be a Guard, got {type(guard).__name__}")
    unknown = sorted(set(params) - MODEL_PARAMETERS)
    if unknown:
        raise TypeError(
            f"@governed got unexpected keyword argument(s) {', '.join(map(repr, unknown))}: "
            "not a model parameter the library knows (pass vendor-specific ones in "
            f"extra_body=...); known: {', '.join(sorted(MODEL_PARAMETERS))}"
        )
    params = {**(extra_body or {}), **params}
    named = governance_named(params, _GOVERNANCE_FIELDS)  # also inside extra_headers...
    if named:
        raise TypeError(
            f"extra_body names {', '.join(map(repr, named))}: a governance field, not a "
            "model parameter (give it as @governed's own argument)"
        )

    if principal is not None and not isinstance(principal, Principal):
        raise TypeError(f"principal must be a rai.Principal, got {type(principal).__name__}")
    if conversation is not None:
        conversation = conversation_id(conversation)

    def bind() -> BoundClient:
        g = guard or default_guard()
        who = principal if principal is not None else current_principal.get()
        decision = g.check(
            use_case=use_case,
            provider=provider,
            model=model,
            data_class=data_class,
            consent=consent,
            principal=who,
            credentials=credentials,
            channel=channel,
        )
        return BoundClient(
            g, decision, data_class=data_class, consent=consent, params=params,
            subject=subject, restore=restore, signer=signer, principal=who,
            credentials=credentials, channel=channel, conversation=conversation, use_case=use_case,
        )  # fmt: skip

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        if inspect.isasyncgenfunction(fn):

            @functools.wraps(fn)
            def agen_wrapper(*args: P.args, **kwargs: P.kwargs) -> AsyncIterator[Any]:
                bound = bind()  # refused here, at call time, not at first iteration
                return GovernedAsyncGenerator(bound, fn(*args, **kwargs))

            return cast(Callable[P, R], agen_wrapper)

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
                bound = bind()
                token = _current.set(bound)
                try:
                    result = await fn(*args, **kwargs)
                finally:
                    _current.reset(token)
                return _lazy(bound, result)

            return cast(Callable[P, R], async_wrapper)

        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def gen_wrapper(*args: P.args, **kwargs: P.kwargs) -> Iterator[Any]:
                bound = bind()  # refused here, at call time, not at first iteration
                return GovernedGenerator(bound, fn(*args, **kwargs))

            return cast(Callable[P, R], gen_wrapper)

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = bind()
            token = _current.set(bound)
            try:
                result = fn(*args, **kwargs)
            finally:
                _current.reset(token)
            return cast(R, _lazy(bound, result))

        return wrapper

    return cast(GovernedDecorator, decorate)


# what decides how a call is governed (Guard's keywords and the decorator's own): never a
# model parameter, whatever it is passed as
_GOVERNANCE_FIELDS = GOVERNANCE_KEYWORDS | frozenset(
    n for n, p in inspect.signature(governed).parameters.items() if p.kind is p.KEYWORD_ONLY
)


def _lazy(bound: BoundClient, result: Any) -> Any:
    """A governed function's result, stamped; one that runs later keeps the bound client
    current while it runs: a generator it returns, or the body of a streaming response
    (Starlette's and FastAPI's `StreamingResponse`, iterated after the endpoint returned,
    when the context of the call is gone)."""
    if inspect.isgenerator(result):
        return GovernedGenerator(bound, result)
    if inspect.isasyncgen(result):
        return GovernedAsyncGenerator(bound, result)
    body = getattr(result, "body_iterator", None)
    if body is not None and hasattr(body, "__anext__"):
        result.body_iterator = GovernedAsyncGenerator(bound, body)
        return result
    return bound.stamp(result)


class GovernedGenerator:
    """What a governed generator function returns: it runs the generator one step at a
    time with its bound client current, and carries `provenance` once exhausted (the
    stamp of the text items it yielded, joined)."""

    def __init__(self, bound: BoundClient, gen: Generator[Any, Any, Any]) -> None:
        self._bound = bound
        self._gen = gen
        self._texts: list[str] = []
        self.provenance: Provenance | None = None

    def __iter__(self) -> GovernedGenerator:
        return self

    def __next__(self) -> Any:
        return self.send(None)

    def _step(self, action: Callable[[], Any]) -> Any:
        token = _current.set(self._bound)
        try:
            item = action()
        except StopIteration:
            self._finish()
            raise
        finally:
            _current.reset(token)
        if isinstance(item, str):
            self._texts.append(item)
        return item

    def send(self, value: Any) -> Any:
        return self._step(lambda: self._gen.send(value))

    def throw(self, exc: BaseException) -> Any:
        return self._step(lambda: self._gen.throw(exc))

    def close(self) -> None:
        token = _current.set(self._bound)
        try:
            self._gen.close()
        finally:
            _current.reset(token)

    def _finish(self) -> None:
        if self.provenance is None and self._texts:
            stamped = self._bound.stamp("".join(self._texts))
            self.provenance = provenance_of(stamped)


class GovernedAsyncGenerator:
    """`GovernedGenerator` for async generator functions."""

    def __init__(self, bound: BoundClient, agen: AsyncGenerator[Any, Any]) -> None:
        self._bound = bound
        self._agen = agen
        self._texts: list[str] = []
        self.provenance: Provenance | None = None

    def __aiter__(self) -> GovernedAsyncGenerator:
        return self

    async def __anext__(self) -> Any:
        return await self.asend(None)

    async def _step(self, action: Callable[[], Awaitable[Any]]) -> Any:
        token = _current.set(self._bound)
        try:
            item = await action()
        except StopAsyncIteration:
            if self.provenance is None and self._texts:
                self.provenance = provenance_of(self._bound.stamp("".join(self._texts)))
            raise
        finally:
            _current.reset(token)
        if isinstance(item, str):
            self._texts.append(item)
        return item

    async def asend(self, value: Any) -> Any:
        if value is None and not hasattr(self._agen, "asend"):  # an async iterator
            return await self._step(lambda: self._agen.__anext__())
        return await self._step(lambda: self._agen.asend(value))

    async def athrow(self, exc: BaseException) -> Any:
        return await self._step(lambda: self._agen.athrow(exc))

    async def aclose(self) -> None:
        close = getattr(self._agen, "aclose", None)
        if close is None:
            return
        token = _current.set(self._bound)
        try:
            await close()
        finally:
            _current.reset(token)
