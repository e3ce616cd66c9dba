"""No publish-side gate accepts what it cannot verify (issue 13)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

import responsible_ai as rai

MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}
HMAC = rai.HmacSigner(secrets.token_bytes(32), "org-2026")
RING = rai.Keyring([HMAC])


@pytest.fixture
def signed(policy: rai.Policy) -> Iterator[rai.Guard]:
    with rai.Guard(policy, signer=HMAC) as guard:
        yield guard


def _forged_approval(stamp: rai.Provenance, **sig: str | None) -> rai.Provenance:
    data = stamp.model_dump(mode="json")
    data["review"] = {"status": "approved", "reviewer": "mallory", "at": None, "note": None}
    data["signature"] = {**data["signature"], **sig}
    return rai.Provenance.model_validate(data)


def test_require_reviewed_verifies_by_default(
    signed: rai.Guard, monkeypatch: pytest.MonkeyPatch
) -> None:
    resp = signed.chat("Draft", **MK)
    assert resp.provenance is not None
    unsigned = _forged_approval(resp.provenance, alg="none", kid=None, value=None)
    edited = _forged_approval(resp.provenance)  # the old signature, over other fields
    monkeypatch.setenv("RAI_VERIFY_KEYS", "hmac:other:" + "A" * 43)
    for forged in (unsigned, edited):
        for output in (rai.AIText(resp.text, forged), forged):  # with its text, or alone
            with pytest.raises(rai.ProvenanceInvalid):
                rai.require_reviewed(output)
            with pytest.raises(rai.ProvenanceInvalid):
                rai.require_reviewed(output, keyring=RING)
            with pytest.raises(rai.ProvenanceInvalid):
                signed.require_reviewed(output)
    with pytest.raises(rai.ProvenanceInvalid, match="unknown_kid"):
        rai.require_reviewed(resp)  # signed, but by a key the environment does not know
    with pytest.raises(rai.UnreviewedContent):
        signed.require_reviewed(resp)  # verified, and not reviewed yet


def test_the_text_is_bound(signed: rai.Guard) -> None:
    resp = signed.chat("Draft", **MK)
    approved = signed.review(resp, reviewer="alice", decision="approved")
    assert signed.require_reviewed(rai.AIText(resp.text, approved)) is approved
    with pytest.raises(rai.ProvenanceInvalid, match="output_hash"):
        signed.require_reviewed(rai.AIText("Another text entirely.", approved))


def test_unsigned_only_when_allowed_by_name(policy: rai.Policy) -> None:
    with rai.Guard(policy, signer=None) as guard:
        resp = guard.chat("Draft", **MK)
    with pytest.raises(rai.ProvenanceInvalid, match="unsigned"):
        rai.require_reviewed(resp)
    with pytest.raises(rai.ProvenanceInvalid, match="unsigned"):
        rai.review(resp, reviewer="alice", decision="approved", signer=HMAC)
    with pytest.raises(rai.ConfigurationError, match="cannot vouch"):
        rai.review(resp, reviewer="alice", decision="approved", signer=HMAC, allow_unsigned=True)
    stamp = rai.review(  # a deployment without keys: unsigned, said by name at each gate
        resp, reviewer="alice", decision="approved", signer=None, allow_unsigned=True
    )
    rai.require_reviewed(rai.AIText(resp.text, stamp), keyring=RING, allow_unsigned=True)


def test_review_verifies_what_it_chains_onto(signed: rai.Guard) -> None:
    resp = signed.chat("Draft", **MK)
    assert resp.provenance is not None
    forged = _forged_approval(resp.provenance)
    with pytest.raises(rai.ProvenanceInvalid):
        signed.review(forged, reviewer="alice", decision="approved")
    with pytest.raises(rai.ProvenanceInvalid, match="output_hash"):
        signed.review(rai.AIText("not what was stamped", resp.provenance), reviewer="a",
                      decision="approved")  # fmt: skip
    stamp = signed.review(resp, reviewer="alice", decision="approved")
    assert stamp.signature.kid == HMAC.kid  # signed by the Guard's signer by default


def test_the_whole_chain_is_verified(signed: rai.Guard) -> None:
    resp = signed.chat("Draft", **MK)
    assert resp.provenance is not None
    first = signed.review(resp, reviewer="alice", decision="edited", edited_text="Ours.")
    second = signed.review(rai.AIText("Ours.", first), reviewer="bob", decision="approved")
    signed.require_reviewed(rai.AIText("Ours.", second), chain=[resp.provenance, first])
    other = rai.HmacSigner(secrets.token_bytes(32), "rogue")
    rogue_first = rai.review(resp, reviewer="x", decision="edited", edited_text="Ours.",
                             signer=other, keyring=RING)  # fmt: skip
    with pytest.raises(rai.ProvenanceInvalid):  # an earlier stamp signed by an unknown key
        rai.verify_chain([resp.provenance, rogue_first], keyring=RING)


@pytest.mark.parametrize("junk", ["!", "=", " ", "\n", "*"])
def test_a_signature_has_one_encoding(signed: rai.Guard, junk: str) -> None:
    resp = signed.chat("Draft", **MK)
    assert resp.provenance is not None
    value = resp.provenance.signature.value or ""
    data = resp.provenance.model_dump(mode="json")
    data["signature"]["value"] = value[:10] + junk + value[10:]
    bad = rai.Provenance.model_validate(data)
    with pytest.raises(rai.ProvenanceInvalid, match="signature"):
        rai.verify(resp.text, bad, keyring=RING)
    rai.verify(resp, keyring=RING)


def test_a_keyring_has_one_key_per_kid() -> None:
    with pytest.raises(rai.ConfigurationError, match="one key per kid"):
        rai.Keyring([HMAC, rai.HmacSigner(secrets.token_bytes(32), "org-2026")])
    ed = rai.Ed25519Signer.generate("ed-1")
    with pytest.raises(rai.ConfigurationError):
        rai.Keyring([ed, ed.verifier()])
    rai.Keyring([HMAC, HMAC])  # the same key twice is one key


def test_environment_keys_cannot_share_a_kid(monkeypatch: pytest.MonkeyPatch) -> None:
    import base64

    def spec(kid: str) -> str:
        return f"hmac:{kid}:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip(
            "="
        )

    monkeypatch.setenv("RAI_SIGNING_KEY", spec("k"))
    monkeypatch.setenv("RAI_VERIFY_KEYS", spec("k"))
    with pytest.raises(rai.ConfigurationError, match="one key per kid"):
        rai.keyring_from_env()
    monkeypatch.setenv("RAI_VERIFY_KEYS", spec("org-2026"))
    monkeypatch.delenv("RAI_SIGNING_KEY")
    ring = rai.Keyring([rai.HmacSigner(secrets.token_bytes(32), "org-2026")])
    with pytest.raises(rai.ConfigurationError, match="one key per kid"):
        ring.add_signer(HMAC)
    ring = rai.Keyring([HMAC])
    ring.add_signer(HMAC)  # the same key: nothing to add


def test_a_provenance_subclass_cannot_say_what_is_signed(signed: rai.Guard) -> None:
    resp = signed.chat("Draft", **MK)
    assert resp.provenance is not None
    original = resp.provenance

    class Lying(rai.Provenance):
        def signing_input(self) -> bytes:
            return original.signing_input()

    forged = Lying.model_validate(_forged_approval(original).model_dump(mode="json"))
    with pytest.raises(rai.ProvenanceInvalid, match="signature"):
        rai.require_reviewed(rai.AIText(resp.text, forged), keyring=RING)


def test_stamp_json_with_a_key_given_twice_is_refused(signed: rai.Guard) -> None:
    resp = signed.chat("Draft", **MK)
    assert resp.provenance is not None
    text = resp.provenance.to_json()
    doubled = '{"review":{"status":"approved","reviewer":"ceo","at":null,"note":null},' + text[1:]
    with pytest.raises(rai.ProvenanceInvalid, match="schema"):
        rai.Provenance.from_json(doubled)


def test_the_guard_gate_decides_by_its_own_policy(signed: rai.Guard) -> None:
    eng = signed.chat("Draft", use_case="engineering", provider="openai-prod", model="gpt-4o-mini")
    assert eng.provenance is not None and not eng.provenance.requires_review
    signed.require_reviewed(eng)  # engineering needs no review
    with pytest.raises(rai.UnreviewedContent, match="another use case"):
        signed.require_reviewed(eng, use_case="marketing")  # not made for this publish point
    data = eng.provenance.model_dump(mode="json")
    data["use_case"] = "marketing.copy"
    old = rai.Provenance.model_validate(data)  # as if made when marketing needed no review
    fields = old.model_dump(mode="json")
    del fields["signature"]
    from responsible_ai._provenance import sign_stamp

    resigned = sign_stamp(fields, HMAC)  # validly signed, with requires_review false
    with pytest.raises(rai.UnreviewedContent, match="requires human review"):
        signed.require_reviewed(rai.AIText(eng.text, resigned))
