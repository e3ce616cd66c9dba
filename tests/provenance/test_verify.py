"""Verification: any change to a stamp or its text is found, and names the check it failed."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

import responsible_ai as rai

from .conftest import ED, HMAC, MK, RING, forged_approval, tamper

pytestmark = pytest.mark.http


class TestTamper:
    @pytest.fixture
    def stamped(self, signed_guard: rai.Guard) -> rai.ChatResponse:
        return signed_guard.chat("Write a tagline", **MK)

    def test_one_changed_character(self, stamped: rai.ChatResponse) -> None:
        """One changed character of the text fails the `output_hash` check."""
        text = stamped.text
        changed = text[:10] + ("X" if text[10] != "X" else "Y") + text[11:]
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.verify(changed, stamped.provenance, keyring=RING)
        assert info.value.check == "output_hash"

    @pytest.mark.parametrize(
        "change",
        [
            {"provider": "other"}, {"served_model": "gpt-5"}, {"use_case": "legal.contract"},
            {"policy__version": "9.9"}, {"policy__sha256": "0" * 64}, {"created_at": "2020-01-01T00:00:00.000000Z"},
            {"redactions": {"PERSON": 1}}, {"review__status": "approved"}, {"requires_review": False},
            {"disclosure": "nothing to see"}, {"output_sha256": "0" * 64}, {"prompt_sha256": "0" * 64},
            {"trace_id": "f" * 32}, {"digital_source_type": "http://example/human"},
        ],
        ids=lambda c: next(iter(c)),
    )  # fmt: skip
    def test_any_changed_field(self, stamped: rai.ChatResponse, change: dict[str, Any]) -> None:
        """Any changed field of the stamp fails verification."""
        forged = tamper(stamped.provenance, **change)  # type: ignore[arg-type]
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.verify(stamped.text, forged, keyring=RING)
        assert info.value.check in ("signature", "output_hash")

    def test_swapped_signature(self, signed_guard: rai.Guard, stamped: rai.ChatResponse) -> None:
        """Another stamp's signature does not hold for this stamp."""
        other = signed_guard.chat("another prompt", **MK).provenance
        forged = tamper(stamped.provenance, signature__value=other.signature.value)  # type: ignore[arg-type, union-attr]
        with pytest.raises(rai.ProvenanceInvalid, match="signature"):
            rai.verify(stamped.text, forged, keyring=RING)

    def test_unknown_kid(self, stamped: rai.ChatResponse) -> None:
        """A stamp signed by a kid the keyring lacks fails `unknown_kid`."""
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.verify(stamped, keyring=rai.Keyring([ED.verifier()]))
        assert info.value.check == "unknown_kid"

    def test_other_key_same_kid(self, stamped: rai.ChatResponse) -> None:
        """A different key under the stamp's kid fails the `signature` check."""
        impostor = rai.HmacSigner(b"i" * 32, kid="hmac-2026-11")
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.verify(stamped, keyring=rai.Keyring([impostor]))
        assert info.value.check == "signature"

    def test_replayed_on_other_text(
        self, signed_guard: rai.Guard, stamped: rai.ChatResponse
    ) -> None:
        """A valid stamp replayed on another answer's text fails `output_hash`."""
        other = signed_guard.chat("something else entirely", **MK)
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.verify(other.text, stamped.provenance, keyring=RING)
        assert info.value.check == "output_hash"

    def test_alg_confusion(self, stamped: rai.ChatResponse) -> None:
        """A stamp that names another algorithm than its key's fails the `signature` check."""
        forged = tamper(stamped.provenance, signature__alg="Ed25519")  # type: ignore[arg-type]
        with pytest.raises(rai.ProvenanceInvalid, match="signature"):
            rai.verify(
                stamped.text,
                forged,
                keyring=rai.Keyring([rai.Ed25519Verifier(ED.public_bytes(), "hmac-2026-11")]),
            )

    def test_broken_review_chain(self, stamped: rai.ChatResponse) -> None:
        """A chain missing a link, or a stamp naming a wrong predecessor, fails verification."""
        first = rai.review(
            stamped,
            reviewer="alice",
            decision="edited",
            edited_text="A better line.",
            signer=HMAC,
            keyring=RING,
        )
        second = rai.review(first, reviewer="bob", decision="approved", signer=HMAC, keyring=RING)
        rai.verify("A better line.", second, keyring=RING, chain=[stamped.provenance, first])  # type: ignore[list-item]
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.verify("A better line.", second, keyring=RING, chain=[stamped.provenance])  # type: ignore[list-item]
        assert info.value.check == "chain"
        forged = tamper(second, previous_sha256="0" * 64)
        with pytest.raises(rai.ProvenanceInvalid):
            rai.verify("A better line.", forged, keyring=RING)

    @pytest.mark.parametrize("junk", ["!", "=", " ", "\n", "*"])
    def test_a_signature_has_one_encoding(self, stamped: rai.ChatResponse, junk: str) -> None:
        """A signature with a character added that decoders might skip fails `signature`."""
        assert stamped.provenance is not None
        value = stamped.provenance.signature.value or ""
        data = stamped.provenance.model_dump(mode="json")
        data["signature"]["value"] = value[:10] + junk + value[10:]
        bad = rai.Provenance.model_validate(data)
        with pytest.raises(rai.ProvenanceInvalid, match="signature"):
            rai.verify(stamped.text, bad, keyring=RING)
        rai.verify(stamped, keyring=RING)

    def test_a_provenance_subclass_cannot_say_what_is_signed(
        self, stamped: rai.ChatResponse
    ) -> None:
        """A `Provenance` subclass that lies about its signed bytes is checked as a plain stamp."""
        original = stamped.provenance
        assert original is not None

        class Lying(rai.Provenance):
            def signing_input(self) -> bytes:
                return original.signing_input()

        forged = Lying.model_validate(forged_approval(original).model_dump(mode="json"))
        with pytest.raises(rai.ProvenanceInvalid, match="signature"):
            rai.require_reviewed(rai.AIText(stamped.text, forged), keyring=RING)


def test_the_whole_chain_is_verified(signed_guard: rai.Guard) -> None:
    """Every stamp of a chain is verified, not only the last: an earlier one by an unknown key fails."""
    resp = signed_guard.chat("Draft", **MK)
    assert resp.provenance is not None
    first = signed_guard.review(resp, reviewer="alice", decision="edited", edited_text="Ours.")
    second = signed_guard.review(rai.AIText("Ours.", first), reviewer="bob", decision="approved")
    signed_guard.require_reviewed(rai.AIText("Ours.", second), chain=[resp.provenance, first])
    other = rai.HmacSigner(secrets.token_bytes(32), "rogue")
    rogue_first = rai.review(resp, reviewer="x", decision="edited", edited_text="Ours.",
                             signer=other, keyring=RING)  # fmt: skip
    with pytest.raises(rai.ProvenanceInvalid):  # an earlier stamp signed by an unknown key
        rai.verify_chain([resp.provenance, rogue_first], keyring=RING)
