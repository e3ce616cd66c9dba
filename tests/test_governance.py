"""`Governance`: one composition root that `Guard`, the SDK transport and `@governed` share."""

from __future__ import annotations

from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import CapturedTelemetry, FakeModelServer

MK = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}

pytestmark = pytest.mark.http


class TestOneConstructionPath:
    def test_a_service_added_once_reaches_every_driver(
        self, server: FakeModelServer, policy: rai.Policy
    ) -> None:
        """An audit sink, a decision callback and telemetry given to one Governance record
        the calls of a Guard, of an SDK client and of a @governed function alike."""
        openai = pytest.importorskip("openai")
        events: list[dict[str, Any]] = []
        decisions: list[rai.Decision] = []
        otel = CapturedTelemetry()
        governance = rai.Governance(
            policy,
            audit=rai.AuditTrail(events.append, render=False),
            on_decision=decisions.append,
            telemetry=otel,
        )

        with rai.Guard(governance) as guard:
            guard.chat("from the guard", **MK)

        with rai.http_client(governance, use_case="engineering") as http:
            sdk = openai.OpenAI(base_url=server.base_url, api_key="sk", http_client=http)
            sdk.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "from the SDK"}]
            )

        with rai.Guard(governance) as own:  # a function's own client, closed here

            @rai.governed(guard=own, **MK)
            def draft(prompt: str) -> str:
                return rai.client().complete(prompt)

            draft("from a governed function")

        assert len(server.requests) == 3
        assert [d.outcome for d in decisions] == ["allowed"] * 3
        assert [e["outcome"] for e in events if e["event"] == "decision"] == ["allowed"] * 3
        assert len(otel.spans()) == 3

    def test_a_refusal_reaches_the_shared_services_from_every_driver(
        self, server: FakeModelServer, policy: rai.Policy
    ) -> None:
        """A blocked use case is refused and recorded the same way by all three drivers."""
        openai = pytest.importorskip("openai")
        decisions: list[rai.Decision] = []
        governance = rai.Governance(policy, on_decision=decisions.append)
        blocked = {**MK, "use_case": "surveillance"}
        with rai.Guard(governance) as guard, pytest.raises(rai.UseCaseBlocked):
            guard.chat("x", **blocked)
        with rai.http_client(governance, use_case="surveillance") as http:
            sdk = openai.OpenAI(
                base_url=server.base_url, api_key="sk", max_retries=0, http_client=http
            )
            with pytest.raises(rai.UseCaseBlocked):
                sdk.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
                )

        @rai.governed(policy=governance, **blocked)
        def watch() -> str:
            return rai.client().complete("x")

        with pytest.raises(rai.UseCaseBlocked):
            watch()
        assert server.requests == []
        assert [(d.outcome, d.rule) for d in decisions] == [
            ("blocked", "use_cases.blocked[surveillance]")
        ] * 3

    def test_a_guard_given_a_policy_makes_its_own(self, policy: rai.Policy) -> None:
        """`Guard(policy)` stays as short as it was: it composes a Governance of its own."""
        guard = rai.Guard(policy)
        assert isinstance(guard.governance, rai.Governance)
        assert guard.governance.policy is policy
        assert rai.Guard(policy).governance is not guard.governance

    def test_guards_over_one_governance_share_it(self, policy: rai.Policy) -> None:
        """Two Guards (say, one per HTTP client) made from one Governance share its pipeline."""
        governance = rai.Governance(policy)
        assert rai.Guard(governance).governance is governance
        assert rai.Guard(governance).governance.pipeline is governance.pipeline

    def test_services_beside_a_governance_are_refused(self, policy: rai.Policy) -> None:
        """Services configure a Governance; given beside one, they would be ignored: refused."""
        governance = rai.Governance(policy)
        with pytest.raises(TypeError, match="signer configure a Governance"):
            rai.Guard(governance, signer=rai.HmacSigner(b"k" * 32, "k1"))

    def test_anything_else_is_refused(self) -> None:
        """A Governance needs a Policy; so does a Guard and an http client."""
        with pytest.raises(rai.ConfigurationError, match="needs a Policy"):
            rai.Governance({"policy": {}})  # type: ignore[arg-type]
        with pytest.raises(rai.ConfigurationError, match="needs a Policy"):
            rai.Guard("policy.toml")  # type: ignore[arg-type]
        with pytest.raises(rai.ConfigurationError, match="needs a Policy"):
            rai.http_client("policy.toml")  # type: ignore[arg-type]

    def test_pii_is_extended_never_replaced(self, make_policy: Any) -> None:
        """`detectors` and `known` extend the policy's redaction; with redaction off
        they are refused, not silently dropped."""
        off = make_policy(pii={"enabled": False})
        with pytest.raises(rai.ConfigurationError, match="disabled by the policy"):
            rai.Governance(off, known=rai.KnownValues([]))
        with pytest.raises(TypeError):
            rai.Guard(make_policy(), redactor=object())  # type: ignore[call-arg]


class TestSdkClientUseCase:
    def test_a_malformed_use_case_is_refused_at_construction(self, policy: rai.Policy) -> None:
        """`http_client(use_case="Bad Tag")` fails where it is written, not at the first request."""
        with pytest.raises(rai.ConfigurationError, match="not a tag"):
            rai.http_client(policy, use_case="Bad Tag")

    def test_no_use_case_says_how_to_declare_one(
        self, server: FakeModelServer, policy: rai.Policy
    ) -> None:
        """An SDK request that declared no use case is refused with the three ways to declare one."""
        openai = pytest.importorskip("openai")
        with rai.http_client(policy) as http:
            sdk = openai.OpenAI(
                base_url=server.base_url, api_key="sk", max_retries=0, http_client=http
            )
            with pytest.raises(rai.UseCaseBlocked, match="no use case was declared") as info:
                sdk.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
                )
        assert "rai.use_case" in str(info.value) and "use_case=" in str(info.value)
        assert server.requests == []
