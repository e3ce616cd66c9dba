"""Custom detectors from the policy: regex, context, validator, linear time."""

from __future__ import annotations

import time

import pytest

import responsible_ai as rai

from ..conftest import base_policy


class TestCustomDetectors:
    def test_from_policy(self) -> None:
        """A policy's regex detector finds its type, and its score rises only beside a context word."""
        data = base_policy()
        data["pii"] = {
            "detectors": [
                {
                    "name": "ACME_MEMBER",
                    "regex": r"\bM-\d{6}\b",
                    "context": ["member"],
                    "score": 0.4,
                }
            ]
        }
        r = rai.Redactor(rai.Policy.from_dict(data).pii)
        assert r.redact("member M-123456").text == "member <ACME_MEMBER_1>"
        assert r.redact("part M-123456").text == "part M-123456"  # 0.4 without context

    def test_validator(self) -> None:
        """A custom detector's validator decides: a Luhn-invalid loyalty card is left as it is."""
        data = base_policy()
        data["pii"] = {
            "detectors": [{"name": "LOYALTY_CARD", "regex": r"\bL\d{16}\b", "validator": "luhn"}]
        }
        r = rai.Redactor(rai.Policy.from_dict(data).pii)
        assert r.redact("L4111111111111111").text == "<LOYALTY_CARD_1>"
        assert r.redact("L4111111111111112").text == "L4111111111111112"

    @pytest.mark.parametrize("regex", [r"(a+)+(?=b)", r"(\w+)\1", r"(?<=x)y"])
    def test_backtracking_features_refused_at_load(self, regex: str) -> None:
        """Look-around and back-references cannot run in linear time: refused, with the reason."""
        data = base_policy()
        data["pii"] = {"detectors": [{"name": "BAD", "regex": regex}]}
        with pytest.raises(rai.PolicyError) as info:
            rai.Policy.from_dict(data)
        assert (
            "pii.detectors[0].regex: expected a regular expression that RE2 can run in linear time"
            in str(info.value)
        )

    def test_nested_quantifiers_run_linear(self) -> None:
        """A classic catastrophic pattern runs under RE2 in linear time on hostile input."""
        data = base_policy()
        data["pii"] = {"detectors": [{"name": "EVIL", "regex": r"(a+)+$"}]}
        r = rai.Redactor(rai.Policy.from_dict(data).pii)
        t0 = time.thread_time()
        r.redact("a" * 1_000_000 + "!")
        assert time.thread_time() - t0 < 5
