"""Pseudonyms: a keyed hash, stable per key, different per kind, never the identifier."""

from __future__ import annotations

import pytest

import responsible_ai as rai
from responsible_ai._pseudonym import Pseudonymizer


class TestPseudonymizer:
    def test_stable_per_key_and_kind(self) -> None:
        """The same key gives the same pseudonym; another key or kind gives another."""
        a, b = Pseudonymizer(b"k" * 32), Pseudonymizer(b"j" * 32)
        p = a.pseudonym("principal", "jane.roe@bank.example")
        assert p == a.pseudonym("principal", "jane.roe@bank.example")
        assert p != b.pseudonym("principal", "jane.roe@bank.example")
        assert p != a.pseudonym("subject", "jane.roe@bank.example")
        assert p.startswith("p:") and len(p) == 24 and "jane" not in p

    def test_key_from_the_environment(self) -> None:
        """Hex and base64url keys are read; an unreadable one is an error that never quotes it."""
        hexkey = "ab" * 32
        env = Pseudonymizer.from_env({"RAI_PSEUDONYM_KEY": hexkey})
        assert env is not None
        assert env.pseudonym("x", "1") == Pseudonymizer(bytes.fromhex(hexkey)).pseudonym("x", "1")
        assert Pseudonymizer.from_env({}) is None
        with pytest.raises(rai.ConfigurationError) as info:
            Pseudonymizer.from_env({"RAI_PSEUDONYM_KEY": "not a key!"})
        assert "not a key" not in str(info.value)

    def test_short_keys_are_refused(self) -> None:
        """A key under 16 bytes is refused."""
        with pytest.raises(rai.ConfigurationError):
            Pseudonymizer(b"short")
