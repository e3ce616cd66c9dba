"""`rai.http_client()` / `rai.async_http_client()`: an httpx2 (or httpx) client whose
transport governs every request an official SDK sends through it.

Hand the SDK a client from the library and keep your code::

    http = rai.http_client(policy, use_case="client.support")
    client = openai.OpenAI(base_url=..., http_client=http)

Given a `Policy`, the client gets a `Governance` of its own; given a `Governance` (or a
`Guard`), it shares that one's pipeline, observers and services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

from .._conversations import conversation_id
from .._errors import ConfigurationError
from .._governance import Governance
from .._http import backend as http_backend
from .._pii import ClientRecord, KnownValues, as_known
from .._policy import Policy
from .._principal import Principal
from ._governed_transport import GovernedTransport
from ._upstream import check_upstream

if TYPE_CHECKING:
    import httpx
    import httpx2

__all__ = ["Governed", "async_http_client", "governance_of", "http_client"]


class Governed(Protocol):
    """Anything that runs under a `Governance` (a `Guard`)."""

    @property
    def governance(self) -> Governance: ...


def governance_of(source: Policy | Governance | Governed) -> Governance:
    """The `Governance` a client runs under: `source`'s own, or one made from a policy."""
    if isinstance(source, Governance):
        return source
    if isinstance(source, Policy):
        return Governance(source)
    governance = getattr(source, "governance", None)
    if isinstance(governance, Governance):
        return governance
    raise ConfigurationError(
        "http_client needs a Policy (from rai.load_policy), a rai.Governance or a rai.Guard, "
        f"got {type(source).__name__}"
    )


_BYPASSES = ("transport", "mounts", "app")


@overload
def http_client(
    policy: Policy | Governance | Governed,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    principal: Principal | None = None,
    conversation: str | None = None,
    backend: Literal["httpx2"] | None = None,
    inner: Any | None = None,
    **client_kw: Any,
) -> httpx2.Client: ...


@overload
def http_client(
    policy: Policy | Governance | Governed,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    principal: Principal | None = None,
    conversation: str | None = None,
    backend: Literal["httpx"],
    inner: Any | None = None,
    **client_kw: Any,
) -> httpx.Client: ...


def http_client(
    policy: Policy | Governance | Governed,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    principal: Principal | None = None,
    conversation: str | None = None,
    backend: str | None = None,
    inner: Any | None = None,
    **client_kw: Any,
) -> httpx2.Client | httpx.Client:
    """A `Client` whose transport governs every request an official SDK sends through it:
    httpx2 by default (what openai >= 3 and anthropic >= 2 take), httpx with
    ``backend="httpx"`` (for their previous majors). ``proxy=`` is routed through the
    governed transport (the proxy sees only what the policy let out); ``transport=`` and
    ``mounts=``, which would step around it, are refused: pass your own network
    transport as ``inner=``. `principal` is who the client's calls are made for when
    no ``rai.acting_as`` block says otherwise; `conversation` the conversation they are
    turns of when neither a request's ``x-rai-conversation`` header nor a
    ``rai.conversation`` block names one (its placeholders are loaded from and kept in
    the conversation store; the header is read by the transport, never sent)."""
    client: httpx2.Client | httpx.Client = _client(
        True, policy, use_case, subject, restore, principal, backend, inner, client_kw,
        conversation,
    )  # fmt: skip
    return client


@overload
def async_http_client(
    policy: Policy | Governance | Governed,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    principal: Principal | None = None,
    conversation: str | None = None,
    backend: Literal["httpx2"] | None = None,
    inner: Any | None = None,
    **client_kw: Any,
) -> httpx2.AsyncClient: ...


@overload
def async_http_client(
    policy: Policy | Governance | Governed,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    principal: Principal | None = None,
    conversation: str | None = None,
    backend: Literal["httpx"],
    inner: Any | None = None,
    **client_kw: Any,
) -> httpx.AsyncClient: ...


def async_http_client(
    policy: Policy | Governance | Governed,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    principal: Principal | None = None,
    conversation: str | None = None,
    backend: str | None = None,
    inner: Any | None = None,
    **client_kw: Any,
) -> httpx2.AsyncClient | httpx.AsyncClient:
    """`http_client` for async SDK clients (`openai.AsyncOpenAI`, `anthropic.AsyncAnthropic`)."""
    client: httpx2.AsyncClient | httpx.AsyncClient = _client(
        False, policy, use_case, subject, restore, principal, backend, inner, client_kw,
        conversation,
    )  # fmt: skip
    return client


def _client(
    sync: bool,
    policy: Policy | Governance | Governed,
    use_case: str | None,
    subject: ClientRecord | KnownValues | None,
    restore: bool | None,
    principal: Principal | None,
    backend: str | None,
    inner: Any | None,
    client_kw: dict[str, Any],
    conversation: str | None = None,
) -> Any:
    if principal is not None and not isinstance(principal, Principal):
        raise TypeError(f"principal must be a rai.Principal, got {type(principal).__name__}")
    bypass = [name for name in _BYPASSES if client_kw.get(name) is not None]
    if bypass:
        raise ConfigurationError(
            f"{', '.join(bypass)}= would send requests around the governed transport; "
            "pass your own network transport as inner= instead"
        )
    http = http_backend(backend or "auto")
    governance = governance_of(policy)
    if use_case is not None:
        governance.pipeline.checks.rules.resolve(use_case)  # a tag, or refused now, not later
    check_upstream(governance.policy)
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
        governance, inner, http, use_case=use_case, subject=as_known(subject), restore=restore,
        principal=principal,
        conversation=conversation_id(conversation) if conversation is not None else None,
    )  # fmt: skip
    client_cls = http.Client if sync else http.AsyncClient
    return client_cls(transport=transport, **client_kw)
