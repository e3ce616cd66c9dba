"""The operators: mask, hash, encrypt, redact, keep, replace and block."""

from __future__ import annotations

import hashlib

import pytest

import responsible_ai as rai
from responsible_ai._policy import PiiSettings

from ..conftest import base_policy


class TestOperators:
    def redactor(self, **pii: object) -> rai.Redactor:
        return rai.Redactor(PiiSettings.model_validate(pii))

    def test_mask(self) -> None:
        """mask hides the given number of characters from the start."""
        r = self.redactor(operators={"CREDIT_CARD": "mask"}, mask={"chars_to_mask": 15})
        assert r.redact("card 4111 1111 1111 1111").text == "card ***************1111"

    def test_hash_salted_and_stable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A salted hash is stable and is presidio's Hash."""
        monkeypatch.setenv("RAI_TEST_SALT", "a-salt-of-16-bytes-or-more")
        r = self.redactor(operators={"EMAIL_ADDRESS": "hash"}, hash_salt_env="RAI_TEST_SALT")
        one, two = r.redact("jane@roe.example").text, r.redact("jane@roe.example").text
        assert one == two and len(one) == 64 and "jane" not in one
        salt = b"a-salt-of-16-bytes-or-more"  # presidio-anonymizer's Hash gives the same
        assert one == hashlib.sha256(b"jane@roe.example" + salt).hexdigest()

    def test_hash_unsalted_differs_each_time(self) -> None:
        """Without a salt, the same value hashes differently each time."""
        r = self.redactor(operators={"EMAIL_ADDRESS": "hash"})
        assert r.redact("jane@roe.example").text != r.redact("jane@roe.example").text

    def test_short_salt_or_key_refused_at_start(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A salt under 16 bytes or a key that is no AES size is an error when the
        redactor is made, naming the variable, never the secret."""
        monkeypatch.setenv("RAI_TEST_SALT", "short-s3cret")
        with pytest.raises(rai.ConfigurationError, match=r"\$RAI_TEST_SALT .* 16 bytes") as e:
            self.redactor(operators={"EMAIL_ADDRESS": "hash"}, hash_salt_env="RAI_TEST_SALT")
        assert "s3cret" not in str(e.value)
        monkeypatch.setenv("RAI_TEST_KEY", "seventeen-bytes!!")
        with pytest.raises(rai.ConfigurationError, match=r"\$RAI_TEST_KEY .* 16, 24 or 32"):
            self.redactor(operators={"US_SSN": "encrypt"}, encrypt_key_env="RAI_TEST_KEY")

    def test_encrypt_reversible_with_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """encrypt writes what presidio's Decrypt reads back with the key."""
        from presidio_anonymizer.operators import Decrypt

        monkeypatch.setenv("RAI_TEST_KEY", "WmZq4t7w!z%C&F)J")
        r = self.redactor(operators={"US_SSN": "encrypt"}, encrypt_key_env="RAI_TEST_KEY")
        out = r.redact("SSN 536-22-1234").text
        assert "536" not in out
        assert (
            Decrypt().operate(out.removeprefix("SSN "), {"key": "WmZq4t7w!z%C&F)J"})
            == "536-22-1234"
        )

    def test_redact_and_keep(self) -> None:
        """redact removes a value and keep leaves it."""
        r = self.redactor(operators={"EMAIL_ADDRESS": "redact", "URL": "keep"})
        assert (
            r.redact("jane@roe.example at https://acme.example/x").text
            == " at https://acme.example/x"
        )

    def test_replace_not_reversible(self) -> None:
        """With reversible off, a value becomes its type and the session stays empty."""
        r = self.redactor(reversible=False)
        red = r.redact("jane@roe.example")
        assert red.text == "<EMAIL_ADDRESS>" and len(red.session) == 0

    def test_block(self) -> None:
        """`block` refuses, naming entity types and counts, never values."""
        r = self.redactor(operators={"US_SSN": "block", "CREDIT_CARD": "block"})
        with pytest.raises(rai.PIIBlocked) as info:
            r.redact("SSN 536-22-1234, 536-22-1235, card 4111 1111 1111 1111")
        assert info.value.counts == {"CREDIT_CARD": 1, "US_SSN": 2}
        assert "536" not in str(info.value) and "4111" not in str(info.value)
        assert "US_SSN x2" in str(info.value) and info.value.rule == "pii.operators"

    def test_encrypt_needs_key_at_load(self) -> None:
        """A policy that encrypts without naming a key is refused when it loads."""
        data = base_policy()
        data["pii"] = {"operators": {"US_SSN": "encrypt"}}
        with pytest.raises(rai.PolicyError, match=r"pii\.encrypt_key_env"):
            rai.Policy.from_dict(data)
