"""Policy decisions: providers, models, use-case tags, data classes, consent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

import responsible_ai as rai

from .conftest import CANARY

Make = Callable[..., rai.Policy]


def check(policy: rai.Policy, **kw: object) -> rai.Decision:
    args: dict[str, object] = {
        "use_case": "marketing.copy",
        "provider": "openai-prod",
        "model": "gpt-4o-mini",
    }
    args.update(kw)
    return rai.Guard(policy).check(**args)  # type: ignore[arg-type]


class TestProviders:
    def test_unknown_provider(self, make_policy: Make) -> None:
        """A provider outside the registry is refused, naming the rule and the policy."""
        with pytest.raises(rai.ProviderNotApproved) as info:
            check(make_policy(), provider="shadow-it")
        err = info.value
        assert err.rule == "providers"
        assert (err.policy_id, err.policy_version) == ("test-policy", "1.2.3")
        assert "test-policy v1.2.3" in str(err) and "rule providers" in str(err)

    def test_model_not_on_allow_list(self, make_policy: Make) -> None:
        with pytest.raises(rai.ModelNotApproved) as info:
            check(make_policy(), model="gpt-5")
        assert info.value.rule == "providers[0].models"

    def test_glob_model(self, make_policy: Make) -> None:
        assert check(make_policy(), model="gpt-4.1-mini").model == "gpt-4.1-mini"

    def test_free_tier_switch(self, make_policy: Make) -> None:
        """'No free tiers' refuses a free provider even when it is listed."""
        with pytest.raises(rai.ProviderNotApproved) as info:
            check(make_policy(), provider="free-chat", data_class="public")
        assert info.value.rule == "policy.allow_free_tiers"
        allowed = make_policy(policy__allow_free_tiers=True)
        assert check(allowed, provider="free-chat", data_class="public").outcome == "allowed"

    def test_zero_data_retention_switch(self, make_policy: Make) -> None:
        policy = make_policy(policy__require_zero_data_retention=True)
        assert check(policy).outcome == "allowed"  # openai-prod has ZDR
        with pytest.raises(rai.ProviderNotApproved, match="zero data retention"):
            check(policy, provider="anthropic-prod", model="claude-haiku-4-5")

    def test_region_switch(self, make_policy: Make) -> None:
        policy = make_policy(policy__allowed_regions=["eu"])
        assert check(policy).outcome == "allowed"
        with pytest.raises(rai.ProviderNotApproved) as info:
            check(policy, provider="anthropic-prod", model="claude-haiku-4-5")
        assert info.value.rule == "policy.allowed_regions"


class TestUseCases:
    def test_blocked_tag(self, make_policy: Make) -> None:
        with pytest.raises(rai.UseCaseBlocked) as info:
            check(make_policy(), use_case="hr.performance_review")
        assert info.value.rule == "use_cases.blocked[hr.performance_review]"

    def test_blocking_parent_blocks_children(self, make_policy: Make) -> None:
        """Blocking `legal` blocks `legal.contract.review`."""
        with pytest.raises(rai.UseCaseBlocked) as info:
            check(make_policy(), use_case="legal.contract.review")
        assert info.value.rule == "use_cases.blocked[legal]"

    def test_rule_blocked_flag(self, make_policy: Make) -> None:
        policy = make_policy(use_cases__rules__engineering={"blocked": True})
        with pytest.raises(rai.UseCaseBlocked) as info:
            check(policy, use_case="engineering.code")
        assert info.value.rule == 'use_cases.rules["engineering"].blocked'

    def test_undeclared_denied_by_default(self, make_policy: Make) -> None:
        with pytest.raises(rai.UseCaseBlocked) as info:
            check(make_policy(), use_case="finance.forecast")
        assert info.value.rule == "use_cases.default"

    def test_undeclared_allowed(self, make_policy: Make) -> None:
        decision = check(make_policy(use_cases__default="allow"), use_case="finance.forecast")
        assert (decision.outcome, decision.rule) == ("allowed", "use_cases.default")

    def test_child_inherits_parent_rules(self, make_policy: Make) -> None:
        """`hr.job_ads` inherits review and data class from `hr`."""
        decision = check(make_policy(), use_case="hr.job_ads")
        assert decision.requires_review
        with pytest.raises(rai.DataClassExceeded) as info:
            check(make_policy(), use_case="hr.job_ads", data_class="confidential")
        assert info.value.rule == 'use_cases.rules["hr"].max_data_class'

    def test_the_rule_recorded_is_the_rule_that_decided(self, make_policy: Make) -> None:
        """A call under `hr.job_ads`, which has no rule of its own, is decided by `hr`'s rule."""
        assert check(make_policy(), use_case="hr.job_ads").rule == 'use_cases.rules["hr"]'
        assert check(make_policy(), use_case="hr").rule == 'use_cases.rules["hr"]'
        own = make_policy(**{"use_cases__rules__hr.job_ads": {"requires_review": True}})
        assert check(own, use_case="hr.job_ads.eu").rule == 'use_cases.rules["hr.job_ads"]'

    def test_bad_tag(self, make_policy: Make) -> None:
        with pytest.raises(rai.ConfigurationError, match="not a tag"):
            check(make_policy(), use_case="Marketing Copy")

    def test_allowed_providers(self, make_policy: Make) -> None:
        consent = rai.Consent(subject="client-42", scope="client.support")
        with pytest.raises(rai.ProviderNotApproved) as info:
            check(make_policy(), use_case="client.support", provider="anthropic-prod",
                  model="claude-haiku-4-5", consent=consent, data_class="internal")  # fmt: skip
        assert info.value.rule == 'use_cases.rules["client.support"].allowed_providers'


