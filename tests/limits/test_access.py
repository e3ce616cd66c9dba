"""The who step: roles and teams per use case and provider, automations and their owners,
training records; each refusal a `PolicyViolation` subclass naming the rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import responsible_ai as rai
from tests.limits.conftest import limits_policy

MK = {"provider": "openai-prod", "model": "gpt-4o-mini"}
NOW = datetime.now(UTC)

ACCESS = {
    "use_cases": {
        "marketing": {"roles": ["marketer"], "deny_teams": ["contractors"]},
        "marketing.campaign": {
            "automations": "allow",
            "automation_roles": ["sender"],
            "training": ["spam-law-2026"],
        },
        "engineering": {"automations": "deny"},
    },
    "providers": {"anthropic-prod": {"teams": ["research"]}},
}


@pytest.fixture
def guard(make_governance: Callable[..., rai.Governance]) -> rai.Guard:
    records = rai.TrainingRecords([
        ("mia", rai.TrainingRecord("spam-law-2026", NOW - timedelta(days=10))),
        ("old", rai.TrainingRecord("spam-law-2026", NOW - timedelta(days=400),
                                   NOW - timedelta(days=35))),
        ("bot", rai.TrainingRecord("spam-law-2026", NOW - timedelta(days=1))),
    ])  # fmt: skip
    return rai.Guard(make_governance(limits_policy(access=ACCESS), training=records))


def check(
    guard: rai.Guard, use_case: str, principal: rai.Principal | None, **kw: Any
) -> rai.Decision:
    return guard.check(use_case=use_case, principal=principal, **{**MK, **kw})


class TestRoles:
    def test_a_role_the_rule_allows_passes_and_others_are_refused(self, guard: rai.Guard) -> None:
        """`roles` admits any of its roles; a principal without one is refused, naming the key."""
        assert (
            check(guard, "marketing.copy", rai.Principal("mia", roles=["marketer"])).outcome
            == "allowed"
        )
        with pytest.raises(rai.PrincipalNotAllowed) as info:
            check(guard, "marketing.copy", rai.Principal("eve", roles=["engineer"]))
        assert info.value.rule == 'access.use_cases["marketing"].roles'

    def test_a_denied_team_is_refused_even_with_the_role(self, guard: rai.Guard) -> None:
        """`deny_teams` wins over an allowed role."""
        p = rai.Principal("mia", roles=["marketer"], teams=["contractors"])
        with pytest.raises(rai.PrincipalNotAllowed) as info:
            check(guard, "marketing.copy", p)
        assert info.value.rule == 'access.use_cases["marketing"].deny_teams'

    def test_provider_rules_hold_too(self, guard: rai.Guard) -> None:
        """A provider's rule applies to every use case sent to it."""
        anthropic = {"provider": "anthropic-prod", "model": "claude-haiku-4-5"}
        with pytest.raises(rai.PrincipalNotAllowed) as info:
            check(guard, "engineering", rai.Principal("eve", teams=["core"]), **anthropic)
        assert info.value.rule == 'access.providers["anthropic-prod"].teams'
        assert check(guard, "engineering", rai.Principal("eve", teams=["research"]), **anthropic)

    def test_no_principal_where_a_rule_needs_one_is_refused(self, guard: rai.Guard) -> None:
        """A call without a principal under an access rule names the rule."""
        with pytest.raises(rai.PrincipalRequired) as info:
            check(guard, "marketing.copy", None)
        assert info.value.rule == 'access.use_cases["marketing"]'
        assert check(guard, "hr.onboarding", None).principal is None  # no rule: none needed

    def test_require_principal_covers_every_call(
        self, make_governance: Callable[..., rai.Governance]
    ) -> None:
        """`access.require_principal` refuses any call without one."""
        g = rai.Guard(make_governance(limits_policy(access={"require_principal": True})))
        with pytest.raises(rai.PrincipalRequired) as info:
            check(g, "engineering", None)
        assert info.value.rule == "access.require_principal"


