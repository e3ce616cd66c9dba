"""`@governed`: a thin adapter that binds an approved client to a function call."""

from __future__ import annotations

import contextvars
import functools
import inspect
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar, cast

from ._errors import ConfigurationError
from ._guard import AsyncStream, Guard, Messages, Stream, current_consent
from ._pii import ClientRecord, KnownValues, PIISession
from ._policy import DataClass, Policy, load_policy
from ._types import ChatResponse, Decision
from ._usecases import Consent

__all__ = ["BoundClient", "client", "configure", "default_guard", "governed", "with_consent"]

P = ParamSpec("P")
R = TypeVar("R")

_current: contextvars.ContextVar[BoundClient | None] = contextvars.ContextVar(
    "responsible_ai_client", default=None
)
_default: Guard | None = None
_default_lock = threading.Lock()


def configure(policy: Policy | Guard) -> Guard:
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
    ) -> None:
        self.guard = guard
        self.decision = decision
        self.session = PIISession()  # one conversation: placeholders stable across its calls
        self._kw: dict[str, Any] = {
            "use_case": decision.use_case,
            "provider": decision.provider,
            "model": decision.model,
            "data_class": data_class,
            "consent": consent,
            "subject": subject,
            "session": self.session,
            "restore": restore,
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
        return self.decision.use_case

    def chat(self, messages: Messages, **params: Any) -> ChatResponse:
        return self.guard.chat(messages, **self._kw, **{**self._params, **params})

    async def achat(self, messages: Messages, **params: Any) -> ChatResponse:
        return await self.guard.achat(messages, **self._kw, **{**self._params, **params})

    def stream(self, messages: Messages, **params: Any) -> Stream:
        return self.guard.stream(messages, **self._kw, **{**self._params, **params})

    def astream(self, messages: Messages, **params: Any) -> AsyncStream:
        return self.guard.astream(messages, **self._kw, **{**self._params, **params})

    def complete(self, prompt: str, **params: Any) -> str:
        """One user message in, the answer's text out."""
        return self.chat(prompt, **params).text

    async def acomplete(self, prompt: str, **params: Any) -> str:
        return (await self.achat(prompt, **params)).text


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
    guard: Guard | None = None,
    **params: Any,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Govern a function: the policy is checked before its body runs, and inside it
    `rai.client()` is the approved client for this use case, provider and model.

    Works on sync and async functions and on (async) generator functions. `params`
    (temperature, max_tokens, ...) are defaults for the bound client's calls. `subject`
    is the client whose known values are redacted; all calls of one invocation share
    one `PIISession`, so placeholders stay stable across them.
    """

    def bind() -> tuple[BoundClient, Guard]:
        g = guard or default_guard()
        decision = g.check(
            use_case=use_case,
            provider=provider,
            model=model,
            data_class=data_class,
            consent=consent,
        )
        bound = BoundClient(
            g, decision, data_class=data_class, consent=consent, params=params,
            subject=subject, restore=restore,
        )  # fmt: skip
        return bound, g

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        if inspect.isasyncgenfunction(fn):

            @functools.wraps(fn)
            def agen_wrapper(*args: P.args, **kwargs: P.kwargs) -> AsyncIterator[Any]:
                bound, _ = bind()  # refused here, at call time, not at first iteration
                return _drive_async(bound, fn(*args, **kwargs))

            return cast(Callable[P, R], agen_wrapper)

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
                bound, _ = bind()
                token = _current.set(bound)
                try:
                    return await fn(*args, **kwargs)
                finally:
                    _current.reset(token)

            return cast(Callable[P, R], async_wrapper)

        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def gen_wrapper(*args: P.args, **kwargs: P.kwargs) -> Iterator[Any]:
                bound, _ = bind()  # refused here, at call time, not at first iteration
                return _drive(bound, fn(*args, **kwargs))

            return cast(Callable[P, R], gen_wrapper)

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            bound, _ = bind()
            token = _current.set(bound)
            try:
                return fn(*args, **kwargs)
            finally:
                _current.reset(token)

        return wrapper

    return decorate


def _drive(bound: BoundClient, gen: Generator[Any, Any, Any]) -> Generator[Any, Any, Any]:
    """Run `gen` one step at a time with `bound` as the current client during each step."""
    sent: Any = None
    thrown: BaseException | None = None
    while True:
        token = _current.set(bound)
        try:
            item = gen.throw(thrown) if thrown is not None else gen.send(sent)
        except StopIteration as stop:
            return stop.value
        finally:
            _current.reset(token)
        sent, thrown = None, None
        try:
            sent = yield item
        except GeneratorExit:
            token = _current.set(bound)
            try:
                gen.close()
            finally:
                _current.reset(token)
            raise
        except BaseException as exc:
            thrown = exc


async def _drive_async(
    bound: BoundClient, agen: AsyncGenerator[Any, Any]
) -> AsyncGenerator[Any, Any]:
    """`_drive` for async generators."""
    sent: Any = None
    thrown: BaseException | None = None
    while True:
        token = _current.set(bound)
        try:
            item = await (agen.athrow(thrown) if thrown is not None else agen.asend(sent))
        except StopAsyncIteration:
            return
        finally:
            _current.reset(token)
        sent, thrown = None, None
        try:
            sent = yield item
        except GeneratorExit:
            token = _current.set(bound)
            try:
                await agen.aclose()
            finally:
                _current.reset(token)
            raise
        except BaseException as exc:
            thrown = exc