class TestDataClass:
    def test_default_data_class(self, make_policy: Make) -> None:
        assert check(make_policy()).data_class == "internal"

    def test_use_case_maximum(self, make_policy: Make) -> None:
        with pytest.raises(rai.DataClassExceeded) as info:
            check(make_policy(), data_class="confidential")
        assert info.value.rule == 'use_cases.rules["marketing.copy"].max_data_class'

    def test_provider_maximum(self, make_policy: Make) -> None:
        with pytest.raises(rai.DataClassExceeded) as info:
            check(make_policy(), use_case="engineering", data_class="restricted")
        assert info.value.rule == "providers[0].max_data_class"

    def test_enum_accepted(self, make_policy: Make) -> None:
        assert check(make_policy(), data_class=rai.DataClass.PUBLIC).data_class == "public"

    def test_unknown_class(self, make_policy: Make) -> None:
        with pytest.raises(rai.ConfigurationError, match="unknown data class 'secret'"):
            check(make_policy(), data_class="secret")


class TestConsent:
    def test_required(self, make_policy: Make) -> None:
        with pytest.raises(rai.ConsentRequired) as info:
            check(make_policy(), use_case="client.support")
        assert info.value.rule == 'use_cases.rules["client.support"].requires_consent'

    def test_given(self, make_policy: Make) -> None:
        """A consent record covering the use case lets the call through and is kept."""
        consent = rai.Consent(subject="client-42", scope="client", obtained_at=datetime(2026, 1, 5, tzinfo=UTC),
                              reference="crm://consents/991")  # fmt: skip
        decision = check(make_policy(), use_case="client.support", consent=consent)
        kept = decision.as_dict()["consent"]  # who and where the evidence is: pseudonyms
        assert kept["subject"].startswith("p:") and kept["reference"].startswith("p:")
        assert kept | {"subject": "", "reference": ""} == {
            "subject": "", "scope": "client",
            "obtained_at": "2026-01-05T00:00:00+00:00", "reference": "",
        }  # fmt: skip
        assert "client-42" not in repr(decision) and "991" not in repr(decision)

    def test_wrong_scope(self, make_policy: Make) -> None:
        consent = rai.Consent(subject="client-42", scope="marketing")
        with pytest.raises(rai.ConsentRequired, match=r"covers 'marketing', not 'client\.support'"):
            check(make_policy(), use_case="client.support", consent=consent)

    def test_context_manager(self, make_policy: Make) -> None:
        """`rai.with_consent` gives every call in the block the record."""
        consent = rai.Consent(subject="client-42", scope="client.support")
        with rai.with_consent(consent):
            kept = check(make_policy(), use_case="client.support").consent
            assert kept is not None and kept.scope == consent.scope
        with pytest.raises(rai.ConsentRequired):
            check(make_policy(), use_case="client.support")

    def test_invalid_record(self) -> None:
        with pytest.raises(rai.ConfigurationError):
            rai.Consent(subject="", scope="client")
        with pytest.raises(rai.ConfigurationError):
            rai.Consent(subject="x", scope="Client Support")


class TestMessages:
    def test_violation_never_contains_prompt(self, make_policy: Make, server: object) -> None:
        """Refusals name the rule and policy, never the prompt."""
        guard = rai.Guard(make_policy())
        cases = [
            {"use_case": "hr.performance_review"},
            {"provider": "shadow-it"},
            {"model": "gpt-5"},
            {"use_case": "client.support"},
            {"data_class": "restricted"},
        ]
        for case in cases:
            kw: dict[str, object] = {
                "use_case": "marketing.copy",
                "provider": "openai-prod",
                "model": "gpt-4o-mini",
            }
            kw.update(case)
            with pytest.raises(rai.PolicyViolation) as info:
                guard.chat(f"Please evaluate {CANARY}", **kw)  # type: ignore[arg-type]
            text = str(info.value) + repr(info.value) + repr(info.value.as_dict())
            assert CANARY not in text
            assert "test-policy" in str(info.value)

    def test_audit_records_blocked_and_allowed(self, make_policy: Make) -> None:
        audit: list[rai.Decision] = []
        guard = rai.Guard(make_policy(), on_decision=audit.append)
        with pytest.raises(rai.UseCaseBlocked):
            guard.chat("x", use_case="surveillance", provider="openai-prod", model="gpt-4o-mini")
        assert [(d.outcome, d.rule) for d in audit] == [
            ("blocked", "use_cases.blocked[surveillance]")
        ]
        assert audit[0].policy_sha256 == guard.policy.sha256

    def test_bad_messages(self, make_policy: Make) -> None:
        guard = rai.Guard(make_policy())
        with pytest.raises(rai.ConfigurationError, match="empty"):
            guard.chat([], use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini")
        with pytest.raises(rai.ConfigurationError, match=r"messages\[1\]"):
            guard.chat([{"role": "user", "content": "a"}, {"content": "b"}],  # type: ignore[list-item]
                       use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini")  # fmt: skip

    def test_guard_needs_policy(self) -> None:
        with pytest.raises(rai.ConfigurationError, match="needs a Policy"):
            rai.Guard({"policy": {}})  # type: ignore[arg-type]
