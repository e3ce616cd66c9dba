"""Steps 1 and 2: the provider and model are approved; the use case may use AI here.

`PolicyChecks` is the policy compiled once per `Guard`: everything it computes is a
function of the (immutable) policy and the facts of a call, so an outcome that passed
once is looked up, not recomputed (the effective rule of a tag, the approval of a
provider and model, the allowed decision with its audit fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._call import NO_USE_CASE, Call
from .._errors import (
    ConfigurationError,
    ConsentRequired,
    DataClassExceeded,
    ModelNotApproved,
    PolicyViolation,
    ProviderNotApproved,
    UseCaseBlocked,
)
from .._policy import DataClass, Policy, Provider
from .._types import Decision
from .._usecases import EffectiveRule, UseCaseRules
from .identifiers import shown
from .recorded import RecordedForms

__all__ = ["PolicyChecks", "Verdict"]

_MEMO_SIZE = 4096  # distinct (use case, provider, model, data class) keys kept


@dataclass(frozen=True, slots=True)
class Verdict:
    """What step 2 decided: the effective rule, the call's data class, the decision and
    the decision's fields (`Decision.as_dict`, computed once with it)."""

    rule: EffectiveRule
    data_class: DataClass
    decision: Decision
    fields: Mapping[str, Any]


class PolicyChecks:
    """The policy, compiled: steps 1 (`provider`) and 2 (`use_case`) and the decision
    of a refusal (`blocked`)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.rules = UseCaseRules(policy)
        self.recorded = RecordedForms(policy)  # what records carry of a caller's tag
        self.default_data_class = DataClass.parse(policy.policy.default_data_class)
        self._approved: dict[tuple[str, str], Provider] = {}
        # allowed outcomes of calls under no consent rule, by the facts that decide them
        self._allowed: dict[tuple[Any, ...], Verdict] = {}

    def violation(
        self, cls: type[PolicyViolation], call: Call, detail: str, rule: str, **extra: Any
    ) -> PolicyViolation:
        """The refusal of `call` by `rule` (`extra`: the error class's own fields)."""
        return cls(
            detail,
            **extra,
            rule=rule,
            policy_id=self.policy.id,
            policy_version=self.policy.version,
            use_case=self.recorded.tag(call.use_case),
            provider=shown(call.provider_name),
            model=self.recorded.model(call.model),
        )

    def seen(self, call: Call) -> bool:
        """Whether this call's provider, model and use case passed the checks before (so
        they are names, not whatever a caller put there)."""
        return (call.provider_name, call.model) in self._approved and self.rules.known(
            call.use_case
        )

    # ------------------------------------------------------------------ step 1

    def provider(self, call: Call) -> Provider:
        """The approved provider of the call; raises `ProviderNotApproved` / `ModelNotApproved`."""
        approved = self._approved.get((call.provider_name, call.model))
        if approved is not None:
            return approved
        provider = self.policy.provider(call.provider_name)
        if provider is None:
            raise self.violation(
                ProviderNotApproved, call, f"{shown(call.provider_name)!r} is not in the registry",
                "providers",
            )  # fmt: skip
        meta = self.policy.policy
        if provider.tier == "free" and not meta.allow_free_tiers:
            raise self.violation(
                ProviderNotApproved, call, f"{provider.name!r} is a free tier",
                "policy.allow_free_tiers",
            )  # fmt: skip
        if meta.require_zero_data_retention and not provider.zero_data_retention:
            raise self.violation(
                ProviderNotApproved, call,
                f"{provider.name!r} does not have zero data retention",
                "policy.require_zero_data_retention",
            )  # fmt: skip
        if meta.allowed_regions is not None and provider.region not in meta.allowed_regions:
            raise self.violation(
                ProviderNotApproved, call, f"{provider.name!r} is in region {provider.region!r}",
                "policy.allowed_regions",
            )  # fmt: skip
        if not provider.allows_model(call.model):
            raise self.violation(
                ModelNotApproved, call,
                f"{self.recorded.model(call.model)!r} is not on the allow-list of "
                f"{provider.name!r}",
                f"providers[{self.policy.providers.index(provider)}].models",
            )  # fmt: skip
        if len(self._approved) < _MEMO_SIZE:
            self._approved[(call.provider_name, call.model)] = provider
        return provider

    # ------------------------------------------------------------------ step 2

    def use_case(self, call: Call, provider: Provider) -> Verdict:
        """The verdict on the call's use case; raises the `PolicyViolation` that refuses it."""
        key = (call.use_case, provider.name, call.model, call.data_class, call.fallback_from)
        known = self._allowed.get(key)
        if known is not None:
            return known
        rule = self.rules.resolve(call.use_case)
        data_class = call.data_class if call.data_class is not None else self.default_data_class
        self._check(call, provider, rule, data_class)
        consent = call.consent if rule.consent_rule is not None else None
        decision = Decision(
            outcome="allowed",
            rule=_most_specific(rule),
            use_case=self.recorded.tag(call.use_case),
            provider=provider.name,
            model=call.model,
            data_class=data_class.label,
            policy_id=self.policy.id,
            policy_version=self.policy.version,
            policy_sha256=self.policy.sha256,
            requires_review=rule.requires_review,
            consent=self.recorded.consent(consent),
            fallback_from=call.fallback_from,
        )
        verdict = Verdict(rule, data_class, decision, decision.as_dict())
        if rule.consent_rule is None and len(self._allowed) < _MEMO_SIZE:
            self._allowed[key] = verdict  # without a consent rule, the key decides everything
        return verdict

    def _check(
        self, call: Call, provider: Provider, rule: EffectiveRule, data_class: DataClass
    ) -> None:
        tag = self.recorded.tag(call.use_case)  # a message shows what records show
        if rule.blocked_by is not None:
            raise self.violation(UseCaseBlocked, call, f"{tag!r} must not use AI", rule.blocked_by)
        if not rule.declared and self.policy.use_cases.default == "deny":
            undeclared = (
                "no use case was declared for this request and undeclared use cases are "
                "denied: pass use_case= to rai.http_client(...), wrap the call in "
                '`with rai.use_case("tag"):`, or send the x-rai-use-case header'
                if call.use_case == NO_USE_CASE and call.body is not None
                else f"{tag!r} is not declared and undeclared use cases are denied"
            )
            raise self.violation(UseCaseBlocked, call, undeclared, "use_cases.default")
        if rule.allowed_providers is not None and provider.name not in rule.allowed_providers:
            raise self.violation(
                ProviderNotApproved, call,
                f"{provider.name!r} is not allowed for {tag!r}",
                rule.allowed_providers_rule or "use_cases",
            )  # fmt: skip
        if rule.max_data_class is not None and data_class > rule.max_data_class:
            raise self.violation(
                DataClassExceeded, call,
                f"{data_class.label} data exceeds {rule.max_data_class.label} "
                f"for {tag!r}",
                rule.max_data_class_rule or "use_cases",
            )  # fmt: skip
        if data_class > provider.data_class:
            index = self.policy.providers.index(provider)
            raise self.violation(
                DataClassExceeded, call,
                f"{data_class.label} data exceeds {provider.max_data_class} for {provider.name!r}",
                f"providers[{index}].max_data_class",
            )  # fmt: skip
        if rule.consent_rule is not None:
            if call.consent is None:
                detail: str | None = "no consent record was given"
            else:
                subjects = call.subject.subjects if call.subject is not None else None
                detail = call.consent.problem(call.use_case, subjects, shown=self.recorded.tag)
            if detail is not None:
                raise self.violation(ConsentRequired, call, detail, rule.consent_rule)

    # ------------------------------------------------------------------ refusals

    def blocked(self, call: Call, rule: str) -> Decision:
        """The decision recorded for a refused call."""
        try:
            review = self.rules.resolve(call.use_case).requires_review
        except ConfigurationError:  # not a tag at all
            review = False
        return Decision(
            outcome="blocked",
            rule=rule,
            use_case=self.recorded.tag(call.use_case),
            provider=shown(call.provider_name),
            model=self.recorded.model(call.model),
            data_class=(call.data_class or self.default_data_class).label,
            policy_id=self.policy.id,
            policy_version=self.policy.version,
            policy_sha256=self.policy.sha256,
            requires_review=review,
            consent=self.recorded.consent(call.consent),
            fallback_from=call.fallback_from,
        )


def _most_specific(rule: EffectiveRule) -> str:
    """The rule that decided an allowed call: the most specific rule of the tag or a
    parent of it (``hr`` decides ``hr.job_ads`` when only ``hr`` has a rule), else the
    policy's default."""
    return rule.rule or "use_cases.default"
