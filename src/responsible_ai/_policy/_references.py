"""The checks across a policy's sections, which the schema of one value cannot make:
names given twice, fallbacks, entity types and operators, tags that loosen a tag above."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .._errors import PolicyIssue
from ._model import Access, DataClass, Limits, PiiSettings, Provider, UseCaseRule, UseCases
from ._tags import parents

__all__ = [
    "check_limits",
    "check_references",
    "duplicate_names",
    "entities_and_operators",
    "fallbacks",
    "loosening",
]


def check_references(
    providers: Sequence[Provider], pii: PiiSettings, use_cases: UseCases
) -> list[PolicyIssue]:
    """Every problem across the sections of a schema-valid policy, in the order of the checks."""
    return [
        *duplicate_names(providers),
        *fallbacks(providers),
        *entities_and_operators(pii, use_cases.rules),
        *loosening(use_cases.rules, providers),
    ]


def duplicate_names(providers: Sequence[Provider]) -> list[PolicyIssue]:
    """Each provider name is given once."""
    issues: list[PolicyIssue] = []
    first: dict[str, int] = {}
    for i, provider in enumerate(providers):
        if provider.name in first:
            issues.append(
                PolicyIssue(
                    f"providers[{i}].name",
                    f"duplicate provider name {provider.name!r} "
                    f"(first at providers[{first[provider.name]}])",
                )
            )
        first.setdefault(provider.name, i)
    return issues


def fallbacks(providers: Sequence[Provider]) -> list[PolicyIssue]:
    """A fallback names another provider of this policy."""
    names = {p.name for p in providers}
    issues: list[PolicyIssue] = []
    for i, provider in enumerate(providers):
        fb = provider.fallback
        if fb is None:
            continue
        path = f"providers[{i}].fallback.provider"
        if fb.provider == provider.name:
            issues.append(PolicyIssue(path, "a provider cannot fall back to itself"))
        elif fb.provider not in names:
            message = f"expected the name of a provider in this policy, got {fb.provider!r}"
            issues.append(PolicyIssue(path, message))
    return issues


def entities_and_operators(pii: PiiSettings, rules: Mapping[str, UseCaseRule]) -> list[PolicyIssue]:
    """Entity types are known ones (built in, a detector's, or in `pii.extra_entities`), and
    the encrypt operator, if any rule uses it, has its key named."""
    issues: list[PolicyIssue] = []
    known = pii.known_entities()
    known_set = set(known)
    hint = f"expected one of: {', '.join(known)}; name others in pii.extra_entities"
    named = [(f"pii.entities[{j}]", name) for j, name in enumerate(pii.entities or [])]
    named += [(f'pii.operators["{name}"]', name) for name in pii.operators]
    for tag, rule in rules.items():
        for name in rule.pii.operators if rule.pii is not None else ():
            named.append((f'use_cases.rules["{tag}"].pii.operators["{name}"]', name))
    for path, name in named:
        if name not in known_set:
            issues.append(PolicyIssue(path, f"unknown entity type {name!r} ({hint})"))
    used = {pii.default_operator, *pii.operators.values()}
    for rule in rules.values():
        if rule.pii is not None:
            if rule.pii.default_operator is not None:
                used.add(rule.pii.default_operator)
            used.update(rule.pii.operators.values())
    if "encrypt" in used and pii.encrypt_key_env is None:
        issues.append(
            PolicyIssue(
                "pii.encrypt_key_env",
                "expected the name of an environment variable holding the AES key, since "
                "the encrypt operator is used",
            )
        )
    return issues


def loosening(rules: Mapping[str, UseCaseRule], providers: Sequence[Provider]) -> list[PolicyIssue]:
    """A tag's rule does not loosen the rules of the tags above it (a higher data class,
    a provider they do not allow), and its allowed providers are providers of this policy."""
    names = {p.name for p in providers}
    issues: list[PolicyIssue] = []
    for tag, rule in rules.items():
        key = f'use_cases.rules["{tag}"]'
        for parent in parents(tag)[1:]:
            above = rules.get(parent)
            if above is not None:
                issues += _looser(key, rule, f'use_cases.rules["{parent}"]', above)
        for j, name in enumerate(rule.allowed_providers or []):
            if name not in names:
                issues.append(
                    PolicyIssue(
                        f"{key}.allowed_providers[{j}]",
                        f"expected the name of a provider in this policy, got {name!r}",
                    )
                )
    return issues


def _looser(key: str, rule: UseCaseRule, pkey: str, above: UseCaseRule) -> list[PolicyIssue]:
    """How the rule at `key` loosens the rule `above` it, at `pkey`."""
    issues: list[PolicyIssue] = []
    if (
        rule.max_data_class is not None
        and above.max_data_class is not None
        and DataClass.parse(rule.max_data_class) > DataClass.parse(above.max_data_class)
    ):
        issues.append(
            PolicyIssue(
                f"{key}.max_data_class",
                f"expected at most {above.max_data_class!r} (set by {pkey}); "
                "a tag cannot loosen the rules of the tags above it",
            )
        )
    if rule.allowed_providers is not None and above.allowed_providers is not None:
        extra = sorted(set(rule.allowed_providers) - set(above.allowed_providers))
        if extra:
            issues.append(
                PolicyIssue(
                    f"{key}.allowed_providers",
                    f"expected a subset of {pkey}.allowed_providers; {extra} are not "
                    "in it, and a tag cannot loosen the rules of the tags above it",
                )
            )
    return issues


def check_limits(
    providers: Sequence[Provider], access: Access, limits: Limits
) -> list[PolicyIssue]:
    """Access rules name providers of this policy; counting unpriced models as a worst
    case says how much that is."""
    names = {p.name for p in providers}
    issues = [
        PolicyIssue(
            f'access.providers["{name}"]',
            f"expected the name of a provider in this policy, got {name!r}",
        )
        for name in access.providers
        if name not in names
    ]
    if limits.unpriced == "worst_case":
        for key in ("worst_case_cost", "worst_case_output_tokens"):
            if getattr(limits, key) is None:
                issues.append(
                    PolicyIssue(
                        f"limits.{key}",
                        'expected a value, since limits.unpriced = "worst_case" counts it for '
                        "every call to a model without a price",
                    )
                )
    return issues
