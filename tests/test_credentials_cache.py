"""What the verifier keeps between verifications: per signer chain (its exact DER bytes),
the parsed certificates, the profile check and each certificate's signature by its
issuer. Everything else — the claim signature, every hashed URI, the binding, validity
at this time, trust — is checked at every call; nothing is kept per text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

import responsible_ai as rai
from responsible_ai._credentials import _verify, _wrapper, forget_signers, verify_text
from responsible_ai._credentials._keys import profile_problem
from responsible_ai.testing import CredentialsPKI


@pytest.fixture
def pki() -> CredentialsPKI:
    return CredentialsPKI.make("ec", days=1)


@pytest.fixture
def creds(pki: CredentialsPKI) -> rai.Credentials:
    return rai.Credentials(rai.CredentialSigner.of(pki.key, [pki.leaf, pki.root]))


def test_a_chain_is_checked_once_per_signer(
    creds: rai.Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three texts of one signer: the chain's profile and links are checked once; after
    `forget_signers` they are checked again."""
    checks: list[int] = []

    def counted(chain: Sequence[x509.Certificate]) -> str | None:
        checks.append(1)
        return profile_problem(chain)

    monkeypatch.setattr(_verify, "profile_problem", counted)
    forget_signers()
    for i in range(3):
        assert rai.verify_credentials(creds.mark(f"text {i}").text).state == "VALID"
    assert len(checks) == 1
    forget_signers()
    assert rai.verify_credentials(creds.mark("text 3").text).state == "VALID"
    assert len(checks) == 2


def test_a_known_chain_does_not_spare_the_claim_signature(creds: rai.Credentials) -> None:
    marked = creds.mark("a statement")
    assert rai.verify_credentials(marked.text).state == "VALID"  # the chain is now known
    store = bytearray(marked.store)
    store[-10] ^= 0x01  # inside the COSE signature (the store ends with it)
    verdict = rai.verify_credentials(marked.visible + _wrapper.encode(bytes(store)))
    assert (verdict.state, verdict.code) == ("INVALID", "claimSignature.mismatch")


def test_validity_is_judged_at_each_call(creds: rai.Credentials) -> None:
    marked = creds.mark("a statement")
    assert verify_text(marked.text).state == "VALID"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    assert verify_text(marked.text, now=later).code == "signingCredential.expired"
    assert verify_text(marked.text).state == "VALID"


def test_trust_is_judged_at_each_call(pki: CredentialsPKI, creds: rai.Credentials) -> None:
    marked = creds.mark("a statement")
    assert rai.verify_credentials(marked.text, trust=[pki.root]).state == "TRUSTED"
    other = CredentialsPKI.make("ec")
    verdict = rai.verify_credentials(marked.text, trust=[other.root])
    assert verdict.state == "VALID"
    assert "signingCredential.untrusted" in verdict.notes


def test_another_chain_is_checked_not_taken_from_the_cache(
    pki: CredentialsPKI, creds: rai.Credentials
) -> None:
    """The same leaf under a root that did not issue it: a different chain (its bytes
    differ), checked in full although the leaf's real chain is known."""
    assert rai.verify_credentials(creds.mark("a statement").text).state == "VALID"
    other = CredentialsPKI.make("ec")
    signer = rai.CredentialSigner.of(pki.key, [pki.leaf, pki.root])
    object.__setattr__(
        signer, "x5chain", tuple(c.public_bytes(Encoding.DER) for c in (pki.leaf, other.root))
    )
    verdict = rai.verify_credentials(rai.Credentials(signer).mark("another").text)
    assert (verdict.state, verdict.code) == ("INVALID", "signingCredential.invalid")
    assert verdict.reason is not None and "not in order" in verdict.reason


def test_a_root_outside_the_chain_is_checked_per_pair(pki: CredentialsPKI) -> None:
    """A chain without its root, the root given as the anchor: TRUSTED at every call
    (the link to the anchor kept per pair of certificates), never for another anchor,
    nor for an anchor that is not a CA."""
    creds = rai.Credentials(rai.CredentialSigner.of(pki.key, [pki.leaf]))
    text = creds.mark("a statement").text
    other = CredentialsPKI.make("ec")
    for _ in range(2):
        assert rai.verify_credentials(text, trust=[pki.root]).state == "TRUSTED"
        assert rai.verify_credentials(text, trust=[other.root]).state == "VALID"
        assert rai.verify_credentials(text, trust=[other.leaf]).state == "VALID"
        assert rai.verify_credentials(text, trust=[other.root, pki.root]).state == "TRUSTED"
