"""Signing keys: HMAC and Ed25519 signers, the keyring's one key per kid, rotation, and
keys read from the environment."""

from __future__ import annotations

import base64
import hmac
import secrets

import pytest

import responsible_ai as rai
from responsible_ai._provenance import canonical_json

from .conftest import ED, HMAC, MK

pytestmark = pytest.mark.http


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class TestKeys:
    def test_rotation(self, policy: rai.Policy) -> None:
        """Old stamps verify with the old key while a new one signs; dropping the key fails them."""
        old, new = rai.HmacSigner(b"o" * 32, "k-2025"), rai.HmacSigner(b"n" * 32, "k-2026")
        with rai.Guard(policy, signer=old) as g1, rai.Guard(policy, signer=new) as g2:
            a, b = g1.chat("a", **MK), g2.chat("b", **MK)
        both = rai.Keyring([old, new])
        assert (
            rai.verify(a, keyring=both).kid == "k-2025"
            and rai.verify(b, keyring=both).kid == "k-2026"
        )
        with pytest.raises(rai.ProvenanceInvalid, match="unknown_kid"):
            rai.verify(a, keyring=rai.Keyring([new]))

    def test_from_env(self, policy: rai.Policy, monkeypatch: pytest.MonkeyPatch) -> None:
        """RAI_SIGNING_KEY signs; RAI_VERIFY_KEYS (public Ed25519 keys too) verifies."""
        monkeypatch.setenv("RAI_SIGNING_KEY", f"hmac:env-1:{b64url(b's' * 32)}")
        with rai.Guard(policy) as guard:
            resp = guard.chat("hi", **MK)
        assert resp.provenance.signature.kid == "env-1"  # type: ignore[union-attr]
        monkeypatch.setenv("RAI_VERIFY_KEYS", f"ed25519:ed-2026-11:{b64url(ED.public_bytes())}")
        ring = rai.keyring_from_env()
        assert "env-1" in ring and "ed-2026-11" in ring
        assert rai.verify(resp).kid == "env-1"  # keyring from the environment by default

    def test_bad_specs(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """An unknown key kind and a short HMAC key are refused; a signer's repr hides its key."""
        monkeypatch.setenv("RAI_SIGNING_KEY", "rsa:x:AAAA")
        with pytest.raises(rai.ConfigurationError, match="unknown key kind"):
            rai.signer_from_env()
        with pytest.raises(rai.ConfigurationError, match="at least 32 bytes"):
            rai.HmacSigner(b"short", "k")
        assert "k" * 32 not in repr(HMAC)


class TestKeyring:
    def test_a_keyring_has_one_key_per_kid(self) -> None:
        """Two different keys under one kid are refused; the same key twice is one key."""
        with pytest.raises(rai.ConfigurationError, match="one key per kid"):
            rai.Keyring([HMAC, rai.HmacSigner(secrets.token_bytes(32), HMAC.kid)])
        ed = rai.Ed25519Signer.generate("ed-1")
        with pytest.raises(rai.ConfigurationError):
            rai.Keyring([ed, ed.verifier()])
        rai.Keyring([HMAC, HMAC])  # the same key twice is one key

    def test_environment_keys_cannot_share_a_kid(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The signing key and a verifying key of the environment under one kid are refused."""

        def spec(kid: str) -> str:
            return f"hmac:{kid}:{b64url(secrets.token_bytes(32))}"

        monkeypatch.setenv("RAI_SIGNING_KEY", spec("k"))
        monkeypatch.setenv("RAI_VERIFY_KEYS", spec("k"))
        with pytest.raises(rai.ConfigurationError, match="one key per kid"):
            rai.keyring_from_env()
        monkeypatch.setenv("RAI_VERIFY_KEYS", spec(HMAC.kid))
        monkeypatch.delenv("RAI_SIGNING_KEY")
        ring = rai.Keyring([rai.HmacSigner(secrets.token_bytes(32), HMAC.kid)])
        with pytest.raises(rai.ConfigurationError, match="one key per kid"):
            ring.add_signer(HMAC)
        ring = rai.Keyring([HMAC])
        ring.add_signer(HMAC)  # the same key: nothing to add


@pytest.mark.parametrize("key_length", [32, 64, 65, 200])
def test_hmac_signer_is_rfc_2104(key_length: int) -> None:
    """The signer gives the standard library's HMAC-SHA256 bytes for keys up to and past a block."""
    key = bytes(range(256))[:key_length]
    signer = rai.HmacSigner(key, "k")
    for data in (
        b"",
        b"x" * 63,
        b"y" * 64,
        canonical_json({"a": "é", "b": [1, None]}),
        b"z" * 5000,
    ):
        assert signer.sign(data) == hmac.digest(key, data, "sha256")
        assert signer.verify(data, hmac.digest(key, data, "sha256"))
