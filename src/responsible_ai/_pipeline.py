"""The governed-call pipeline: small steps over one `Call`, no I/O.

```
1. policy     CheckProvider   provider + model in the registry, policy switches
2. use case   CheckUseCase    tag rules, data class, consent      -> Decision
3. redact     (the PII stage plugs in here)
4. call       the driver (Guard: sync or async) sends; no step does I/O
5. restore    (re-identification plugs in here)
6. stamp      (provenance plugs in here)
7. observe    the driver's span around 1-6, metrics, one audit event per decision
```

A step is any object with ``prepare(call)`` (before I/O; raise a `PolicyViolation` to
refuse) and ``finish(call, response) -> response`` (after I/O). `Pipeline` runs them in
order; `Guard` and `governed` are thin drivers over it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ._audit import AuditTrail, default_trail
from ._errors import (
    ConsentRequired,
    DataClassExceeded,
    ModelNotApproved,
    PolicyViolation,
    ProviderNotApproved,
    RedactionFailed,
    UseCaseBlocked,
)
from ._policy import DataClass, Policy, Provider
from ._providers import Parsed
from ._types import ChatMessage, ChatResponse, Decision
from ._usecases import Consent, EffectiveRule, UseCaseRules

__all__ = ["AuditSink", "Call", "CheckProvider", "CheckUseCase", "ChunkFilter", "Pipeline", "Step"]

AuditSink = Callable[[Decision], None]


@dataclass(slots=True)
class Call:
    """Everything known about one governed call as it flows through the steps."""

    use_case: str
    provider_name: str
    model: str
    messages: list[ChatMessage]
    params: dict[str, Any] = field(default_factory=dict)
    data_class: DataClass | None = None
    consent: Consent | None = None
    stream: bool = False
    provider: Provider | None = None
    rule: EffectiveRule | None = None
    decision: Decision | None = None
    fallback_from: str | None = None
    subject: Any = None  # a ClientRecord (or KnownValues) whose values are redacted
    session: Any = None  # the PIISession of the conversation
    restore: bool | None = None  # re-identify the answer (None: the policy decides)
    redactions: dict[str, int] = field(default_factory=dict)
    pii_plan: Any = None
    output_filter: Any = None  # set by streams: the chunk filter that processed the answer
    sent_body: bytes = b""  # the request body as it went to the provider (after redaction)
    answer_redacted: str | None = None  # the answer before restore, model-made PII replaced


class Step(Protocol):
    def prepare(self, call: Call) -> None: ...
    def finish(self, call: Call, response: ChatResponse) -> ChatResponse: ...


class _Checks:
    """Shared by the policy steps: building violations that name the rule and the policy."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def violation(
        self, cls: type[PolicyViolation], call: Call, detail: str, rule: str
    ) -> PolicyViolation:
        return cls(
            detail,
            rule=rule,
            policy_id=self.policy.id,
            policy_version=self.policy.version,
            use_case=call.use_case,
            provider=call.provider_name,
            model=call.model,
        )

    def finish(self, call: Call, response: ChatResponse) -> ChatResponse:
        return response


class CheckProvider(_Checks):
    """Step 1: the provider is in the registry, the model on its allow-list, switches hold."""

    def __init__(self, policy: Policy) -> None:
        super().__init__(policy)
        self._approved: dict[tuple[str, str], Provider] = {}  # policies are immutable

    def prepare(self, call: Call) -> None:
        approved = self._approved.get((call.provider_name, call.model))
        if approved is not None:
            call.provider = approved
            return
        provider = self.policy.provider(call.provider_name)
        if provider is None:
            raise self.violation(
                ProviderNotApproved,
                call,
                f"{call.provider_name!r} is not in the registry",
                "providers",
            )
        meta = self.policy.policy
        if provider.tier == "free" and not meta.allow_free_tiers:
            raise self.violation(
                ProviderNotApproved,
                call,
                f"{provider.name!r} is a free tier",
                "policy.allow_free_tiers",
            )
        if meta.require_zero_data_retention and not provider.zero_data_retention:
            raise self.violation(
                ProviderNotApproved,
                call,
                f"{provider.name!r} does not have zero data retention",
                "policy.require_zero_data_retention",
            )
        if meta.allowed_regions is not None and provider.region not in meta.allowed_regions:
            raise self.violation(
                ProviderNotApproved,
                call,
                f"{provider.name!r} is in region {provider.region!r}",
                "policy.allowed_regions",
            )
        if not provider.allows_model(call.model):
            raise self.violation(
                ModelNotApproved,
                call,
                f"{call.model!r} is not on the allow-list of {provider.name!r}",
                f"providers[{self.policy.providers.index(provider)}].models",
            )
        call.provider = provider
        if len(self._approved) < 4096:
            self._approved[(call.provider_name, call.model)] = provider


