"""Who calls: a `Principal` (a person, or an automation with an owner), bound per call,
for a block of code (`acting_as`), or mapped from identity claims the service has
already verified (`Principal.from_claims`).

The principal's id never leaves the process in clear: telemetry, audit events, stamps,
evidence and the state store see its pseudonym (`_pseudonym`, kind ``"principal"``);
roles and teams are recorded as they are (they name groups, not people).
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, TracebackType
from typing import Any

from ._errors import ConfigurationError

__all__ = ["Principal", "acting_as", "current_principal"]

_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}$")


@dataclass(frozen=True, slots=True, init=False)
class Principal:
    """Who a governed call is made for.

    `id` is the stable account id from your identity provider (it is pseudonymised before
    anything records it); `roles` and `teams` are the groups the policy's access rules
    name; `owner` is the id of the person accountable for an automation (giving one makes
    the principal an automation; ``automation=True`` without an owner is refused by the
    policy's rules, never silently accepted); `attributes` are extra claims your own steps
    may read (never recorded).
    """

    id: str
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    owner: str | None
    automation: bool
    attributes: Mapping[str, str] = field(repr=False, compare=False)

    def __init__(
        self,
        id: str,
        roles: Iterable[str] = (),
        teams: Iterable[str] = (),
        owner: str | None = None,
        *,
        automation: bool | None = None,
        attributes: Mapping[str, str] | None = None,
    ) -> None:
        if not isinstance(id, str) or not id.strip() or len(id) > 512:
            raise ConfigurationError("Principal.id must be a non-empty account id (512 at most)")
        if owner is not None and (not isinstance(owner, str) or not owner.strip()):
            raise ConfigurationError("Principal.owner must be the owner's account id")
        set_ = object.__setattr__
        set_(self, "id", id)
        set_(self, "roles", _groups("roles", roles))
        set_(self, "teams", _groups("teams", teams))
        set_(self, "owner", owner)
        set_(self, "automation", bool(owner is not None if automation is None else automation))
        set_(self, "attributes", MappingProxyType(dict(attributes or {})))

    def __repr__(self) -> str:  # the id is an account: never in a repr that may be logged
        kind = "automation" if self.automation else "person"
        return f"Principal({kind}, roles={list(self.roles)}, teams={list(self.teams)})"

    @classmethod
    def from_claims(
        cls,
        claims: Mapping[str, Any],
        *,
        id_claim: str = "sub",
        roles_claim: str | None = "roles",
        teams_claim: str | None = "groups",
        owner_claim: str | None = None,
    ) -> Principal:
        """The principal of identity claims your service has already verified (a decoded
        OIDC/JWT token, a SAML assertion as a dict). The mapping is explicit: `id_claim`
        (default ``sub``) gives the id, `roles_claim` and `teams_claim` lists (or one
        space-separated string), `owner_claim` the owner of an automation (a service
        account). A missing id claim is an error; missing group claims are empty."""
        ident = claims.get(id_claim)
        if not isinstance(ident, str) or not ident:
            raise ConfigurationError(f"the claims have no {id_claim!r} string to identify by")
        owner = claims.get(owner_claim) if owner_claim else None
        if owner is not None and not isinstance(owner, str):
            raise ConfigurationError(f"the {owner_claim!r} claim must be a string")
        return cls(
            ident,
            roles=_claim_list(claims, roles_claim),
            teams=_claim_list(claims, teams_claim),
            owner=owner,
        )


def _groups(what: str, values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise ConfigurationError(f"Principal.{what} must be a list of names, not one string")
    out = tuple(dict.fromkeys(values))
    for value in out:
        if not isinstance(value, str) or not _GROUP.fullmatch(value):
            raise ConfigurationError(
                f"Principal.{what} holds names of letters, digits and _.:@/- (128 at most)"
            )
    return out


def _claim_list(claims: Mapping[str, Any], name: str | None) -> tuple[str, ...]:
    if name is None:
        return ()
    value = claims.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigurationError(f"the {name!r} claim must be a list of strings")


current_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "responsible_ai_principal", default=None
)


class acting_as:  # used like `with rai.use_case(...)`: a function-like name
    """``with rai.acting_as(principal):`` (or ``async with``): governed calls made in the
    block — through `Guard`, `@governed` functions, `rai.http_client` and process-wide
    instrumentation — are made for `principal`, unless a call passes its own."""

    __slots__ = ("_token", "principal")

    def __init__(self, principal: Principal) -> None:
        if not isinstance(principal, Principal):
            raise TypeError(f"acting_as needs a rai.Principal, got {type(principal).__name__}")
        self.principal = principal
        self._token: contextvars.Token[Principal | None] | None = None

    def __enter__(self) -> Principal:
        if self._token is not None:
            raise RuntimeError("this acting_as block is already entered")
        self._token = current_principal.set(self.principal)
        return self.principal

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._token is not None:
            current_principal.reset(self._token)
            self._token = None

    async def __aenter__(self) -> Principal:
        return self.__enter__()

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(et, ev, tb)
