"""The human review and the publish gate: a review is a new signed stamp chained to the one
it judges, and no gate accepts what it cannot verify."""

from __future__ import annotations

import json
import logging

import pytest

import responsible_ai as rai
from responsible_ai._provenance import sign_stamp

from .conftest import ED, HMAC, MK, RING, forged_approval

pytestmark = pytest.mark.http


class TestReview:
    def test_approve_chain_and_audit(
        self, signed_guard: rai.Guard, caplog: pytest.LogCaptureFixture
    ) -> None:
        """An approval chains to the stamp it approves, verifies with it and is audited."""
        caplog.set_level(logging.INFO, logger="responsible_ai.audit")
        resp = signed_guard.chat("Draft", **MK)
        assert resp.provenance is not None
        with pytest.raises(rai.UnreviewedContent) as info:
            rai.require_reviewed(resp, keyring=RING)
        assert info.value.status == "unreviewed" and "requires human review" in str(info.value)
        approved = rai.review(
            resp, reviewer="alice@acme", decision="approved", note="ok", signer=HMAC, keyring=RING
        )
        assert approved.previous_sha256 == resp.provenance.digest()
        assert approved.review.status == "approved" and approved.review.reviewer == "alice@acme"
        check = rai.verify(resp.text, approved, keyring=RING, chain=[resp.provenance])
        assert check.provenance_id == approved.id and check.review_status == "approved"
        assert check.checks == ("schema", "signature", "output_hash", "chain")
        assert rai.require_reviewed(approved, keyring=RING) is approved
        assert rai.require_reviewed(rai.AIText(resp.text, approved), keyring=RING) is approved
        events = [
            json.loads(r.getMessage()) for r in caplog.records if r.name == "responsible_ai.audit"
        ]
        assert events[-1]["event"] == "review" and events[-1]["decision"] == "approved"
        assert events[-1]["provenance_id"] == approved.id

    def test_edit(self, signed_guard: rai.Guard) -> None:
        """An edit's stamp covers the edited text, as composite AI media, and not the original."""
        resp = signed_guard.chat("Draft", **MK)
        edited = rai.review(
            resp,
            reviewer="bob",
            decision="edited",
            edited_text="Our words now.",
            signer=ED,
            keyring=RING,
        )
        assert edited.digital_source_type.endswith("compositeWithTrainedAlgorithmicMedia")
        assert rai.verify("Our words now.", edited, keyring=RING).alg == "Ed25519"
        with pytest.raises(rai.ProvenanceInvalid):
            rai.verify(resp.text, edited, keyring=RING)
        rai.require_reviewed(edited, keyring=RING)

    def test_reject(self, signed_guard: rai.Guard) -> None:
        """A rejected output is refused at the gate, even where review is not required."""
        resp = signed_guard.chat(
            "Draft", use_case="engineering", provider="openai-prod", model="gpt-4o-mini"
        )
        assert not resp.provenance.requires_review  # type: ignore[union-attr]
        rai.require_reviewed(resp, keyring=RING)  # no review needed for this use case
        rejected = rai.review(
            resp, reviewer="carol", decision="rejected", signer=HMAC, keyring=RING
        )
        with pytest.raises(rai.UnreviewedContent, match="rejected"):
            rai.require_reviewed(rejected, keyring=RING)

    def test_bad_review_calls(self, signed_guard: rai.Guard) -> None:
        """An edit without its text, no reviewer, or an output with no stamp are refused."""
        resp = signed_guard.chat("Draft", **MK)
        with pytest.raises(rai.ConfigurationError):
            rai.review(resp, reviewer="x", decision="edited")
        with pytest.raises(rai.ConfigurationError):
            rai.review(resp, reviewer="", decision="approved")
        with pytest.raises(rai.ConfigurationError):
            rai.review("plain text", reviewer="x", decision="approved")
        with pytest.raises(rai.UnreviewedContent):
            rai.require_reviewed("plain text")

    def test_review_verifies_what_it_chains_onto(self, signed_guard: rai.Guard) -> None:
        """A review refuses a forged stamp, or a stamp on another text, before it signs."""
        resp = signed_guard.chat("Draft", **MK)
        assert resp.provenance is not None
        forged = forged_approval(resp.provenance)
        with pytest.raises(rai.ProvenanceInvalid):
            signed_guard.review(forged, reviewer="alice", decision="approved")
        with pytest.raises(rai.ProvenanceInvalid, match="output_hash"):
            signed_guard.review(rai.AIText("not what was stamped", resp.provenance), reviewer="a",
                                decision="approved")  # fmt: skip
        stamp = signed_guard.review(resp, reviewer="alice", decision="approved")
        assert stamp.signature.kid == HMAC.kid  # signed by the Guard's signer by default


