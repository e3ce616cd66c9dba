"""Use-case tags and their rules.

Tags are hierarchical: the rules of ``hr`` apply to ``hr.performance_review``. When
several levels have rules, the strictest wins, so a child can never loosen its parent:
blocked, requires_review and requires_consent are OR-ed, max_data_class is the lowest,
allowed_providers is the intersection.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ._errors import ConfigurationError
from ._policy import TAG_PATTERN, DataClass, Policy, covers, parents

__all__ = ["Consent", "EffectiveRule", "UseCaseRules", "parents"]

_TAG = re.compile(TAG_PATTERN)


CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a consent's `obtained_at` may lie (clocks differ a little)."""


@dataclass(frozen=True, slots=True)
class Consent:
    """A record that a person agreed to an AI use.

    `subject` identifies whose consent it is (a stable id from your system, not a
    name), `scope` is the use-case tag it covers (a parent tag covers its children),
    `obtained_at` when it was given, `expires_at` when it lapses (None: it does not),
    `reference` where the evidence lives. Times carry a time zone.

    A consent authorises a call only while it is valid (not dated in the future, not
    expired) and only for its own subject: a call whose `subject` names records (by
    `ClientRecord.id`) must be about that one subject alone.
    """

    subject: str
    scope: str
    obtained_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    reference: str | None = None
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.subject, str) or not self.subject:
            raise ConfigurationError("Consent.subject must identify whose consent it is")
        if not isinstance(self.scope, str) or not _TAG.fullmatch(self.scope):
            raise ConfigurationError(
                "Consent.scope must be a use-case tag such as 'client.support'"
            )
        for name in ("obtained_at", "expires_at"):
            value = getattr(self, name)
            if value is None and name == "expires_at":
                continue
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise ConfigurationError(f"Consent.{name} must be a datetime with a time zone")
        if self.expires_at is not None and self.expires_at <= self.obtained_at:
            raise ConfigurationError("Consent.expires_at must come after obtained_at")

    def covers(self, use_case: str) -> bool:
        """Whether the consent's scope is `use_case` or a tag above it."""
        return covers(self.scope, use_case)

    def problem(
        self,
        use_case: str,
        subjects: frozenset[str] | None,
        now: datetime | None = None,
        shown: Callable[[str], str] = str,
    ) -> str | None:
        """Why this consent does not authorise a call (None: it does). `subjects` are the
        ids of the call's data subjects (None: the call names no subject); `shown` gives
        a tag as the message may show it."""
        if not self.covers(use_case):
            return f"the consent record covers {shown(self.scope)!r}, not {shown(use_case)!r}"
        now = now if now is not None else datetime.now(UTC)
        if self.obtained_at > now + CLOCK_SKEW:
            return "the consent record is dated in the future"
        if self.expires_at is not None and now >= self.expires_at:
            return "the consent record has expired"
        if subjects is not None:
            if not subjects:
                return "the call's subject has no id to bind the consent to (ClientRecord.id)"
            if subjects != {self.subject}:
                return "the consent record is for another data subject than the call's"
        return None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "subject": self.subject,
            "scope": self.scope,
            "obtained_at": self.obtained_at.isoformat(),
            "reference": self.reference,
            **({"expires_at": self.expires_at.isoformat()} if self.expires_at else {}),
        }


@dataclass(frozen=True, slots=True)
class EffectiveRule:
    """The merged rules that apply to one tag, each with the policy key that set it."""

    tag: str
    declared: bool
    blocked_by: str | None = None
    requires_review: bool = False
    consent_rule: str | None = None
    max_data_class: DataClass | None = None
    max_data_class_rule: str | None = None
    allowed_providers: frozenset[str] | None = None
    allowed_providers_rule: str | None = None
    rule: str | None = None  # the key of the most specific rule that applies (None: none)


class UseCaseRules:
    """Resolves a tag to its `EffectiveRule` (cached: policies are immutable)."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._cache: dict[str, EffectiveRule] = {}

    def known(self, tag: str) -> bool:
        """Whether `tag` was resolved before (so it is a well-formed tag)."""
        return tag in self._cache

    def resolve(self, tag: str) -> EffectiveRule:
        rule = self._cache.get(tag)
        if rule is None:
            rule = self._resolve(tag)
            if len(self._cache) < 4096:  # bounded: tags can come from SDK request headers
                self._cache[tag] = rule
        return rule

    def _resolve(self, tag: str) -> EffectiveRule:
        if not _TAG.fullmatch(tag):
            raise ConfigurationError(  # not quoted: a malformed tag may carry anything
                "use_case is not a tag; expected a lowercase dotted name such as "
                "'marketing.copy', matched exactly (no surrounding whitespace or newline)"
            )
        uc = self._policy.use_cases
        declared = False
        blocked_by = None
        requires_review = False
        consent_rule = None
        max_dc: DataClass | None = None
        max_dc_rule = None
        allowed: frozenset[str] | None = None
        allowed_rule = None
        most_specific: str | None = None
        for level in parents(tag):
            if level in uc.blocked:
                declared = True
                blocked_by = blocked_by or f"use_cases.blocked[{level}]"
            rule = uc.rules.get(level)
            if rule is None:
                continue
            declared = True
            key = f'use_cases.rules["{level}"]'
            most_specific = most_specific or key
            if rule.blocked:
                blocked_by = blocked_by or f"{key}.blocked"
            requires_review = requires_review or rule.requires_review
            if rule.requires_consent and consent_rule is None:
                consent_rule = f"{key}.requires_consent"
            if rule.max_data_class is not None:
                dc = DataClass.parse(rule.max_data_class)
                if max_dc is None or dc < max_dc:
                    max_dc, max_dc_rule = dc, f"{key}.max_data_class"
            if rule.allowed_providers is not None:
                names = frozenset(rule.allowed_providers)
                allowed = names if allowed is None else allowed & names
                allowed_rule = f"{key}.allowed_providers"
        return EffectiveRule(
            tag=tag,
            declared=declared,
            blocked_by=blocked_by,
            requires_review=requires_review,
            consent_rule=consent_rule,
            max_data_class=max_dc,
            max_data_class_rule=max_dc_rule,
            allowed_providers=allowed,
            allowed_providers_rule=allowed_rule,
            rule=most_specific,
        )
