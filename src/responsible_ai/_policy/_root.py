"""The `Policy` root: a document validated whole (`Policy.from_dict`) or a file loaded
(`load_policy`); schema errors and cross-reference problems are reported in one pass."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, PrivateAttr, ValidationError

from .._errors import PolicyError, PolicyIssue
from ._conversations import ConversationSettings
from ._evidence import EvidenceSettings
from ._issues import capped, format_loc, issue, repaired, under
from ._load import canonical_sha256, check_pin, not_plain, read_document
from ._model import (
    Access,
    EgressSettings,
    Limits,
    PiiSettings,
    PolicyMeta,
    ProvenanceSettings,
    Provider,
    RetrySettings,
    StateSettings,
    StrictModel,
    UseCases,
)
from ._references import check_limits, check_references

__all__ = ["Policy", "load_policy"]


class Policy(StrictModel):
    """A validated policy. Load it with `load_policy`; it is immutable."""

    policy: PolicyMeta
    providers: Annotated[list[Provider], Field(min_length=1)]
    use_cases: UseCases = Field(default_factory=UseCases)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    pii: PiiSettings = Field(default_factory=PiiSettings)
    egress: EgressSettings = Field(default_factory=EgressSettings)
    provenance: ProvenanceSettings = Field(default_factory=ProvenanceSettings)
    access: Access = Field(default_factory=Access)
    limits: Limits = Field(default_factory=Limits)
    state: StateSettings = Field(default_factory=StateSettings)
    evidence: EvidenceSettings = Field(default_factory=EvidenceSettings)
    conversations: ConversationSettings = Field(default_factory=ConversationSettings)

    _sha256: str = PrivateAttr(default="")
    _source: str = PrivateAttr(default="<dict>")
    _by_name: dict[str, Provider] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        self._by_name = {p.name: p for p in self.providers}

    @property
    def id(self) -> str:
        return self.policy.id

    @property
    def version(self) -> str:
        return self.policy.version

    @property
    def sha256(self) -> str:
        """Canonical SHA-256 of the policy document (see `canonical_sha256`)."""
        return self._sha256

    @property
    def source(self) -> str:
        """Where the policy came from (a file path, ``$RAI_POLICY`` or ``<dict>``)."""
        return self._source

    def provider(self, name: str) -> Provider | None:
        return self._by_name.get(name)

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        source: str = "<dict>",
        sha256: str | None = None,
        pinned: bool = True,
    ) -> Policy:
        """Validate a parsed document. Errors are `PolicyError`s naming `source` and key
        paths. With ``pinned=False`` the ``RAI_POLICY_SHA256`` pin is not checked (to
        compute the hash of a new version while the old one is pinned)."""
        problem = not_plain(data)
        if problem is not None:
            raise PolicyError(source, [problem])
        try:
            policy = cls.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors()
            issues = [issue(err, cls) for err in errors] + cls._other_issues(data, errors)
            raise PolicyError(source, capped(issues)) from None
        issues = _cross_references(policy)
        if issues:
            raise PolicyError(source, capped(issues))
        policy._source = source
        policy._sha256 = canonical_sha256(data)
        if pinned or sha256:
            check_pin(source, policy.sha256, sha256)
        return policy

    @classmethod
    def _other_issues(cls, data: Mapping[str, Any], errors: Any) -> list[PolicyIssue]:
        """The cross-reference and loosening problems of a document that also has
        schema errors, so that one pass names them all: the checks run on a copy whose
        wrong values are dropped (optional keys) or stand-ins (required ones); what they
        find at or under a wrong value's path is left out (it is that value's issue)."""
        bad = {format_loc(tuple(err["loc"]), cls) for err in errors}
        copy = repaired(data, errors)
        if copy is None:
            return []
        try:
            policy = cls.model_validate(copy)
        except ValidationError:
            return []  # the stand-ins were not enough: the schema errors stand alone
        return [i for i in _cross_references(policy) if not under(i.path, bad)]


def _cross_references(policy: Policy) -> list[PolicyIssue]:
    """The problems across the sections of a schema-valid `policy`."""
    return check_references(policy.providers, policy.pii, policy.use_cases) + check_limits(
        policy.providers, policy.access, policy.limits
    )


def load_policy(
    path: str | os.PathLike[str] | None = None, *, sha256: str | None = None, pinned: bool = True
) -> Policy:
    """Load and validate a policy file (``.toml``, ``.json``, or ``.yaml`` with the extra).

    With no `path`, the file named by ``RAI_POLICY`` is loaded. With `sha256` (or
    ``RAI_POLICY_SHA256`` set, unless ``pinned=False``), a policy whose canonical hash
    differs is refused with `PolicyHashMismatch`.
    """
    source, data = read_document(path)
    return Policy.from_dict(data, source=source, sha256=sha256, pinned=pinned)