class TestAutomations:
    def test_an_automation_without_an_owner_is_refused(self, guard: rai.Guard) -> None:
        """``automation=True`` without an owner is never accepted."""
        with pytest.raises(rai.PrincipalNotAllowed, match="owner"):
            check(guard, "engineering", rai.Principal("bot", automation=True))

    def test_automations_may_be_denied_or_held_to_stricter_roles(self, guard: rai.Guard) -> None:
        """`automations = "deny"` refuses them; `automation_roles` holds them to more roles."""
        bot = rai.Principal("bot", roles=["marketer"], owner="mia")
        with pytest.raises(rai.PrincipalNotAllowed) as info:
            check(guard, "engineering", bot)
        assert info.value.rule == 'access.use_cases["engineering"].automations'
        with pytest.raises(rai.PrincipalNotAllowed) as info:
            check(guard, "marketing.campaign", bot)
        assert info.value.rule == 'access.use_cases["marketing.campaign"].automation_roles'
        sender = rai.Principal("bot", roles=["marketer", "sender"], owner="mia")
        decision = check(guard, "marketing.campaign", sender)
        assert decision.owner is not None and decision.owner.startswith("p:")


class TestTraining:
    def test_a_valid_record_passes(self, guard: rai.Guard) -> None:
        """A completed, unexpired course admits the call."""
        assert check(guard, "marketing.campaign", rai.Principal("mia", roles=["marketer"]))

    @pytest.mark.parametrize(("who", "why"), [("nobody", "no record"), ("old", "expired")])
    def test_a_missing_or_expired_record_refuses_and_names_the_course(
        self, guard: rai.Guard, who: str, why: str
    ) -> None:
        """The refusal names the course and the key that requires it."""
        with pytest.raises(rai.TrainingRequired, match=why) as info:
            check(guard, "marketing.campaign", rai.Principal(who, roles=["marketer"]))
        assert info.value.course == "spam-law-2026"
        assert info.value.rule == 'access.use_cases["marketing.campaign"].training'
        assert isinstance(info.value, rai.PolicyViolation)

    def test_no_source_or_a_failing_source_refuses(
        self, make_governance: Callable[..., rai.Governance]
    ) -> None:
        """Without records, or with a source that raises, the call cannot be decided: refused."""
        mia = rai.Principal("mia", roles=["marketer"])
        g = rai.Guard(make_governance(limits_policy(access=ACCESS)))
        with pytest.raises(rai.TrainingRequired, match="no training records"):
            check(g, "marketing.campaign", mia)

        def broken(principal_id: str, course: str) -> rai.TrainingRecord | None:
            raise OSError("LMS down")

        g = rai.Guard(make_governance(limits_policy(access=ACCESS), training=broken))
        with pytest.raises(rai.TrainingRequired, match="OSError"):
            check(g, "marketing.campaign", mia)

    @pytest.mark.parametrize("suffix", [".csv", ".json"])
    def test_records_from_an_export_file(
        self,
        tmp_path: Path,
        suffix: str,
        make_governance: Callable[..., rai.Governance],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A CSV or JSON export (also named by RAI_TRAINING_FILE) is read; a bad row names its place."""
        done = (NOW - timedelta(days=3)).isoformat()
        file = tmp_path / f"training{suffix}"
        if suffix == ".csv":
            file.write_text(
                f"principal,course,completed_at,expires_at\nmia,spam-law-2026,{done},\n"
            )
        else:
            file.write_text(
                f'[{{"principal": "mia", "course": "spam-law-2026", "completed_at": "{done}"}}]'
            )
        monkeypatch.setenv("RAI_TRAINING_FILE", str(file))
        g = rai.Guard(make_governance(limits_policy(access=ACCESS)))
        assert check(g, "marketing.campaign", rai.Principal("mia", roles=["marketer"]))
        bad = tmp_path / "bad.csv"
        bad.write_text("principal,course,completed_at\nmia,,2026-01-01\n")
        with pytest.raises(rai.ConfigurationError, match=r"bad\.csv:2: no course"):
            rai.TrainingRecords.from_file(bad)
