"""Use-case tags (`_policy._tags`): their form and the one prefix rule everyone uses."""

from __future__ import annotations

from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai import _usecases
from responsible_ai._policy import covers, parents


class TestPrefixRule:
    def test_parents_most_specific_first(self) -> None:
        """``a.b.c`` has the levels ``a.b.c``, ``a.b``, ``a``, most specific first."""
        assert parents("a.b.c") == ["a.b.c", "a.b", "a"]
        assert parents("hr") == ["hr"]

    def test_covers_by_whole_levels(self) -> None:
        """A tag covers itself and the tags below it, not tags that only start alike."""
        assert covers("hr", "hr")
        assert covers("hr", "hr.onboarding.day1")
        assert not covers("hr", "hrx")
        assert not covers("hr.onboarding", "hr")

    def test_use_cases_and_consent_share_the_rule(self) -> None:
        """`_usecases.parents` is the policy's rule, and a consent's scope covers by it."""
        assert _usecases.parents is parents
        consent = rai.Consent(subject="u-1", scope="client.support")
        for tag in ("client.support", "client.support.vip", "client.supporter", "client"):
            assert consent.covers(tag) is covers("client.support", tag)


class TestTagForm:
    def test_use_case_tags_match_exactly(self, make_policy: Any) -> None:
        """A tag with surrounding whitespace or a newline is refused, and not quoted."""
        guard = rai.Guard(make_policy())
        for tag in ("hr.performance_review\n", " hr.performance_review", "hr.performance_review "):
            with pytest.raises(rai.ConfigurationError) as info:
                guard.check(use_case=tag, provider="openai-prod", model="gpt-4o-mini")
            assert repr(tag) not in str(info.value)
        with pytest.raises(rai.UseCaseBlocked):
            guard.check(
                use_case="hr.performance_review", provider="openai-prod", model="gpt-4o-mini"
            )
