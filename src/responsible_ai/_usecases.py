"""Use-case tags and their rules.

Tags are hierarchical: the rules of ``hr`` apply to ``hr.performance_review``. When
several levels have rules, the strictest wins, so a child can never loosen its parent:
blocked, requires_review and requires_consent are OR-ed, max_data_class is the lowest,
allowed_providers is the intersection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ._errors import ConfigurationError
from ._policy import TAG_PATTERN, DataClass, Policy

__all__ = ["Consent", "EffectiveRule", "UseCaseRules", "parents"]

_TAG = re.compile(TAG_PATTERN)


def parents(tag: str) -> list[str]:
    """``a.b.c`` -> ``["a.b.c", "a.b", "a"]`` (most specific first)."""
    parts = tag.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


@dataclass(frozen=True, slots=True)
class Consent:
    """A record that a person agreed to an AI use.

    `subject` identifies whose consent it is (a stable id from your system, not a
    name), `scope` is the use-case tag it covers (a parent tag covers its children),
    `obtained_at` when it was given, `reference` where the evidence lives.
    """

    subject: str
    scope: str
    obtained_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    reference: str | None = None

    def __post_init__(self) -> None:
        if not self.subject:
            raise ConfigurationError("Consent.subject must identify whose consent it is")
        if not _TAG.fullmatch(self.scope):
            raise ConfigurationError(
                "Consent.scope must be a use-case tag such as 'client.support'"
            )

    def covers(self, use_case: str) -> bool:
        return use_case == self.scope or use_case.startswith(self.scope + ".")

    def as_dict(self) -> dict[str, str | None]:
        return {
            "subject": self.subject,
            "scope": self.scope,
            "obtained_at": self.obtained_at.isoformat(),
            "reference": self.reference,
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


class UseCaseRules:
    """Resolves a tag to its `EffectiveRule` (cached: policies are immutable)."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._cache: dict[str, EffectiveRule] = {}

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
        for level in parents(tag):
            if level in uc.blocked:
                declared = True
                blocked_by = blocked_by or f"use_cases.blocked[{level}]"
            rule = uc.rules.get(level)
            if rule is None:
                continue
            declared = True
            key = f'use_cases.rules["{level}"]'
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
        )
