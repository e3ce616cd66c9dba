"""Signed provenance on every output: the stamp, signing, verification, tampering, review."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import responsible_ai as rai
from responsible_ai._cli import main as cli
from responsible_ai._provenance import canonical_json
from responsible_ai.testing import FakeModelServer, stand_in_answer

from .conftest import base_policy, without_opaque

pytestmark = pytest.mark.http

MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}
HMAC = rai.HmacSigner(b"k" * 32, kid="hmac-2026-11")
ED = rai.Ed25519Signer.generate(kid="ed-2026-11")
RING = rai.Keyring([HMAC, ED.verifier()])


@pytest.fixture
def signed_guard(server: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[rai.Guard]:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "billing-letters")
    data = base_policy(server.base_url)
    data["policy"]["disclosure"] = "Drafted with AI assistance and reviewed by our team."
    with rai.Guard(rai.Policy.from_dict(data), signer=HMAC) as g:
        yield g


def tamper(stamp: rai.Provenance, **changes: Any) -> rai.Provenance:
    data = stamp.model_dump(mode="json")
    for key, value in changes.items():
        node = data
        *head, last = key.split("__")
        for k in head:
            node = node[k]
        node[last] = value
    return rai.Provenance.model_validate(data)


class TestStamp:
    def test_fields(self, signed_guard: rai.Guard, server: FakeModelServer) -> None:
        """Every field of the stamp, as the issue lists them."""
        resp = signed_guard.chat("Write to jane@roe.example about her card", **MK)
        p = resp.provenance
        assert p is not None
        assert p.schema_version == "rai.provenance/1" and p.ai_generated is True
        assert (
            p.digital_source_type
            == "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
        )
        assert (p.provider, p.requested_model, p.served_model, p.use_case) == (
            "openai-prod",
            "gpt-4o-mini",
            "gpt-4o-mini",
            "marketing.copy",
        )
        assert (p.policy.id, p.policy.version, p.policy.sha256) == (
            "test-policy",
            "1.2.3",
            signed_guard.policy.sha256,
        )
        assert p.created_at.endswith("Z") and len(p.created_at) == 27
        assert p.id[14] == "7"  # UUIDv7
        assert p.prompt_sha256 == hashlib.sha256(server.requests[0].raw).hexdigest()  # as sent
        assert p.output_sha256 == hashlib.sha256(resp.text.encode()).hexdigest()
        assert p.redactions == {"EMAIL_ADDRESS": 1}
        assert p.service == "billing-letters"
        assert p.disclosure == "Drafted with AI assistance and reviewed by our team."
        assert p.requires_review and p.review.status == "unreviewed"
        assert (p.signature.alg, p.signature.kid) == ("HMAC-SHA256", "hmac-2026-11")
        assert rai.verify(resp, keyring=RING).checks == ("schema", "signature", "output_hash")

    def test_ids_time_ordered(self, signed_guard: rai.Guard) -> None:
        ids = [signed_guard.chat("x", **MK).provenance.id for _ in range(5)]  # type: ignore[union-attr]
        assert ids == sorted(ids) and len(set(ids)) == 5

    def test_no_pii_in_stamp(self, signed_guard: rai.Guard) -> None:
        """Counts and hashes only: no prompt, answer or PII value in the stamp."""
        resp = signed_guard.chat("Client Zyx Canary, zyx@canary.example, card 4012 8888 8888 1881",
                                 subject=rai.ClientRecord(name="Zyx Canary"), restore=True, **MK)  # fmt: skip
        stamp = resp.provenance
        assert stamp is not None
        assert rai.Provenance.from_header(stamp.to_header()) == stamp  # the header: same content
        blob = without_opaque(stamp.to_json())
        for canary in ("Zyx", "Canary", "canary.example", "4012", "8888"):
            assert canary not in blob
        assert "Canary" in resp.text  # restored locally

    def test_unsigned_without_signer(
        self, policy: rai.Policy, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With no signer, stamps are still made, marked unsigned, and verify says so."""
        monkeypatch.delenv("RAI_SIGNING_KEY", raising=False)
        with rai.Guard(policy) as guard:
            resp = guard.chat("hi", **MK)
        assert resp.provenance is not None and not resp.provenance.signed
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.verify(resp, keyring=RING)
        assert info.value.check == "unsigned"
        assert rai.verify(resp, allow_unsigned=True).signed is False

    def test_stream_stamped_when_complete(self, signed_guard: rai.Guard) -> None:
        stream = signed_guard.stream("hello", **MK)
        assert stream.provenance is None
        text = stream.text()
        assert stream.provenance is not None
        check = rai.verify(text, stream.provenance, keyring=RING)
        assert check.provenance_id == stream.provenance.id and check.kid == HMAC.kid
        assert check.checks == ("schema", "signature", "output_hash")
        assert rai.provenance_of(stream) is stream.provenance

    def test_interrupted_stream_never_stamped(self, signed_guard: rai.Guard) -> None:
        stream = signed_guard.stream("hello there", **MK)
        it = iter(stream)
        next(it)
        stream.close()
        assert stream.provenance is None and rai.provenance_of(stream) is None

    async def test_async(self, server: FakeModelServer) -> None:
        async with rai.Guard(
            rai.Policy.from_dict(base_policy(server.base_url)), signer=ED
        ) as guard:
            resp = await guard.achat("hi", **MK)
            stream = guard.astream("hi", **MK)
            text = await stream.text()
        assert rai.verify(resp, keyring=RING).alg == "Ed25519"
        assert stream.provenance is not None
        check = rai.verify(text, stream.provenance, keyring=RING)
        assert check.provenance_id == stream.provenance.id and check.kid == ED.kid
        assert check.checks == ("schema", "signature", "output_hash")


