"""Policy errors as people read them (`_policy._issues`): key paths, expectations, one pass."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import responsible_ai as rai
from responsible_ai._policy._issues import MAX_ISSUES, capped

from ..conftest import base_policy
from .conftest import changed, error_of, issues_of


class TestKeyPaths:
    def test_key_paths_and_expectations(self) -> None:
        """Each issue names the key path (providers[1].models) and what was expected."""
        data = base_policy()
        data["providers"][1]["models"] = "claude"
        data["providers"][2]["kind"] = "gemini"
        issues = issues_of(data)
        assert "providers[1].models: expected a valid list, got 'claude'" in issues
        assert "providers[2].kind: expected 'openai' or 'anthropic', got 'gemini'" in issues

    def test_unknown_keys_rejected(self) -> None:
        """Unknown keys are refused, with the keys that are allowed there."""
        data = base_policy()
        data["providers"][0]["api_key"] = "sk-should-not-be-here"
        data["use_cases"]["rules"]["hr"]["blocked_for"] = ["x"]
        issues = issues_of(data)
        assert any(
            i.startswith("providers[0].api_key: unknown key (expected one of: name, kind")
            for i in issues
        )
        assert any(i.startswith('use_cases.rules["hr"].blocked_for: unknown key') for i in issues)
        assert not any("sk-should-not-be-here" in i for i in issues)

    def test_missing_required(self) -> None:
        """A missing required key is named by its path."""
        data = base_policy()
        del data["policy"]["version"]
        del data["providers"][0]["tier"]
        assert set(issues_of(data)) >= {
            "policy.version: required key is missing",
            "providers[0].tier: required key is missing",
        }

    def test_bad_tag(self) -> None:
        """Use-case tags are lowercase dotted names."""
        data = base_policy()
        data["use_cases"]["blocked"].append("HR Reviews")
        data["use_cases"]["rules"]["Marketing"] = {}
        issues = issues_of(data)
        assert any(i.startswith("use_cases.blocked[3]: expected") for i in issues)
        assert any(
            'use_cases.rules["Marketing"] (key)' in i and "lowercase dotted" in i for i in issues
        )


class TestBounds:
    def test_error_messages_are_bounded(self) -> None:
        """Huge values are quoted short and many problems are counted, not listed."""
        data = changed(providers__0__models=["x" * 100_000] * 1000 + [123])
        data["use_cases"]["rules"] = {f"bad tag {i}": {} for i in range(500)}
        message = error_of(data)
        assert len(message) < 6000 and "more problems" in message

    def test_issues_are_capped(self) -> None:
        """At most `MAX_ISSUES` issues are listed, then one that counts the rest."""
        issues = [rai.PolicyIssue(f"k{i}", "expected x") for i in range(MAX_ISSUES + 5)]
        assert capped(issues[:MAX_ISSUES]) == issues[:MAX_ISSUES]
        shown = [str(i) for i in capped(issues)]
        assert shown == [*map(str, issues[:MAX_ISSUES]), "... and 5 more problems"]


class TestOnePass:
    def test_every_problem_in_one_pass(self, tmp_path: Path) -> None:
        """Schema errors, broken references and loosened rules are named together (the
        references were checked only once the schema errors were fixed)."""
        bad = tmp_path / "p.toml"
        bad.write_text(
            '[policy]\nid = "t"\nversion = "1"\nallow_free_tiers = "no"\n\n'
            '[[providers]]\nname = "a"\nkind = "openai"\nbase_url = "https://api.openai.com/v1"\n'
            'models = ["gpt-4o-mini"]\ntier = "gold"\nfallback = { provider = "nowhere" }\n\n'
            '[use_cases.rules."marketing.copy"]\nmax_data_class = "confidential"\n'
            '[use_cases.rules."marketing.copy.social"]\nmax_data_class = "restricted"\n'
        )
        with pytest.raises(rai.PolicyError) as info:
            rai.load_policy(bad)
        paths = [i.path for i in info.value.issues]
        assert paths == [
            "policy.allow_free_tiers",
            "providers[0].tier",
            "providers[0].fallback.provider",
            'use_cases.rules["marketing.copy.social"].max_data_class',
        ]

    def test_one_pass_stays_linear_and_total(self) -> None:
        """Thousands of broken entries load in well under a second per thousand (the
        second look's filter was quadratic); a value the copy cannot write is a PolicyError."""
        bad = {"policy": {"id": "t", "version": "1"},
               "providers": [{"name": "p", "kind": "bad", "fallback": {"provider": "p"}}] * 3000}  # fmt: skip
        t0 = time.thread_time()
        with pytest.raises(rai.PolicyError):
            rai.Policy.from_dict(bad)
        assert time.thread_time() - t0 < 20  # was about 30 s; now well under one
        with pytest.raises(rai.PolicyError):
            rai.Policy.from_dict({"policy": {"id": "t", "version": "1"}, "zzz": 10**5000})