class CheckUseCase(_Checks):
    """Step 2: the use case may use AI here, with this data class and consent."""

    def __init__(self, policy: Policy) -> None:
        super().__init__(policy)
        self.rules = UseCaseRules(policy)
        self.default_data_class = DataClass.parse(policy.policy.default_data_class)
        # allowed outcomes (rule, data class, decision) of calls under no consent rule
        self._allowed: dict[tuple[Any, ...], tuple[EffectiveRule, DataClass, Decision]] = {}

    def prepare(self, call: Call) -> None:
        assert call.provider is not None, "CheckProvider runs first"
        # without a consent rule every check below is a function of this key: a key that
        # passed once is allowed again, with the same (immutable, shared) decision
        key = (call.use_case, call.provider.name, call.model, call.data_class, call.fallback_from)
        known = self._allowed.get(key)
        if known is not None:
            call.rule, call.data_class, call.decision = known
            return
        rule = self.rules.resolve(call.use_case)
        call.rule = rule
        if rule.blocked_by is not None:
            raise self.violation(
                UseCaseBlocked, call, f"{call.use_case!r} must not use AI", rule.blocked_by
            )
        if not rule.declared and self.policy.use_cases.default == "deny":
            raise self.violation(
                UseCaseBlocked,
                call,
                f"{call.use_case!r} is not declared and undeclared use cases are denied",
                "use_cases.default",
            )
        if rule.allowed_providers is not None and call.provider.name not in rule.allowed_providers:
            raise self.violation(
                ProviderNotApproved,
                call,
                f"{call.provider.name!r} is not allowed for {call.use_case!r}",
                rule.allowed_providers_rule or "use_cases",
            )
        data_class = call.data_class if call.data_class is not None else self.default_data_class
        call.data_class = data_class
        if rule.max_data_class is not None and data_class > rule.max_data_class:
            raise self.violation(
                DataClassExceeded,
                call,
                f"{data_class.label} data exceeds {rule.max_data_class.label} "
                f"for {call.use_case!r}",
                rule.max_data_class_rule or "use_cases",
            )
        if data_class > call.provider.data_class:
            index = self.policy.providers.index(call.provider)
            raise self.violation(
                DataClassExceeded,
                call,
                f"{data_class.label} data exceeds {call.provider.max_data_class} "
                f"for {call.provider.name!r}",
                f"providers[{index}].max_data_class",
            )
        if rule.consent_rule is not None and (
            call.consent is None or not call.consent.covers(call.use_case)
        ):
            detail = (
                "no consent record was given"
                if call.consent is None
                else f"the consent record covers {call.consent.scope!r}, not {call.use_case!r}"
            )
            raise self.violation(ConsentRequired, call, detail, rule.consent_rule)
        consent = call.consent if rule.consent_rule is not None else None
        decision = Decision(
            outcome="allowed",
            rule=_most_specific(rule),
            use_case=call.use_case,
            provider=call.provider.name,
            model=call.model,
            data_class=data_class.label,
            policy_id=self.policy.id,
            policy_version=self.policy.version,
            policy_sha256=self.policy.sha256,
            requires_review=rule.requires_review,
            consent=consent,
            fallback_from=call.fallback_from,
        )
        call.decision = decision
        if rule.consent_rule is None and len(self._allowed) < 4096:
            self._allowed[key] = (rule, data_class, decision)


@functools.lru_cache(maxsize=1024)
def _decision_fields(d: Decision) -> dict[str, Any]:
    """The audit fields of a decision (decisions are immutable and shared: computed once;
    callers only read the dict)."""
    return {
        "use_case": d.use_case, "provider": d.provider, "model": d.model, "rule": d.rule,
        "policy_id": d.policy_id, "policy_version": d.policy_version,
        "policy_sha256": d.policy_sha256, "data_class": d.data_class,
        "requires_review": d.requires_review, "fallback_from": d.fallback_from,
        "consent": d.consent.as_dict() if d.consent else None,
    }  # fmt: skip


