"""Making stamps: every field of a new stamp, its id, its signature or its absence, and
when streams are stamped."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
import warnings

import pytest

import responsible_ai as rai
from responsible_ai._clock import uuid7
from responsible_ai.testing import FakeModelServer

from ..conftest import base_policy, without_opaque
from .conftest import ED, HMAC, MK, RING, SIGNED_CHECKS

pytestmark = pytest.mark.http


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
        assert rai.verify(resp, keyring=RING).checks == SIGNED_CHECKS

    def test_ids_time_ordered(self, signed_guard: rai.Guard) -> None:
        """Stamp ids sort in the order the stamps were made, and are unique."""
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
        """A stream is stamped once its text is complete, and the stamp covers that text."""
        stream = signed_guard.stream("hello", **MK)
        assert stream.provenance is None
        text = stream.text()
        assert stream.provenance is not None
        check = rai.verify(text, stream.provenance, keyring=RING)
        assert check.provenance_id == stream.provenance.id and check.kid == HMAC.kid
        assert check.checks == SIGNED_CHECKS
        assert rai.provenance_of(stream) is stream.provenance

    def test_interrupted_stream_never_stamped(self, signed_guard: rai.Guard) -> None:
        """A stream closed before its end carries no stamp."""
        stream = signed_guard.stream("hello there", **MK)
        it = iter(stream)
        next(it)
        stream.close()
        assert stream.provenance is None and rai.provenance_of(stream) is None

    async def test_async(self, server: FakeModelServer) -> None:
        """Async answers and streams are stamped and signed too (here with Ed25519)."""
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
        assert check.checks == SIGNED_CHECKS


def test_stamp_links_the_active_trace(signed_guard: rai.Guard) -> None:
    """The stamp carries the trace and span ids of the active OpenTelemetry span."""
    from opentelemetry.sdk.trace import TracerProvider

    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("handler") as span:
        resp = signed_guard.chat("hi", **MK)
    ctx = span.get_span_context()
    assert resp.provenance.trace_id == f"{ctx.trace_id:032x}"  # type: ignore[union-attr]
    assert resp.provenance.span_id == f"{ctx.span_id:016x}"  # type: ignore[union-attr]


def test_uuid7_layout() -> None:
    """Stamp ids are RFC 9562 UUIDv7: version 7, RFC variant, Unix ms in 48 bits, random below."""
    now = time.time_ns()
    ids = [uuid7(now) for _ in range(1000)]
    assert len(set(ids)) == 1000
    for text in ids[:50]:
        u = uuid.UUID(text)
        assert str(u) == text and u.version == 7 and u.variant == uuid.RFC_4122
        assert int.from_bytes(u.bytes[:6], "big") == now // 1_000_000
    assert uuid7(now) < uuid7(now + 2_000_000)  # time-ordered as text


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_uuid7_random_bits_differ_across_fork() -> None:
    """A forked child does not hand out the ids its parent hands out in the same ms."""
    now = 1_790_000_000_000_000_000
    uuid7(now)  # the parent has drawn before it forks
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