class TestForms:
    def test_json_round_trip(self, signed_guard: rai.Guard) -> None:
        p = signed_guard.chat("hi", **MK).provenance
        assert p is not None
        again = rai.Provenance.from_json(p.to_json())
        assert again == p and again.to_json() == p.to_json()
        assert json.loads(p.to_json()) == json.loads(
            json.dumps(json.loads(p.to_json()), sort_keys=True)
        )

    def test_json_of_unsigned_and_reviewed_stamps(self, policy: rai.Policy) -> None:
        """The JSON written from the stamp's own fields is the model's JSON, whether the
        stamp is unsigned (no signer), signed, or a review's re-signed successor."""
        with rai.Guard(policy, signer=None) as guard:
            unsigned = guard.chat("hi", **MK).provenance
        assert unsigned is not None and unsigned.signature.alg == "none"
        reviewed = rai.review(
            unsigned, reviewer="e-17", decision="approved", signer=None, allow_unsigned=True
        )
        for stamp in (unsigned, reviewed):
            dumped = canonical_json(stamp.model_dump(mode="json")).decode()
            assert stamp.to_json() == dumped
            assert rai.Provenance.from_json(stamp.to_json()) == stamp

    def test_canonical_json(self, signed_guard: rai.Guard) -> None:
        """Sorted keys, no whitespace, UTF-8: what any language can rebuild and check."""
        p = signed_guard.chat("hi", **MK).provenance
        assert p is not None
        text = p.to_json()
        assert " " not in text.replace(p.served_model, "").split('"disclosure"')[0]
        data = json.loads(text)
        assert list(data) == sorted(data)
        unsigned = {k: v for k, v in data.items() if k != "signature"}
        blob = json.dumps(
            unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
        import hmac

        expected = (
            base64.urlsafe_b64encode(hmac.new(b"k" * 32, blob, hashlib.sha256).digest())
            .rstrip(b"=")
            .decode()
        )
        assert p.signature.value == expected

    def test_header_round_trip(self, signed_guard: rai.Guard) -> None:
        resp = signed_guard.chat("hi", **MK)
        header = resp.provenance.to_header()  # type: ignore[union-attr]
        assert "=" not in header and "+" not in header and "/" not in header
        check = rai.verify(resp.text, rai.Provenance.from_header(header), keyring=RING)
        assert check.provenance_id == resp.provenance.id and check.checks == (
            "schema",
            "signature",
            "output_hash",
        )  # type: ignore[union-attr]
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.Provenance.from_header("not*base64")
        assert info.value.check == "schema"

    def test_footer(self, signed_guard: rai.Guard) -> None:
        p = signed_guard.chat("hi", **MK).provenance
        assert p is not None
        assert p.footer().startswith(
            "— Drafted with AI assistance and reviewed by our team. (AI-generated with gpt-4o-mini via openai-prod; not yet reviewed"
        )
        approved = rai.review(p, reviewer="alice", decision="approved", signer=HMAC, keyring=RING)
        assert "reviewed and approved by alice" in approved.footer()


class TestTamper:
    @pytest.fixture
    def stamped(self, signed_guard: rai.Guard) -> rai.ChatResponse:
        return signed_guard.chat("Write a tagline", **MK)

    def test_one_changed_character(self, stamped: rai.ChatResponse) -> None:
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
        forged = tamper(stamped.provenance, **change)  # type: ignore[arg-type]
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.verify(stamped.text, forged, keyring=RING)
        assert info.value.check in ("signature", "output_hash")

    def test_swapped_signature(self, signed_guard: rai.Guard, stamped: rai.ChatResponse) -> None:
        other = signed_guard.chat("another prompt", **MK).provenance
        forged = tamper(stamped.provenance, signature__value=other.signature.value)  # type: ignore[arg-type, union-attr]
        with pytest.raises(rai.ProvenanceInvalid, match="signature"):
            rai.verify(stamped.text, forged, keyring=RING)

    def test_unknown_kid(self, stamped: rai.ChatResponse) -> None:
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.verify(stamped, keyring=rai.Keyring([ED.verifier()]))
        assert info.value.check == "unknown_kid"

    def test_other_key_same_kid(self, stamped: rai.ChatResponse) -> None:
        impostor = rai.HmacSigner(b"i" * 32, kid="hmac-2026-11")
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.verify(stamped, keyring=rai.Keyring([impostor]))
        assert info.value.check == "signature"

    def test_replayed_on_other_text(
        self, signed_guard: rai.Guard, stamped: rai.ChatResponse
    ) -> None:
        other = signed_guard.chat("something else entirely", **MK)
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.verify(other.text, stamped.provenance, keyring=RING)
        assert info.value.check == "output_hash"

    def test_alg_confusion(self, stamped: rai.ChatResponse) -> None:
        forged = tamper(stamped.provenance, signature__alg="Ed25519")  # type: ignore[arg-type]
        with pytest.raises(rai.ProvenanceInvalid, match="signature"):
            rai.verify(
                stamped.text,
                forged,
                keyring=rai.Keyring([rai.Ed25519Verifier(ED.public_bytes(), "hmac-2026-11")]),
            )

    def test_broken_review_chain(self, stamped: rai.ChatResponse) -> None:
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

    def test_not_a_stamp(self) -> None:
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.Provenance.from_json('{"id": 1}')
        assert info.value.check == "schema"


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
        raw = base64.urlsafe_b64encode(b"s" * 32).rstrip(b"=").decode()
        monkeypatch.setenv("RAI_SIGNING_KEY", f"hmac:env-1:{raw}")
        with rai.Guard(policy) as guard:
            resp = guard.chat("hi", **MK)
        assert resp.provenance.signature.kid == "env-1"  # type: ignore[union-attr]
        pub = base64.urlsafe_b64encode(ED.public_bytes()).rstrip(b"=").decode()
        monkeypatch.setenv("RAI_VERIFY_KEYS", f"ed25519:ed-2026-11:{pub}")
        ring = rai.keyring_from_env()
        assert "env-1" in ring and "ed-2026-11" in ring
        assert rai.verify(resp).kid == "env-1"  # keyring from the environment by default

    def test_bad_specs(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("RAI_SIGNING_KEY", "rsa:x:AAAA")
        with pytest.raises(rai.ConfigurationError, match="unknown key kind"):
            rai.signer_from_env()
        with pytest.raises(rai.ConfigurationError, match="at least 32 bytes"):
            rai.HmacSigner(b"short", "k")
        assert "k" * 32 not in repr(HMAC)


class TestReview:
    def test_approve_chain_and_audit(
        self, signed_guard: rai.Guard, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger="responsible_ai.audit")
        resp = signed_guard.chat("Draft", **MK)
        with pytest.raises(rai.UnreviewedContent) as info:
            rai.require_reviewed(resp, keyring=RING)
        assert info.value.status == "unreviewed" and "requires human review" in str(info.value)
        approved = rai.review(
            resp, reviewer="alice@acme", decision="approved", note="ok", signer=HMAC, keyring=RING
        )
        assert approved.previous_sha256 == resp.provenance.digest()  # type: ignore[union-attr]
        assert approved.review.status == "approved" and approved.review.reviewer == "alice@acme"
        check = rai.verify(resp.text, approved, keyring=RING, chain=[resp.provenance])  # type: ignore[list-item]
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
        resp = signed_guard.chat("Draft", **MK)
        with pytest.raises(rai.ConfigurationError):
            rai.review(resp, reviewer="x", decision="edited")
        with pytest.raises(rai.ConfigurationError):
            rai.review(resp, reviewer="", decision="approved")
        with pytest.raises(rai.ConfigurationError):
            rai.review("plain text", reviewer="x", decision="approved")
        with pytest.raises(rai.UnreviewedContent):
            rai.require_reviewed("plain text")


class Draft(BaseModel):
    title: str
    body: str


class TestGovernedResults:
    def test_str_dict_model_generator(self, signed_guard: rai.Guard) -> None:
        """str -> AIText, dict -> AIDict, pydantic -> provenance_of, generator -> .provenance."""

        @rai.governed(guard=signed_guard, **MK)
        def text() -> str:
            return rai.client().complete("a tagline").upper()

        @rai.governed(guard=signed_guard, **MK)
        def as_dict() -> dict[str, str]:
            return {"tagline": rai.client().complete("a tagline")}

        @rai.governed(guard=signed_guard, **MK)
        def as_model() -> Draft:
            return Draft(title="T", body=rai.client().complete("a tagline"))

        @rai.governed(guard=signed_guard, **MK)
        def chunks() -> Iterator[str]:
            for c in rai.client().stream("a tagline"):
                yield c.text

        @rai.governed(guard=signed_guard, **MK)
        def no_ai() -> str:
            return "written by hand"

        t = text()
        assert isinstance(t, rai.AIText) and t == stand_in_answer("a tagline").upper()
        assert rai.verify(t, keyring=RING).provenance_id == t.provenance.id
        assert t.provenance.previous_sha256 is not None
        d = as_dict()
        assert isinstance(d, rai.AIDict)
        assert rai.verify(d, keyring=RING).provenance_id == d.provenance.id
        m = as_model()
        stamp = rai.provenance_of(m)
        assert stamp is not None
        assert rai.verify(m, stamp, keyring=RING).provenance_id == stamp.id
        gen = chunks()
        joined = "".join(gen)
        stamp = rai.provenance_of(gen)
        assert stamp is not None
        assert rai.verify(joined, stamp, keyring=RING).checks == (
            "schema",
            "signature",
            "output_hash",
        )
        plain = no_ai()
        assert type(plain) is str and rai.provenance_of(plain) is None
        assert type(t + "!") is str  # changed text is no longer the stamped text


class TestCLI:
    def write(self, tmp_path: Path, doc: dict[str, Any]) -> str:
        f = tmp_path / "out.json"
        f.write_text(json.dumps(doc))
        return str(f)

    def test_verify_valid_and_invalid(
        self,
        signed_guard: rai.Guard,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        raw = base64.urlsafe_b64encode(b"k" * 32).rstrip(b"=").decode()
        monkeypatch.setenv("RAI_VERIFY_KEYS", f"hmac:hmac-2026-11:{raw}")
        resp = signed_guard.chat("hi", **MK)
        stamp = json.loads(resp.provenance.to_json())  # type: ignore[union-attr]
        assert cli(["verify", self.write(tmp_path, {"text": resp.text, "provenance": stamp})]) == 0
        assert "valid: provenance" in capsys.readouterr().out
        header = resp.provenance.to_header()  # type: ignore[union-attr]
        assert cli(["verify", self.write(tmp_path, {"text": resp.text, "header": header})]) == 0
        capsys.readouterr()
        assert (
            cli(["verify", self.write(tmp_path, {"text": resp.text + "!", "provenance": stamp})])
            == 1
        )
        assert "invalid: output_hash" in capsys.readouterr().err
        stamp["use_case"] = "hr"
        assert cli(["verify", self.write(tmp_path, {"text": resp.text, "provenance": stamp})]) == 1
        assert "invalid: signature" in capsys.readouterr().err
        assert cli(["verify", self.write(tmp_path, {"nope": 1})]) == 1
        assert "invalid: schema" in capsys.readouterr().err

    def test_missing_file_is_usage(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A file that cannot be read is a usage error (2), not an invalid stamp (1)."""
        assert cli(["verify", str(tmp_path / "missing.json")]) == 2
        assert "cannot read file" in capsys.readouterr().err

    def test_unknown_kid_says_where_keys_come_from(
        self,
        signed_guard: rai.Guard,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        monkeypatch.delenv("RAI_VERIFY_KEYS", raising=False)
        monkeypatch.delenv("RAI_SIGNING_KEY", raising=False)
        resp = signed_guard.chat("hi", **MK)
        stamp = json.loads(resp.provenance.to_json())  # type: ignore[union-attr]
        assert cli(["verify", self.write(tmp_path, {"text": resp.text, "provenance": stamp})]) == 1
        err = capsys.readouterr().err
        assert "invalid: unknown_kid" in err and "RAI_VERIFY_KEYS" in err and "hmac:KID:" in err

    def test_show(
        self, signed_guard: rai.Guard, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        resp = signed_guard.chat("hi", **MK)
        doc = {"text": resp.text, "provenance": json.loads(resp.provenance.to_json())}  # type: ignore[union-attr]
        assert cli(["provenance", "show", self.write(tmp_path, doc)]) == 0
        out = capsys.readouterr().out
        assert "use_case" in out and "— Drafted with AI assistance" in out


def test_canonical_json_matches_the_standard_library() -> None:
    """canonical_json (orjson) writes the bytes json.dumps(sort_keys, compact, UTF-8) writes."""
    data = {"b": [1, True, None, 'é — ✓ \n " \\ \u2028'], "a": {"z": 0, "y": -5}, "ü": "x"}
    expected = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert canonical_json(data) == expected


def test_stamp_links_the_active_trace(signed_guard: rai.Guard) -> None:
    """The stamp carries the trace and span ids of the active OpenTelemetry span."""
    from opentelemetry.sdk.trace import TracerProvider

    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("handler") as span:
        resp = signed_guard.chat("hi", **MK)
    ctx = span.get_span_context()
    assert resp.provenance.trace_id == f"{ctx.trace_id:032x}"  # type: ignore[union-attr]
    assert resp.provenance.span_id == f"{ctx.span_id:016x}"  # type: ignore[union-attr]


@pytest.mark.parametrize("key_length", [32, 64, 65, 200])
def test_hmac_signer_is_rfc_2104(key_length: int) -> None:
    """The signer's precomputed key states give the standard library's HMAC-SHA256 bytes
    (keys shorter than, equal to and longer than the SHA-256 block)."""
    import hmac

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


def test_uuid7_layout() -> None:
    """Stamp ids are RFC 9562 UUIDv7: version 7, RFC variant, the Unix milliseconds in
    the first 48 bits, and random below."""
    import time
    import uuid

    from responsible_ai._clock import uuid7

    now = time.time_ns()
    ids = [uuid7(now) for _ in range(1000)]
    assert len(set(ids)) == 1000
    for text in ids[:50]:
        u = uuid.UUID(text)
        assert str(u) == text and u.version == 7 and u.variant == uuid.RFC_4122
        assert int.from_bytes(u.bytes[:6], "big") == now // 1_000_000
    assert uuid7(now) < uuid7(now + 2_000_000)  # time-ordered as text


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_uuid7_random_bits_differ_across_fork() -> None:
    """Stamp ids draw from a pooled CSPRNG buffer; a forked child must not reuse the
    parent's remaining bytes (or both would hand out the same ids in the same ms)."""
    import os
    import warnings

    from responsible_ai._clock import uuid7

    now = 1_790_000_000_000_000_000
    uuid7(now)  # the pool is filled in the parent
    read, write = os.pipe()
    with warnings.catch_warnings():  # 3.12+ warns about fork with threads alive; the
        warnings.simplefilter("ignore", DeprecationWarning)  # child only writes and exits
        pid = os.fork()
    if pid == 0:  # the child: report its next id and leave at once
        os.write(write, uuid7(now).encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    parent = uuid7(now)
    assert child and child != parent