def _most_specific(rule: EffectiveRule) -> str:
    if not rule.declared:
        return "use_cases.default"
    return f'use_cases.rules["{rule.tag}"]'


class Pipeline:
    """Runs the steps in order. `steps` after the two policy checks are the caller's."""

    def __init__(
        self,
        policy: Policy,
        steps: Sequence[Step] = (),
        on_decision: AuditSink | None = None,
        trail: AuditTrail | None = None,
    ) -> None:
        self.policy = policy
        self.steps: list[Step] = [CheckProvider(policy), CheckUseCase(policy), *steps]
        self.on_decision = on_decision
        self.trail = trail if trail is not None else default_trail

    def prepare(self, call: Call, *, audit_allowed: bool = True) -> Decision:
        try:
            for step in self.steps:
                step.prepare(call)
        except PolicyViolation as violation:
            if violation.use_case is None:
                violation.use_case = call.use_case
                violation.provider = call.provider_name
                violation.model = call.model
            self._record(self.blocked(call, violation.rule), type(violation).__name__)
            raise
        except RedactionFailed as failure:
            self._record(self.blocked(call, "pii.fail_closed"), type(failure).__name__)
            raise
        assert call.decision is not None
        if audit_allowed:
            self._record(call.decision, None)
            if call.redactions and self.trail.active:
                self.trail._emit(
                    "decision", {"outcome": "redacted", "redactions": dict(call.redactions),
                                 **_decision_fields(call.decision)},
                )  # fmt: skip
        return call.decision

    def _record(self, decision: Decision, error: str | None) -> None:
        if self.on_decision is not None:
            self.on_decision(decision)
        trail = self.trail
        if trail.active:
            fields = {"outcome": decision.outcome, "error": error, **_decision_fields(decision)}
            trail._emit("decision", fields)

    def blocked(self, call: Call, rule: str) -> Decision:
        return Decision(
            outcome="blocked",
            rule=rule,
            use_case=call.use_case,
            provider=call.provider_name,
            model=call.model,
            data_class=(
                call.data_class or DataClass.parse(self.policy.policy.default_data_class)
            ).label,
            policy_id=self.policy.id,
            policy_version=self.policy.version,
            policy_sha256=self.policy.sha256,
            requires_review=bool(call.rule and call.rule.requires_review),
            consent=call.consent,
            fallback_from=call.fallback_from,
        )

    def finish(self, call: Call, parsed: Parsed) -> ChatResponse:
        assert call.decision is not None
        assert call.provider is not None
        response = ChatResponse(
            text=parsed.text,
            model=parsed.model or call.model,
            requested_model=call.model,
            provider=call.provider.name,
            usage=parsed.usage,
            decision=call.decision,
            finish_reason=parsed.finish_reason,
            id=parsed.id,
            tool_calls=parsed.tool_calls,
            redactions=dict(call.redactions),
        )
        for step in self.steps:
            response = step.finish(call, response)
        return response

    def chunk_filter(self, call: Call) -> ChunkFilter | None:
        """The filters the steps put on a streamed answer, chained (or None)."""
        filters = [f for s in self.steps if (f := getattr(s, "chunk_filter", None)) is not None]
        chain: list[ChunkFilter] = [c for f in filters if (c := f(call)) is not None]
        if not chain:
            return None
        if len(chain) == 1:
            return chain[0]
        return _Chain(chain)

    def fallback_call(self, call: Call) -> Call | None:
        """The call to try when `call`'s provider stays unavailable, if the policy names one."""
        assert call.provider is not None
        fb = call.provider.fallback
        if fb is None or call.fallback_from is not None:
            return None
        return replace(
            call,
            provider_name=fb.provider,
            model=fb.model or call.model,
            provider=None,
            rule=None,
            decision=None,
            fallback_from=call.provider.name,
        )


class ChunkFilter(Protocol):
    """Transforms a streamed answer piece by piece; `flush` returns what it held back."""

    def feed(self, piece: str) -> str: ...
    def flush(self) -> str: ...


class _Chain:
    def __init__(self, filters: list[ChunkFilter]) -> None:
        self.filters = filters

    def feed(self, piece: str) -> str:
        for f in self.filters:
            piece = f.feed(piece)
        return piece

    def flush(self) -> str:
        carry = ""
        for f in self.filters:
            carry = (f.feed(carry) if carry else "") + f.flush()
        return carry
