"""The stamp as data: its JSON, canonical JSON and header forms, its footer, and parsing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

import responsible_ai as rai
from responsible_ai._provenance import canonical_json

from .conftest import HMAC, MK, RING, SIGNED_CHECKS


class TestForms:
    def test_json_round_trip(self, signed_guard: rai.Guard) -> None:
        """A stamp read back from its JSON is equal to it and writes the same JSON."""
        p = signed_guard.chat("hi", **MK).provenance
        assert p is not None
        again = rai.Provenance.from_json(p.to_json())
        assert again == p and again.to_json() == p.to_json()
        assert json.loads(p.to_json()) == json.loads(
            json.dumps(json.loads(p.to_json()), sort_keys=True)
        )

    def test_json_of_unsigned_and_reviewed_stamps(self, policy: rai.Policy) -> None:
        """A stamp's JSON is the model's canonical JSON: unsigned, signed, or re-signed by a review."""
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
        expected = (
            base64.urlsafe_b64encode(hmac.new(b"k" * 32, blob, hashlib.sha256).digest())
            .rstrip(b"=")
            .decode()
        )
        assert p.signature.value == expected

    def test_header_round_trip(self, signed_guard: rai.Guard) -> None:
        """The header form is unpadded base64url and verifies as the stamp; junk is `schema`."""
        resp = signed_guard.chat("hi", **MK)
        assert resp.provenance is not None
        header = resp.provenance.to_header()
        assert "=" not in header and "+" not in header and "/" not in header
        check = rai.verify(resp.text, rai.Provenance.from_header(header), keyring=RING)
        assert check.provenance_id == resp.provenance.id and check.checks == SIGNED_CHECKS
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.Provenance.from_header("not*base64")
        assert info.value.check == "schema"

    def test_footer(self, signed_guard: rai.Guard) -> None:
        """The footer states the disclosure, model, provider and the review as it stands."""
        p = signed_guard.chat("hi", **MK).provenance
        assert p is not None
        assert p.footer().startswith(
            "— Drafted with AI assistance and reviewed by our team. (AI-generated with gpt-4o-mini via openai-prod; not yet reviewed"
        )
        approved = rai.review(p, reviewer="alice", decision="approved", signer=HMAC, keyring=RING)
        assert "reviewed and approved by alice" in approved.footer()


class TestParsing:
    def test_not_a_stamp(self) -> None:
        """JSON that is not a stamp fails the `schema` check."""
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.Provenance.from_json('{"id": 1}')
        assert info.value.check == "schema"

    def test_stamp_json_with_a_key_given_twice_is_refused(self, signed_guard: rai.Guard) -> None:
        """A member given twice (a second `review` before the real one) is not a stamp."""
        resp = signed_guard.chat("Draft", **MK)
        assert resp.provenance is not None
        text = resp.provenance.to_json()
        doubled = (
            '{"review":{"status":"approved","reviewer":"ceo","at":null,"note":null},' + text[1:]
        )
        with pytest.raises(rai.ProvenanceInvalid, match="schema"):
            rai.Provenance.from_json(doubled)


def test_canonical_json_matches_the_standard_library() -> None:
    """canonical_json (orjson) writes the bytes json.dumps(sort_keys, compact, UTF-8) writes."""
    data = {"b": [1, True, None, 'é — ✓ \n " \\ \u2028'], "a": {"z": 0, "y": -5}, "ü": "x"}
    expected = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert canonical_json(data) == expected
