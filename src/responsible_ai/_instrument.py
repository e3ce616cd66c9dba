"""`rai.instrument()`: every AI call the process makes is governed, whatever library makes it.

One call at start-up hooks the transports of httpx2 and httpx — the network ones and any
a library defines, such as litellm's aiohttp transport — (the HTTP layer of the openai
and anthropic SDKs and of the frameworks built on them), as OpenTelemetry's
instrumentors hook a library to trace it without touching call sites. From then on,
every request of every client — made before or after the call, by the service or deep
inside a dependency — meets the `Egress` step first:

- to the address of a provider of the policy: governed exactly as through
  `rai.http_client` (routed, decided, redacted, screened, stamped, recorded);
- to a well-known AI API host the policy does not approve: refused before any byte
  leaves (`ProviderNotApproved`, rule ``egress.ai_hosts``);
- anything else: passes untouched.

The use case comes from ``rai.use_case(...)``, from the `@governed` function the request
runs in (with its client record and conversation), or from ``instrument(use_case=...)``;
none known: the policy's rule for undeclared use cases applies (deny by default).
`uninstrument()` restores the transports. Both are idempotent and thread-safe.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any, NamedTuple

from ._governance import Governance
from ._governed import current_client
from ._pii import ClientRecord, KnownValues, as_known
from ._policy import Policy, load_policy
from ._transport import GovernedTransport, governed_below, sdk_errors_raised

__all__ = ["instrument", "instrumented", "uninstrument"]

_BACKENDS = ("httpx2", "httpx")


class _State(NamedTuple):
    governance: Governance
    use_case: str | None
    subject: KnownValues | None


_state: _State | None = None
_originals: dict[tuple[type, str], Callable[..., Any]] = {}
_lock = threading.RLock()


def instrument(
    policy: Policy | Governance | str | os.PathLike[str] | None = None,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
) -> Governance:
    """Govern every AI call of the process under `policy` (a `Policy`, a `Governance`, a
    path, or None for ``RAI_POLICY``); returns the `Governance` in force. Calling it again
    replaces the policy; `uninstrument()` undoes it."""
    if isinstance(policy, Governance):
        governance = policy
    elif isinstance(policy, Policy):
        governance = Governance(policy)
    else:
        governance = Governance(load_policy(policy))
    if use_case is not None:
        governance.pipeline.checks.rules.resolve(use_case)  # a tag, or refused now
    global _state
    with _lock:
        for name in _BACKENDS:
            if importlib.util.find_spec(name) is not None:
                _hook(importlib.import_module(name))
        _state = _State(governance, use_case, as_known(subject))
    return governance


def uninstrument() -> None:
    """Restore the transports `instrument` hooked (a no-op when none is)."""
    global _state
    with _lock:
        _state = None
        for (cls, attr), original in _originals.items():
            if original is _ABSENT:
                delattr(cls, attr)
            else:
                setattr(cls, attr, original)
        _originals.clear()


def instrumented() -> Governance | None:
    """The `Governance` in force process-wide, or None."""
    state = _state
    return state.governance if state is not None else None


# ------------------------------------------------------------------ the hooks


class _Unhooked:
    """The hooked transport as the governed one sends through: its original methods."""

    __slots__ = ("_send", "_transport")

    def __init__(self, transport: Any, send: Callable[..., Any]) -> None:
        self._transport = transport
        self._send = send

    def handle_request(self, request: Any) -> Any:
        return self._send(self._transport, request)

    async def handle_async_request(self, request: Any) -> Any:
        return await self._send(self._transport, request)

    def close(self) -> None:  # the client that owns the transport closes it
        return None

    async def aclose(self) -> None:
        return None


def _governed_transport(state: _State, inner: _Unhooked, http: ModuleType) -> GovernedTransport:
    bound = current_client()
    if bound is not None:  # inside a @governed function: its use case, client and session
        return GovernedTransport(
            state.governance, inner, http, use_case=bound.use_case, subject=bound.subject,
            restore=bound.restore, session=bound.session, conversation=bound.conversation,
        )  # fmt: skip
    return GovernedTransport(
        state.governance, inner, http, use_case=state.use_case, subject=state.subject,
        restore=None,
    )  # fmt: skip


_METHODS = (("BaseTransport", "handle_request"), ("AsyncBaseTransport", "handle_async_request"))


def _hook(http: ModuleType) -> None:
    """Hook every transport class of `http` that sends requests itself: the network
    transports, and any a library defines (litellm's aiohttp transport, the openai SDK's
    ``DefaultAioHttpClient``, a wrapping transport), those defined later included (a
    module imported after `instrument`). A wrapping transport is governed once, at the
    outermost class: the ones it calls see `governed_below`."""
    for base_name, attr in _METHODS:
        base = getattr(http, base_name)
        key = (base, "__init_subclass__")
        if key in _originals:
            continue  # already hooked: idempotent
        for cls in _subclasses(base):
            _hook_class(cls, attr, http)
        _originals[key] = base.__dict__.get("__init_subclass__", _ABSENT)
        base.__init_subclass__ = classmethod(_later(base, attr, http))


_ABSENT: Any = object()


def _subclasses(base: type) -> list[type]:
    found: list[type] = []
    todo: list[type] = list(base.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.append(cls)
            todo.extend(cls.__subclasses__())
    return found


def _later(base: Any, attr: str, http: ModuleType) -> Callable[..., None]:
    """`base.__init_subclass__` while instrumented: a transport class defined after
    `instrument()` is hooked as it is made."""

    def init_subclass(cls: Any, **kw: Any) -> None:
        super(base, cls).__init_subclass__(**kw)
        with _lock:
            if (base, "__init_subclass__") in _originals:
                _hook_class(cls, attr, http)

    return init_subclass


def _hook_class(cls: type, attr: str, http: ModuleType) -> None:
    """Wrap `cls`'s own `attr` (a class that inherits it is covered by its parent's)."""
    original = cls.__dict__.get(attr)
    if original is None or (cls, attr) in _originals or not callable(original):
        return
    _originals[(cls, attr)] = original
    wrap = _sync_hook if attr == "handle_request" else _async_hook
    setattr(cls, attr, wrap(original, http))


def _sync_hook(send: Callable[..., Any], http: ModuleType) -> Callable[..., Any]:
    def handle_request(self: Any, request: Any) -> Any:
        state = _state
        if state is None or governed_below.get():
            return send(self, request)
        with sdk_errors_raised:
            governs = state.governance.egress.governs(request.url)
        if not governs:
            return send(self, request)
        return _governed_transport(state, _Unhooked(self, send), http).handle_request(request)

    return handle_request


def _async_hook(asend: Callable[..., Any], http: ModuleType) -> Callable[..., Any]:
    async def handle_async_request(self: Any, request: Any) -> Any:
        state = _state
        if state is None or governed_below.get():
            return await asend(self, request)
        with sdk_errors_raised:
            governs = state.governance.egress.governs(request.url)
        if not governs:
            return await asend(self, request)
        transport = _governed_transport(state, _Unhooked(self, asend), http)
        return await transport.handle_async_request(request)

    return handle_async_request