class TestRequireReviewed:
    def test_require_reviewed_verifies_by_default(
        self, signed_guard: rai.Guard, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A forged approval fails at every gate, with or without its text or a keyring."""
        resp = signed_guard.chat("Draft", **MK)
        assert resp.provenance is not None
        unsigned = forged_approval(resp.provenance, alg="none", kid=None, value=None)
        edited = forged_approval(resp.provenance)  # the old signature, over other fields
        monkeypatch.setenv("RAI_VERIFY_KEYS", "hmac:other:" + "A" * 43)
        for forged in (unsigned, edited):
            for output in (rai.AIText(resp.text, forged), forged):  # with its text, or alone
                with pytest.raises(rai.ProvenanceInvalid):
                    rai.require_reviewed(output)
                with pytest.raises(rai.ProvenanceInvalid):
                    rai.require_reviewed(output, keyring=RING)
                with pytest.raises(rai.ProvenanceInvalid):
                    signed_guard.require_reviewed(output)
        with pytest.raises(rai.ProvenanceInvalid, match="unknown_kid"):
            rai.require_reviewed(resp)  # signed, but by a key the environment does not know
        with pytest.raises(rai.UnreviewedContent):
            signed_guard.require_reviewed(resp)  # verified, and not reviewed yet

    def test_the_text_is_bound(self, signed_guard: rai.Guard) -> None:
        """An approval passes with the text it covers and fails with any other."""
        resp = signed_guard.chat("Draft", **MK)
        approved = signed_guard.review(resp, reviewer="alice", decision="approved")
        assert signed_guard.require_reviewed(rai.AIText(resp.text, approved)) is approved
        with pytest.raises(rai.ProvenanceInvalid, match="output_hash"):
            signed_guard.require_reviewed(rai.AIText("Another text entirely.", approved))

    def test_unsigned_only_when_allowed_by_name(self, policy: rai.Policy) -> None:
        """An unsigned stamp passes a gate or review only by allow_unsigned, never a signed review."""
        with rai.Guard(policy, signer=None) as guard:
            resp = guard.chat("Draft", **MK)
        with pytest.raises(rai.ProvenanceInvalid, match="unsigned"):
            rai.require_reviewed(resp)
        with pytest.raises(rai.ProvenanceInvalid, match="unsigned"):
            rai.review(resp, reviewer="alice", decision="approved", signer=HMAC)
        with pytest.raises(rai.ConfigurationError, match="cannot vouch"):
            rai.review(resp, reviewer="alice", decision="approved", signer=HMAC,
                       allow_unsigned=True)  # fmt: skip
        stamp = rai.review(  # a deployment without keys: unsigned, said by name at each gate
            resp, reviewer="alice", decision="approved", signer=None, allow_unsigned=True
        )
        rai.require_reviewed(rai.AIText(resp.text, stamp), keyring=RING, allow_unsigned=True)

    def test_the_publish_point_takes_its_use_case_and_those_below(
        self, signed_guard: rai.Guard
    ) -> None:
        """With `use_case`, a stamp passes for that tag or a parent, not a sibling or a child."""
        resp = signed_guard.chat("Draft", **MK)  # marketing.copy
        approved = rai.review(
            resp, reviewer="alice", decision="approved", signer=HMAC, keyring=RING
        )
        for tag in ("marketing.copy", "marketing"):
            assert rai.require_reviewed(approved, keyring=RING, use_case=tag) is approved
        for tag in ("marketing.cop", "market", "marketing.copy.web", "copy", "hr"):
            with pytest.raises(rai.UnreviewedContent, match="another use case"):
                rai.require_reviewed(approved, keyring=RING, use_case=tag)

    def test_the_guard_gate_decides_by_its_own_policy(self, signed_guard: rai.Guard) -> None:
        """A Guard's gate asks its own policy whether review is needed, not the stamp's flag."""
        eng = signed_guard.chat(
            "Draft", use_case="engineering", provider="openai-prod", model="gpt-4o-mini"
        )
        assert eng.provenance is not None and not eng.provenance.requires_review
        signed_guard.require_reviewed(eng)  # engineering needs no review
        with pytest.raises(rai.UnreviewedContent, match="another use case"):
            signed_guard.require_reviewed(eng, use_case="marketing")  # not made for this point
        data = eng.provenance.model_dump(mode="json")
        data["use_case"] = "marketing.copy"
        old = rai.Provenance.model_validate(data)  # as if made when marketing needed no review
        fields = old.model_dump(mode="json")
        del fields["signature"]
        resigned = sign_stamp(fields, HMAC)  # validly signed, with requires_review false
        with pytest.raises(rai.UnreviewedContent, match="requires human review"):
            signed_guard.require_reviewed(rai.AIText(eng.text, resigned))
