"""Content Credentials: C2PA manifests on text that tools we did not write verify.

Interoperability is proven with the independent implementations on the package index:
c2patxt (embeds and verifies C2PA 2.4 Annex A.8), c2pa-unstructured-text (the A.8 frame
and the ``c2pa.hash.data`` hard binding, byte for byte) and c2pa-python (the C2PA
reference SDK, c2pa-rs: reads the extracted store as ``application/c2pa`` and checks the
claim signature, the certificate profile and the time-stamp).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import c2pa_unstructured_text as c2pu
import c2patxt
import pytest

import responsible_ai as rai
from responsible_ai._credentials import _wrapper, anchors, parse_store, verify_store
from responsible_ai.testing import CredentialsPKI, TimestampAuthority

ANSWER = (
    "Les marchés ont clôturé en hausse vendredi; the central bank left rates unchanged. "
    "Analysts expect a quiet week — 東京 markets reopen on Monday. "
) * 8
FACTS = {"policy": {"id": "newsroom", "version": "1", "sha256": "ab" * 32}, "use_case": "news"}


@pytest.fixture(scope="module", params=["ec", "ed25519"])
def pki(request: pytest.FixtureRequest) -> CredentialsPKI:
    return CredentialsPKI.make(request.param)


@pytest.fixture(scope="module")
def creds(pki: CredentialsPKI) -> rai.Credentials:
    return rai.Credentials(rai.CredentialSigner.of(pki.key, [pki.leaf, pki.root]))


@pytest.fixture(scope="module")
def marked(creds: rai.Credentials) -> rai.Marked:
    return creds.mark(ANSWER, FACTS)


def reference_reader(store: bytes, trust: bytes | None = None) -> dict[str, Any]:
    """c2pa-python (c2pa-rs) on an extracted store, in a fresh process (its settings are
    process-wide). Returns its JSON report."""
    code = (
        "import c2pa, io, json, sys\n"
        "store = sys.stdin.buffer.read()\n"
        "trust = sys.argv[1] if len(sys.argv) > 1 else None\n"
        "context = None\n"
        "if trust:\n"
        "    settings = c2pa.Settings.from_dict({'trust': {'trust_anchors': open(trust).read()},"
        " 'verify': {'verify_trust': True}})\n"
        "    context = c2pa.Context(settings)\n"
        "r = c2pa.Reader('application/c2pa', io.BytesIO(store), None, context)\n"
        "print(r.json())\n"
    )
    args = [sys.executable, "-c", code] + ([str(trust)] if trust else [])
    done = subprocess.run(args, input=store, capture_output=True, check=True, timeout=60)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def failures(report: dict[str, Any]) -> set[str]:
    return {s["code"] for s in report.get("validation_status", [])}


def successes(report: dict[str, Any]) -> set[str]:
    return {s["code"] for s in report["validation_results"]["activeManifest"]["success"]}


class TestMarkAndVerify:
    def test_visible_text_unchanged_and_valid(self, marked: rai.Marked) -> None:
        """The visible text is the NFC answer; the manifest follows it; ours says VALID."""
        assert marked.visible == unicodedata.normalize("NFC", ANSWER)
        assert marked.text.startswith(marked.visible)
        assert _wrapper.strip(marked.text) == marked.visible
        verdict = rai.verify_credentials(marked.text)
        assert verdict.state == "VALID", verdict
        assert verdict.digital_source_type.endswith("/trainedAlgorithmicMedia")  # type: ignore[union-attr]
        assert verdict.actions == ("c2pa.created",)
        assert verdict.facts["use_case"] == "news"
        assert verdict.generator == "responsible-ai"

    def test_trusted_with_the_anchor(self, marked: rai.Marked, pki: CredentialsPKI) -> None:
        """TRUSTED when the chain reaches an anchor the caller gives; another CA: VALID."""
        assert rai.verify_credentials(marked.text, trust=[pki.root]).state == "TRUSTED"
        assert (
            rai.verify_credentials(marked.text, trust=CredentialsPKI.pem(pki.root)).state
            == "TRUSTED"
        )
        other = CredentialsPKI.make("ec")
        assert rai.verify_credentials(marked.text, trust=[other.root]).state == "VALID"

    def test_copy_keeps_the_characters(self, marked: rai.Marked) -> None:
        """A copy that keeps the characters (a round trip through UTF-8 and UTF-16) stays VALID."""
        copied = marked.text.encode("utf-16").decode("utf-16")
        assert rai.verify_credentials(copied.encode("utf-8")).state == "VALID"

    @pytest.mark.parametrize(
        "change",
        [
            lambda t: t.replace("hausse", "baisse", 1),
            lambda t: t.replace(".", "!", 1),
            lambda t: " " + t,
            lambda t: t.replace("東京", "大阪", 1),
        ],
    )
    def test_any_change_to_the_visible_text_is_invalid(
        self, marked: rai.Marked, change: Any
    ) -> None:
        verdict = rai.verify_credentials(change(marked.text))
        assert verdict.state == "INVALID"
        assert verdict.code in ("assertion.dataHash.mismatch", "assertion.dataHash.malformed")

    def test_text_after_the_mark_is_invalid(self, marked: rai.Marked) -> None:
        """Text appended after the manifest is not covered: the binding no longer holds."""
        assert rai.verify_credentials(marked.text + " P.S. buy now").state == "INVALID"

    def test_stripping_gives_unmarked(self, marked: rai.Marked) -> None:
        assert rai.verify_credentials(marked.visible).state == "UNMARKED"
        assert rai.verify_credentials("plain human text").ok

    def test_a_cut_or_damaged_wrapper_is_invalid(self, marked: rai.Marked) -> None:
        cut = marked.text[: len(marked.text) - 40]
        assert rai.verify_credentials(cut).code == "manifest.text.corruptedWrapper"
        mid = len(marked.visible) + 200
        damaged = marked.text[:mid] + "x" + marked.text[mid + 1 :]
        assert rai.verify_credentials(damaged).state == "INVALID"

    @pytest.mark.parametrize("at", [9, 14, 300])  # the version byte, the store's first, inside
    @pytest.mark.parametrize("char", ["\U000e01ff", "\U000e01f0", "\ufe10", "\udc00", "a"])
    def test_a_character_near_the_selectors_is_invalid_not_an_error(
        self, marked: rai.Marked, at: int, char: str
    ) -> None:
        """A character just past the selector ranges (U+E01F0...: a byte over 255 once
        decoded) or a lone surrogate inside the wrapper is a corrupted wrapper."""
        start = len(marked.visible) + at
        damaged = marked.text[:start] + char + marked.text[start + 1 :]
        assert rai.verify_credentials(damaged).code == "manifest.text.corruptedWrapper"

    def test_two_wrappers_are_invalid(self, marked: rai.Marked) -> None:
        wrapper = marked.text[len(marked.visible) :]
        assert (
            rai.verify_credentials(marked.text + wrapper).code == "manifest.text.multipleWrappers"
        )

    def test_nfd_and_nfkc_transports_break_the_binding(self, creds: rai.Credentials) -> None:
        """Documented: a channel that re-normalises to NFD shifts the bytes the exclusion
        names; NFKC folds compatibility characters: both are INVALID, never VALID."""
        m = creds.mark("Café ﬁnance — ½ price")
        assert rai.verify_credentials(m.text).state == "VALID"
        assert rai.verify_credentials(unicodedata.normalize("NFD", m.text)).state == "INVALID"
        assert rai.verify_credentials(unicodedata.normalize("NFKC", m.text)).state == "INVALID"

    def test_a_forged_signature_is_invalid(self, marked: rai.Marked) -> None:
        """A manifest whose signature bytes were changed (the length kept) is INVALID."""
        store = bytearray(marked.store)
        store[-10] ^= 0x01  # inside the COSE signature (the store ends with it)
        forged = marked.visible + _wrapper.encode(bytes(store))
        verdict = rai.verify_credentials(forged)
        assert verdict.state == "INVALID"
        assert verdict.code in ("claimSignature.mismatch", "assertion.dataHash.malformed")

    def test_an_assertion_changed_is_invalid(self, marked: rai.Marked) -> None:
        store = marked.store.replace(b"newsroom", b"newsr00m")
        verdict = verify_store(
            store,
            marked.text,
            exclusion=(
                len(marked.visible.encode()),
                len(marked.text.encode()) - len(marked.visible.encode()),
            ),
        )
        assert verdict.code == "assertion.hashedURI.mismatch"

    def test_already_marked_text_is_refused(
        self, creds: rai.Credentials, marked: rai.Marked
    ) -> None:
        with pytest.raises(rai.CredentialsError):
            creds.mark(marked.text)

    def test_sidecar_and_header_carriers(self, creds: rai.Credentials, pki: CredentialsPKI) -> None:
        """The same claim, detached: the text alone is UNMARKED; with its sidecar or header it
        verifies; a changed text does not."""
        side = creds.mark(ANSWER, FACTS, carrier="sidecar")
        assert side.text == side.visible
        assert rai.verify_credentials(side.text).state == "UNMARKED"
        assert verify_store(side.store, side.text, trust=[pki.root]).state == "TRUSTED"
        assert verify_store(side.store, side.text + ".").state == "INVALID"
        head = creds.mark(ANSWER, FACTS, carrier="header")
        store = rai.Credentials.__module__ and __import__(
            "responsible_ai._credentials", fromlist=["manifest_of_header"]
        ).manifest_of_header(head.headers["C2PA-Manifest"])
        assert verify_store(store, head.text).state == "VALID"

    def test_no_prompt_or_value_in_the_manifest(self, creds: rai.Credentials) -> None:
        """Only what the caller gives as facts travels; the prompt is never a fact."""
        canary = "4111 1111 1111 1111 Jane Canary"
        m = creds.mark("an answer", {"prompt_sha256": "00" * 32})
        assert canary.encode() not in m.store
        assert b"prompt_sha256" in m.store

    def test_verdict_as_json(self, marked: rai.Marked) -> None:
        data = rai.verify_credentials(marked.text).as_dict()
        assert json.loads(json.dumps(data))["state"] == "VALID"


class TestInteroperability:
    def test_c2patxt_verifies_ours(self, marked: rai.Marked) -> None:
        """c2patxt's verifier: the binding, every hashed URI and the signature hold (VALID;
        TRUSTED with our root as its anchor)."""
        verdict = c2patxt.verify(marked.text)
        assert verdict.state == c2patxt.Provenance.VALID, verdict.failure
        ok = {str(s.code.value) for s in verdict.success}
        assert {"assertion.dataHash.match", "claimSignature.validated"} <= ok

    def test_c2pa_unstructured_text_checks_the_binding(self, marked: rai.Marked) -> None:
        """The A.8 frame as c2pa-unstructured-text reads it, and its hard-binding check
        against the hash and exclusion our manifest declares."""
        found = c2pu.extract(marked.text)
        assert found is not None and found["payload"] == marked.store
        declared = parse_store(marked.store)[-1]
        hash_data = __import__("responsible_ai._credentials._cbor", fromlist=["loads"]).loads(
            declared.assertions["c2pa.hash.data"][1].payload(b"cbor")
        )
        exclusions = [(e["start"], e["length"]) for e in hash_data["exclusions"]]
        assert exclusions == [(found["start"], found["length"])]
        c2pu.verify_data_hash(marked.text, hash_data["hash"], exclusions)  # raises on mismatch
        with pytest.raises(ValueError, match="mismatch"):
            c2pu.verify_data_hash(
                marked.text.replace("hausse", "baisse"), hash_data["hash"], exclusions
            )

    def test_c2pa_python_reads_the_store(
        self, marked: rai.Marked, tmp_path: Path, pki: CredentialsPKI
    ) -> None:
        """c2pa-python (c2pa-rs): claim signature validated and inside validity, every
        hashed URI matches; the only failure is the data hash, which needs the text it
        cannot read (an extracted store has no asset); with our root trusted, no untrusted."""
        report = reference_reader(marked.store)
        assert {
            "claimSignature.validated",
            "claimSignature.insideValidity",
            "assertion.hashedURI.match",
        } <= successes(report)
        assert failures(report) == {"signingCredential.untrusted", "assertion.dataHash.mismatch"}
        manifest = report["manifests"][report["active_manifest"]]
        actions = next(a for a in manifest["assertions"] if a["label"] == "c2pa.actions.v2")
        assert actions["data"]["actions"][0]["digitalSourceType"].endswith(
            "trainedAlgorithmicMedia"
        )
        root = tmp_path / "root.pem"
        root.write_bytes(CredentialsPKI.pem(pki.root))
        assert failures(reference_reader(marked.store, root)) == {"assertion.dataHash.mismatch"}

    def test_ours_verifies_c2patxt(self) -> None:
        """A text marked by c2patxt (Ed25519) is VALID in ours (TRUSTED with its anchor)."""
        pki = CredentialsPKI.make("ed25519")
        signer = c2patxt.Signer(private_key=pki.key, certificates=(pki.leaf,))
        disclosure = c2patxt.Disclosure(
            media_type="text/plain", model_type=c2patxt.ModelType.GENERIC
        )
        theirs = c2patxt.embed(ANSWER, signer, disclosure)
        assert rai.verify_credentials(theirs).state == "VALID"
        assert rai.verify_credentials(theirs, trust=[pki.root]).state == "TRUSTED"
        assert rai.verify_credentials(theirs.replace("hausse", "baisse")).state == "INVALID"


class TestTimestamp:
    def test_time_stamped_by_a_loopback_tsa(self, tmp_path: Path) -> None:
        """An RFC 3161 time-stamp from a TSA on 127.0.0.1 (openssl ts -reply), verified by
        us with rfc3161-client when made and when read, and by c2pa-rs (timeStamp.validated)."""
        pki = CredentialsPKI.make("ec")
        with TimestampAuthority(pki, tmp_path) as tsa:
            creds = rai.Credentials(
                rai.CredentialSigner.of(pki.key, [pki.leaf, pki.root]),
                tsa_url=tsa.url,
                tsa_trust=(pki.root,),
            )
            m = creds.mark(ANSWER, FACTS)
            m2 = creds.mark("second answer")
        assert tsa.requests >= 2
        verdict = rai.verify_credentials(m.text, trust=[pki.root])
        assert verdict.state == "TRUSTED"
        assert verdict.timestamp is not None
        assert abs((verdict.timestamp - dt.datetime.now(dt.UTC)).total_seconds()) < 120
        untrusted = rai.verify_credentials(m2.text)
        assert untrusted.state == "VALID" and "timeStamp.untrusted" in untrusted.notes
        assert c2patxt.verify(m.text).state == c2patxt.Provenance.VALID
        assert "timeStamp.validated" in successes(reference_reader(m.store))

    def test_expired_certificate_valid_at_the_time_stamp(self, tmp_path: Path) -> None:
        """Validity is judged at the verified time-stamp's time, else now."""
        pki = CredentialsPKI.make("ec", days=1)
        with TimestampAuthority(pki, tmp_path) as tsa:
            creds = rai.Credentials(
                rai.CredentialSigner.of(pki.key, [pki.leaf, pki.root]),
                tsa_url=tsa.url,
                tsa_trust=(pki.root,),
            )
            m = creds.mark("dated")
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        from responsible_ai._credentials import verify_text

        assert verify_text(m.text, trust=[pki.root], now=later).state == "TRUSTED"
        assert verify_text(m.text, now=later).code == "signingCredential.expired"

    def test_a_tsa_that_lies_is_refused(self, tmp_path: Path) -> None:
        """A TSA whose certificate does not chain to the configured anchors: no mark."""
        pki, other = CredentialsPKI.make("ec"), CredentialsPKI.make("ec")
        with TimestampAuthority(other, tmp_path) as tsa:
            creds = rai.Credentials(
                rai.CredentialSigner.of(pki.key, [pki.leaf, pki.root]),
                tsa_url=tsa.url,
                tsa_trust=(pki.root,),
            )
            with pytest.raises(rai.CredentialsError, match="time-stamp"):
                creds.mark("x")

    def test_an_unreachable_tsa_refuses(self) -> None:
        pki = CredentialsPKI.make("ec")
        creds = rai.Credentials(
            rai.CredentialSigner.of(pki.key, [pki.leaf]),
            tsa_url="http://127.0.0.1:9/",
            tsa_trust=(pki.root,),
        )
        with pytest.raises(rai.CredentialsError, match="unreachable"):
            creds.mark("x")

    def test_a_tsa_needs_anchors(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("RAI_C2PA_TSA_TRUST", raising=False)
        pki = CredentialsPKI.make("ec")
        with pytest.raises(rai.ConfigurationError, match="trust anchors"):
            rai.Credentials(
                rai.CredentialSigner.of(pki.key, [pki.leaf]), tsa_url="http://127.0.0.1:9/"
            )


class TestReview:
    def test_edit_continues_the_chain(
        self, creds: rai.Credentials, marked: rai.Marked, pki: CredentialsPKI
    ) -> None:
        """A person's edit: c2pa.opened + c2pa.edited (compositeWithTrainedAlgorithmicMedia),
        who holds editorial responsibility, the earlier manifest as ingredient."""
        edited = marked.visible.replace("quiet week", "busy week")
        rev = creds.review(marked, responsible="Example News Ltd (desk editor)", edited=edited)
        verdict = rai.verify_credentials(rev.text, trust=[pki.root])
        assert verdict.state == "TRUSTED", verdict
        assert rev.visible == edited
        assert verdict.actions == ("c2pa.opened", "c2pa.edited")
        assert verdict.digital_source_type.endswith("/compositeWithTrainedAlgorithmicMedia")  # type: ignore[union-attr]
        assert verdict.review["status"] == "edited"  # type: ignore[index]
        assert verdict.review["editorial_responsibility"] == "Example News Ltd (desk editor)"  # type: ignore[index]
        assert verdict.manifests == 2
        assert (
            rai.Label is not None
            and rai.verify_credentials(rev.text.replace("busy", "calm")).state == "INVALID"
        )
        report = reference_reader(rev.store)  # the reference SDK reads the chain
        assert failures(report) == {"signingCredential.untrusted", "assertion.dataHash.mismatch"}
        active = report["manifests"][report["active_manifest"]]
        assert len(report["manifests"]) == 2
        assert active["ingredients"][0]["relationship"] == "parentOf"

    def test_approval_without_edit(self, creds: rai.Credentials, marked: rai.Marked) -> None:
        rev = creds.review(marked.text, responsible="Example News Ltd", kind="human-review")
        verdict = rai.verify_credentials(rev.text)
        assert verdict.state == "VALID" and verdict.actions == ("c2pa.opened",)
        assert verdict.review["status"] == "approved" and verdict.review["kind"] == "human-review"  # type: ignore[index]
        from responsible_ai._credentials import label_for

        assert label_for("AI-made", verdict.review) is None  # reviewed: no label
        assert label_for("AI-made", None) is not None

    def test_a_tampered_ingredient_breaks_the_chain(
        self, creds: rai.Credentials, marked: rai.Marked
    ) -> None:
        rev = creds.review(marked, responsible="Desk")
        manifests = parse_store(rev.store)
        assert len(manifests) == 2
        tampered = rev.store.replace(b"newsroom", b"newsr00m")
        w = _wrapper.find(rev.text)[0]
        verdict = verify_store(tampered, rev.text, exclusion=(w.byte_start, w.byte_length))
        assert verdict.state == "INVALID"

    def test_an_invalid_text_cannot_be_reviewed(
        self, creds: rai.Credentials, marked: rai.Marked
    ) -> None:
        with pytest.raises(rai.CredentialsError, match="INVALID"):
            creds.review(marked.text.replace("hausse", "baisse"), responsible="Desk")
        with pytest.raises(rai.ConfigurationError):
            creds.review(marked, responsible=" ")


class TestKeys:
    def test_keys_from_files_and_environment(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        pki = CredentialsPKI.make("ec")
        paths = pki.write(tmp_path)
        monkeypatch.setenv("RAI_C2PA_KEY", paths["key"])
        monkeypatch.setenv("RAI_C2PA_CHAIN", paths["chain"])
        signer = rai.CredentialSigner.from_env()
        assert signer is not None and signer.alg == -7
        monkeypatch.delenv("RAI_C2PA_CHAIN")
        with pytest.raises(rai.ConfigurationError, match="both"):
            rai.CredentialSigner.from_env()

    def test_a_leaf_without_the_usages_verifiers_expect_is_refused(self) -> None:
        pki = CredentialsPKI.make("ec")
        with pytest.raises(rai.ConfigurationError, match="C2PA signing certificate"):
            rai.CredentialSigner.of(pki.tsa_key, [pki.tsa])  # a time-stamping leaf
        with pytest.raises(rai.ConfigurationError, match="does not match"):
            rai.CredentialSigner.of(pki.tsa_key, [pki.leaf, pki.root])
        with pytest.raises(rai.ConfigurationError, match="not in order"):
            rai.CredentialSigner.of(pki.key, [pki.leaf, CredentialsPKI.make("ec").root])

    def test_trust_anchors_from_pem(self) -> None:
        pki = CredentialsPKI.make("ec")
        assert anchors(CredentialsPKI.pem(pki.root, pki.leaf)) == (pki.root, pki.leaf)
        assert anchors(None) == ()


def test_a_leaf_cannot_vouch_for_a_forged_signer() -> None:
    """An attacker holding a legitimate signing leaf cannot issue a certificate in the
    name of another signer and have it TRUSTED: every issuer in the chain must be a CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    pki = CredentialsPKI.make("ec")
    forged_key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    forged = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Reuters AI desk")]))
        .issuer_name(pki.leaf.subject)
        .public_key(forged_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .sign(pki.key, hashes.SHA256())
    )
    with pytest.raises(rai.ConfigurationError, match="not a CA"):
        rai.CredentialSigner.of(forged_key, [forged, pki.leaf, pki.root])
    # built by hand past the signer's own check: the verifier refuses it too
    signer = rai.CredentialSigner.of(pki.key, [pki.leaf, pki.root])
    object.__setattr__(signer, "key", forged_key)
    object.__setattr__(
        signer,
        "x5chain",
        tuple(
            c.public_bytes(
                __import__(
                    "cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]
                ).Encoding.DER
            )
            for c in (forged, pki.leaf)
        ),
    )
    forged_mark = rai.Credentials(signer).mark("a forged statement")
    verdict = rai.verify_credentials(forged_mark.text, trust=[pki.root])
    assert verdict.state == "INVALID" and verdict.code == "signingCredential.invalid"
    assert rai.verify_credentials(forged_mark.text, trust=[pki.leaf]).state == "INVALID"
