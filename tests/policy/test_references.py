"""The checks across sections (`_policy._references`): names, fallbacks, entities, loosening."""

from __future__ import annotations

from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai._policy._references import (
    check_references,
    duplicate_names,
    entities_and_operators,
    fallbacks,
    loosening,
)

from ..conftest import base_policy
from .conftest import changed, error_of, issues_of


class TestProviderNames:
    def test_references(self) -> None:
        """Names used in fallbacks and allowed_providers must be providers of the policy."""
        data = base_policy()
        data["providers"][0]["fallback"] = {"provider": "nope"}
        data["providers"][1]["name"] = "openai-prod"
        data["use_cases"]["rules"]["client.support"]["allowed_providers"] = ["ghost"]
        issues = issues_of(data)
        assert (
            "providers[1].name: duplicate provider name 'openai-prod' (first at providers[0])"
            in issues
        )
        assert (
            "providers[0].fallback.provider: expected the name of a provider in this policy, got 'nope'"
            in issues
        )
        assert any(
            i.startswith('use_cases.rules["client.support"].allowed_providers[0]') for i in issues
        )

    def test_a_provider_cannot_fall_back_to_itself(self) -> None:
        """A fallback to the provider itself is refused."""
        data = base_policy()
        data["providers"][0]["fallback"] = {"provider": "openai-prod"}
        assert issues_of(data) == [
            "providers[0].fallback.provider: a provider cannot fall back to itself"
        ]


class TestEntitiesAndOperators:
    @pytest.mark.parametrize(
        "changes",
        [
            {"pii": {"entities": ["EMAIL"]}},  # a typo turned every built-in detector off
            {"pii": {"operators": {"CREDIT_CARDS": "block"}}},  # an operator that blocks nothing
            {"use_cases__rules__hr__pii": {"operators": {"SSN": "block"}}},
        ],
    )
    def test_unknown_entity_names_are_errors_listing_the_valid_ones(
        self, changes: dict[str, Any]
    ) -> None:
        """An unknown entity type is an error that lists the known ones."""
        message = error_of(changed(**changes))
        assert "unknown entity type" in message
        assert "EMAIL_ADDRESS" in message and "CREDIT_CARD" in message

    def test_named_extra_entities_and_custom_detectors_are_known(self) -> None:
        """Entity types of custom detectors and of `pii.extra_entities` may be named."""
        policy = rai.Policy.from_dict(changed(pii={
            "entities": ["EMAIL_ADDRESS", "MEMBER_ID"],
            "operators": {"MEMBER_ID": "block", "PERSON": "replace", "BADGE": "mask"},
            "extra_entities": ["BADGE"],
            "detectors": [{"name": "MEMBER_ID", "regex": r"M-\d{6}"}],
        }))  # fmt: skip
        assert policy.pii.operators["BADGE"] == "mask"

    def test_encrypt_needs_its_key_named(self) -> None:
        """The encrypt operator, used anywhere, needs `pii.encrypt_key_env`."""
        data = changed(use_cases__rules__hr__pii={"default_operator": "encrypt"})
        assert "pii.encrypt_key_env: expected the name of an environment variable" in error_of(data)
        data["pii"] = {"encrypt_key_env": "RAI_TEST_AES_KEY"}
        rai.Policy.from_dict(data)


class TestLoosening:
    def test_child_cannot_loosen_parent(self) -> None:
        """A tag's rules cannot loosen its parent's (data class, providers)."""
        data = base_policy()
        data["use_cases"]["rules"]["hr.onboarding"] = {"max_data_class": "confidential"}
        data["use_cases"]["rules"]["client.support.vip"] = {"allowed_providers": ["anthropic-prod"]}
        issues = issues_of(data)
        assert any(
            i.startswith('use_cases.rules["hr.onboarding"].max_data_class: expected at most')
            for i in issues
        )
        assert any(
            i.startswith(
                'use_cases.rules["client.support.vip"].allowed_providers: expected a subset'
            )
            for i in issues
        )

    def test_a_grandparent_counts_and_a_name_prefix_does_not(self) -> None:
        """Every tag above counts (``a`` for ``a.b.c``); a tag that only starts alike (``ab``) does not."""
        data = base_policy()
        data["use_cases"]["rules"]["a"] = {"max_data_class": "public"}
        data["use_cases"]["rules"]["a.b.c"] = {"max_data_class": "internal"}
        data["use_cases"]["rules"]["ab"] = {"max_data_class": "restricted"}
        assert [i.split(":")[0] for i in issues_of(data)] == [
            'use_cases.rules["a.b.c"].max_data_class'
        ]


class TestTheFourChecks:
    def test_each_check_finds_its_own_problems_in_order(self) -> None:
        """Each named check reports only its kind; `check_references` runs them in order."""
        data = base_policy()
        data["providers"][1]["name"] = "openai-prod"
        data["providers"][2]["fallback"] = {"provider": "ghost"}
        data["pii"] = {"operators": {"NOPE": "block"}}
        data["use_cases"]["rules"]["hr.onboarding"] = {"max_data_class": "confidential"}
        policy = rai.Policy.model_validate(data)  # the schema only: no cross-checks yet
        providers, pii, rules = policy.providers, policy.pii, policy.use_cases.rules
        found = [
            [i.path for i in duplicate_names(providers)],
            [i.path for i in fallbacks(providers)],
            [i.path for i in entities_and_operators(pii, rules)],
            [i.path for i in loosening(rules, providers)],
        ]
        assert found == [
            ["providers[1].name"],
            ["providers[2].fallback.provider"],
            ['pii.operators["NOPE"]'],
            ['use_cases.rules["hr.onboarding"].max_data_class'],
        ]
        every = check_references(providers, pii, policy.use_cases)
        assert [i.path for i in every] == [path for paths in found for path in paths]
