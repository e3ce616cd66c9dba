"""Verifying Content Credentials: VALID (intact, signed), TRUSTED (and the signer chains
to an anchor the caller gave), INVALID (with the C2PA status code and the reason), or
UNMARKED (no manifest: not a finding — most text is unmarked).

What is checked, in order: the wrapper (one, whole); the store and its manifests; each
manifest's claim, every assertion it references (hashed URIs), its COSE signature over
the claim, the signing certificate's profile and chain and validity (at the time-stamp's
time when one verifies, else now); the time-stamp; for the active manifest, exactly one
hard binding whose exclusion is exactly the wrapper and whose hash is the NFC text's;
for a continuation, that its ingredient is the manifest before it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal, NamedTuple

from cryptography import x509

from .._errors import ConfigurationError, CredentialsError
from . import _cbor, _cose, _jumbf, _wrapper
from ._keys import NAMES, algorithm_of, is_ca, profile_problem, verify_raw
from ._manifest import REVIEW_LABEL, STAMP_LABEL

__all__ = [
    "Manifest",
    "State",
    "Verdict",
    "forget_signers",
    "parse_store",
    "verify_store",
    "verify_text",
]

State = Literal["VALID", "TRUSTED", "INVALID", "UNMARKED"]
_HASHES = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_STORE = _jumbf.type_uuid(b"c2pa")
_MANIFEST = _jumbf.type_uuid(b"c2ma")
_ASSERTIONS = _jumbf.type_uuid(b"c2as")
_CLAIM = _jumbf.type_uuid(b"c2cl")
_SIGNATURE = _jumbf.type_uuid(b"c2cs")


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer of a verification. `code` and `reason` say why a mark is INVALID;
    the rest describes a mark that verified (signer, time, what the claim says)."""

    state: State
    code: str | None = None
    reason: str | None = None
    signer: str | None = None
    issuer: str | None = None
    algorithm: str | None = None
    timestamp: dt.datetime | None = None
    timestamp_trusted: bool = False
    manifest: str | None = None
    manifests: int = 0
    generator: str | None = None
    digital_source_type: str | None = None
    actions: tuple[str, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)
    review: dict[str, Any] | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True for VALID, TRUSTED and UNMARKED (an unmarked text is not a finding)."""
        return self.state != "INVALID"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: datetimes as RFC 3339, bytes as hex."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = _jsonable(value)
        return out

    def line(self) -> str:
        """One line for people: the state first (``VALID signer=... time=...``)."""
        if self.state == "INVALID":
            return f"INVALID {self.code}: {self.reason}"
        if self.state == "UNMARKED":
            return "UNMARKED no Content Credentials in this text"
        parts = [self.state, f"signer={self.signer!r}", f"alg={self.algorithm}"]
        if self.timestamp is not None:
            parts.append(f"timestamp={_jsonable(self.timestamp)}")
        if self.digital_source_type:
            parts.append(f"source={self.digital_source_type.rsplit('/', 1)[-1]}")
        if self.review:
            parts.append(f"review={self.review.get('status')}")
        return " ".join(parts)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, _cbor.Tagged):
        return _jsonable(value.value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


class _Invalid(Exception):
    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason


class Manifest(NamedTuple):
    """One parsed manifest: its label, superbox body, claim, assertions and signature."""

    label: str
    body: bytes
    claim_bytes: bytes
    claim: dict[Any, Any]
    assertions: dict[str, tuple[bytes, Any]]  # label -> (superbox body, payload)
    signature_body: bytes
    cose: _cose.Sign1


def _payload(box: _jumbf.Box) -> Any:
    for tbox, raw in box.content:
        if tbox == b"cbor":
            return _cbor.loads(raw)
        if tbox == b"json":
            import json

            return json.loads(raw)
    return None


def _manifest(box: _jumbf.Box) -> Manifest:
    if box.uuid != _MANIFEST or not box.label:
        raise _Invalid("claim.malformed", "a manifest store child that is not a manifest")
    parts: dict[bytes, _jumbf.Box] = {}
    for child in box.children():
        if child.uuid in parts:
            raise _Invalid("claim.multiple", "a manifest with two claims or signatures")
        parts[child.uuid] = child
    if _CLAIM not in parts or _SIGNATURE not in parts or _ASSERTIONS not in parts:
        raise _Invalid("claim.missing", "a manifest without its claim, signature or assertions")
    claim_bytes = parts[_CLAIM].payload(b"cbor")
    claim = _cbor.loads(claim_bytes)
    if not isinstance(claim, dict):
        raise _Invalid("claim.malformed", "the claim is not a map")
    assertions: dict[str, tuple[bytes, Any]] = {}
    for child in parts[_ASSERTIONS].children():
        if not child.label or child.label in assertions:
            raise _Invalid("assertion.malformed", "an assertion without a unique label")
        assertions[child.label] = (child.hashed, child)
    sig_box = parts[_SIGNATURE]
    try:
        cose = _cose.parse(sig_box.payload(b"cbor"))
    except ValueError as exc:
        raise _Invalid("claimSignature.malformed", str(exc)) from None
    return Manifest(box.label, box.hashed, claim_bytes, claim, assertions, sig_box.hashed, cose)


def parse_store(store: bytes) -> list[Manifest]:
    """The manifests of a store, oldest first (raises `ValueError` when malformed)."""
    try:
        root = _jumbf.parse_superbox(store)
        if root.uuid != _STORE:
            raise _Invalid("manifest.malformed", "not a C2PA manifest store")
        manifests = [_manifest(child) for child in root.children()]
    except (_jumbf.JumbfError, _cbor.CborError) as exc:
        raise ValueError(f"the manifest store is malformed ({exc})") from None
    except _Invalid as exc:
        raise ValueError(exc.reason) from None
    if not manifests:
        raise ValueError("the manifest store holds no manifest")
    return manifests


def _referenced(m: Manifest) -> dict[str, Any]:
    """The assertions the claim references, each checked against its hashed URI."""
    refs = m.claim.get("created_assertions", [])
    refs = [*refs, *m.claim.get("gathered_assertions", [])] if isinstance(refs, list) else refs
    if not isinstance(refs, list) or not refs:
        raise _Invalid("claim.malformed", "the claim references no assertions")
    claim_alg = m.claim.get("alg", "sha256")
    out: dict[str, Any] = {}
    for ref in refs:
        if not isinstance(ref, dict) or not isinstance(ref.get("url"), str):
            raise _Invalid("claim.malformed", "an assertion reference is malformed")
        url = ref["url"]
        label = _assertion_label(url, m.label)
        if label is None or label not in m.assertions:
            raise _Invalid("assertion.missing", f"the claim references a missing assertion {url}")
        body, box = m.assertions[label]
        hasher = _HASHES.get(ref.get("alg", claim_alg))
        if hasher is None:
            raise _Invalid("algorithm.unsupported", "an assertion hash algorithm not allowed")
        if hasher(body).digest() != ref.get("hash"):
            raise _Invalid("assertion.hashedURI.mismatch", f"the assertion {label} was changed")
        try:
            out[label] = _payload(box)
        except (_cbor.CborError, ValueError):
            raise _Invalid("assertion.malformed", f"the assertion {label} is unreadable") from None
    return out


def _assertion_label(url: str, manifest: str) -> str | None:
    for prefix in ("self#jumbf=c2pa.assertions/", f"self#jumbf=/c2pa/{manifest}/c2pa.assertions/"):
        if url.startswith(prefix):
            return url[len(prefix) :]
    return None


@dataclass(frozen=True, slots=True)
class _Chain:
    certs: tuple[x509.Certificate, ...]
    problem: str | None  # why the chain is unfit (and its status code), or None
    code: str
    signer: str
    issuer: str
    key: object  # the leaf's public key, and the COSE algorithm it signs with
    alg: int
    windows: tuple[tuple[dt.datetime, dt.datetime], ...]  # each certificate's validity


@lru_cache(maxsize=256)
def _chain(x5chain: tuple[bytes, ...]) -> _Chain:
    """A certificate chain parsed once and checked against the signing profile, kept per
    DER chain (a verification service sees the same few signers again and again; what
    depends on time — validity, the time-stamp — is checked on every call)."""
    try:
        certs = tuple(x509.load_der_x509_certificate(der) for der in x5chain)
        leaf = certs[0]
        subject, issuer = leaf.subject.rfc4514_string(), leaf.issuer.rfc4514_string()
        windows = tuple((c.not_valid_before_utc, c.not_valid_after_utc) for c in certs)
    except ValueError:
        return _Chain(
            (), "a certificate is unreadable", "signingCredential.invalid", "", "", None, 0, ()
        )
    problem = profile_problem(certs)
    if problem is not None:
        return _Chain(
            certs, problem, "signingCredential.invalid", subject, issuer, None, 0, windows
        )
    key = leaf.public_key()
    try:
        alg = algorithm_of(key)
    except ConfigurationError:
        reason = "the signing key's algorithm is not allowed"
        return _Chain(certs, reason, "algorithm.unsupported", subject, issuer, key, 0, windows)
    return _Chain(certs, None, "", subject, issuer, key, alg, windows)


def forget_signers() -> None:
    """Forget the signers' chains and their links to trust anchors checked so far (the
    next verification of each is a first one: for key rotation drills and the benchmark's
    first-signer case)."""
    _chain.cache_clear()
    _issued_by.cache_clear()


class _Signed(NamedTuple):
    signer: str
    issuer: str
    algorithm: str
    timestamp: dt.datetime | None
    timestamp_trusted: bool
    trusted: bool


def _check_signature(
    m: Manifest, anchors: tuple[x509.Certificate, ...], now: dt.datetime
) -> _Signed:
    if m.claim.get("signature") not in (
        "self#jumbf=c2pa.signature",
        f"self#jumbf=/c2pa/{m.label}/c2pa.signature",
    ):
        raise _Invalid("claimSignature.missing", "the claim does not name its signature")
    checked = _chain(m.cose.x5chain)
    if checked.problem is not None:
        raise _Invalid(checked.code, checked.problem)
    chain = checked.certs
    if m.cose.alg != checked.alg:
        raise _Invalid("algorithm.unsupported", "the COSE algorithm does not fit the key")
    if not verify_raw(
        m.cose.alg,
        checked.key,
        m.cose.signature,
        _cose.sig_structure(m.cose.protected, m.claim_bytes),
    ):
        raise _Invalid("claimSignature.mismatch", "the claim signature does not verify")
    stamp_time, stamp_trusted = _timestamp(m, anchors)
    when = stamp_time or now
    for not_before, not_after in checked.windows:
        if not not_before <= when <= not_after:
            raise _Invalid(
                "signingCredential.expired",
                "a certificate was not valid at the "
                + ("time-stamp's time" if stamp_time else "time of verification"),
            )
    trusted = bool(anchors) and _chains_to(chain, anchors)
    return _Signed(
        checked.signer,
        checked.issuer,
        NAMES.get(m.cose.alg, str(m.cose.alg)),
        stamp_time,
        stamp_trusted,
        trusted,
    )


def _chains_to(chain: Sequence[x509.Certificate], anchors: tuple[x509.Certificate, ...]) -> bool:
    top = chain[-1]
    return any(top == anchor or _issued_by(top, anchor) for anchor in anchors)


@lru_cache(maxsize=256)
def _issued_by(cert: x509.Certificate, anchor: x509.Certificate) -> bool:
    """Whether `anchor` is a CA that signed `cert`: a function of the two certificates'
    bytes alone (certificates compare and hash by their DER), so kept per pair — a
    verification service given a root sees the same few chains end under it."""
    if not is_ca(anchor):  # an anchor vouches for others only if it is a CA
        return False
    try:
        cert.verify_directly_issued_by(anchor)
    except Exception:  # any refusal, whatever `cryptography` raises for it
        return False
    return True


def _timestamp(
    m: Manifest, anchors: tuple[x509.Certificate, ...]
) -> tuple[dt.datetime | None, bool]:
    """The time of the claim's time-stamp when it verifies against `anchors` (its CMS
    signature, its TSA's chain, its imprint over this signature); otherwise None: an
    unverified time-stamp is not used (validity is then judged now)."""
    if "sigTst" in m.cose.unprotected:
        raise _Invalid("timeStamp.malformed", "a v1 time-stamp (sigTst) is not accepted")
    container = m.cose.unprotected.get("sigTst2")
    if container is None:
        return None, False
    tokens = container.get("tstTokens") if isinstance(container, dict) else None
    if not isinstance(tokens, list) or len(tokens) != 1 or not isinstance(tokens[0], dict):
        raise _Invalid("timeStamp.malformed", "the time-stamp container is malformed")
    token = tokens[0].get("val")
    if not isinstance(token, bytes):
        raise _Invalid("timeStamp.malformed", "the time-stamp token is malformed")
    if not anchors:
        return None, False  # present, not verifiable without an anchor: not used
    from ._timestamp import check_token

    message = _cose.countersign_data(m.cose.protected, m.cose.signature)
    try:
        stamped = check_token(token, message, anchors)
    except (CredentialsError, ConfigurationError):
        return None, False  # not verified against these anchors: not used
    return stamped.time, True


def _check_binding(
    payloads: dict[str, Any], visible: str, exclusion: tuple[int, int] | None
) -> None:
    """`visible` is the text without the wrapper at `exclusion` (UTF-8 bytes), if any."""
    bindings = [k for k in payloads if k == "c2pa.hash.data" or k.startswith("c2pa.hash.")]
    if len(bindings) != 1 or bindings[0] != "c2pa.hash.data":
        raise _Invalid("claim.hardBindings.missing", "not exactly one c2pa.hash.data binding")
    binding = payloads["c2pa.hash.data"]
    if not isinstance(binding, dict):
        raise _Invalid("assertion.dataHash.malformed", "the data hash is not a map")
    raw = binding.get("exclusions", [])
    if not isinstance(raw, list):
        raise _Invalid("assertion.dataHash.malformed", "the exclusions are malformed")
    ranges = []
    for e in raw:
        if not isinstance(e, dict) or not all(
            isinstance(e.get(k), int) and not isinstance(e.get(k), bool)
            for k in ("start", "length")
        ):
            raise _Invalid("assertion.dataHash.malformed", "an exclusion is malformed")
        ranges.append((e["start"], e["length"]))
    expected = [exclusion] if exclusion is not None else []
    if ranges != expected:
        raise _Invalid(
            "assertion.dataHash.malformed",
            "the binding's exclusion is not exactly the wrapper"
            if exclusion is not None
            else "a detached manifest's binding must cover the whole text",
        )
    hasher = _HASHES.get(binding.get("alg", "sha256"))
    if hasher is None:
        raise _Invalid("algorithm.unsupported", "the data hash algorithm is not allowed")
    nfc = unicodedata.normalize("NFC", visible).encode("utf-8")  # a lone surrogate raises
    if hasher(nfc).digest() != binding.get("hash"):
        raise _Invalid("assertion.dataHash.mismatch", "the text was changed after it was marked")


def _check_ingredient(payloads: dict[str, Any], previous: Manifest | None) -> None:
    ingredient = payloads.get("c2pa.ingredient.v3")
    if previous is None:
        if ingredient is not None:
            raise _Invalid("ingredient.manifest.missing", "an ingredient whose manifest is absent")
        return
    if not isinstance(ingredient, dict) or ingredient.get("relationship") != "parentOf":
        raise _Invalid("ingredient.manifest.missing", "an earlier manifest no ingredient names")
    for key, body in (
        ("activeManifest", previous.body),
        ("claimSignature", previous.signature_body),
    ):
        ref = ingredient.get(key)
        if not isinstance(ref, dict) or hashlib.sha256(body).digest() != ref.get("hash"):
            raise _Invalid("ingredient.manifest.mismatch", "the earlier manifest was changed")


def _describe(payloads: dict[str, Any]) -> tuple[tuple[str, ...], str | None]:
    actions = payloads.get("c2pa.actions.v2")
    entries = actions.get("actions") if isinstance(actions, dict) else None
    if (
        not isinstance(entries, list)
        or not entries
        or not all(isinstance(a, dict) for a in entries)
    ):
        raise _Invalid("assertion.action.malformed", "the claim has no actions")
    names = tuple(str(a.get("action")) for a in entries)
    if names[0] not in ("c2pa.created", "c2pa.opened"):
        raise _Invalid("assertion.action.malformed", "the first action is not created or opened")
    source = None
    for a in entries:
        if isinstance(a.get("digitalSourceType"), str):
            source = a["digitalSourceType"]
    return names, source


def verify_store(
    store: bytes,
    text: str,
    *,
    trust: Sequence[x509.Certificate] = (),
    exclusion: tuple[int, int] | None = None,
    now: dt.datetime | None = None,
) -> Verdict:
    """Verify `store` as the manifest of `text` (a sidecar or header manifest, or, with
    `exclusion`, the wrapper found at that UTF-8 byte range of `text`)."""
    visible = text
    if exclusion is not None:
        start, length = exclusion
        raw = text.encode("utf-8", "surrogatepass")
        try:
            visible = (raw[:start] + raw[start + length :]).decode("utf-8")
        except UnicodeDecodeError as exc:
            return Verdict("INVALID", "manifest.malformed", f"unreadable ({type(exc).__name__})")
    return _verify_store(store, visible, exclusion, tuple(trust), now or dt.datetime.now(dt.UTC))


def _verify_store(
    store: bytes,
    visible: str,
    exclusion: tuple[int, int] | None,
    anchors: tuple[x509.Certificate, ...],
    now: dt.datetime,
) -> Verdict:
    """`visible`: the text without the wrapper that `exclusion` names (UTF-8 bytes)."""
    try:
        manifests = parse_store(store)
    except ValueError as exc:
        return Verdict("INVALID", "manifest.malformed", str(exc))
    try:
        previous: Manifest | None = None
        verdict = Verdict("INVALID")
        for index, m in enumerate(manifests):
            payloads = _referenced(m)
            signed = _check_signature(m, anchors, now)
            _check_ingredient(payloads, previous)
            actions, source = _describe(payloads)
            if index == len(manifests) - 1:
                _check_binding(payloads, visible, exclusion)
                generator = m.claim.get("claim_generator_info")
                verdict = Verdict(
                    "TRUSTED" if signed.trusted else "VALID",
                    signer=signed.signer,
                    issuer=signed.issuer,
                    algorithm=signed.algorithm,
                    timestamp=signed.timestamp,
                    timestamp_trusted=signed.timestamp_trusted,
                    manifest=m.label,
                    manifests=len(manifests),
                    generator=generator.get("name") if isinstance(generator, dict) else None,
                    digital_source_type=source,
                    actions=actions,
                    facts=_plain(payloads.get(STAMP_LABEL)),
                    review=_plain(payloads.get(REVIEW_LABEL)) or None,
                    notes=_notes(m, signed),
                )
            previous = m
        return verdict
    except _Invalid as exc:
        return Verdict("INVALID", exc.code, exc.reason)
    except (_cbor.CborError, UnicodeDecodeError, ValueError) as exc:
        return Verdict("INVALID", "manifest.malformed", f"unreadable ({type(exc).__name__})")


def _notes(m: Manifest, signed: _Signed) -> tuple[str, ...]:
    notes = []
    if "sigTst2" in m.cose.unprotected and signed.timestamp is None:
        notes.append("timeStamp.untrusted")
    if not signed.trusted:
        notes.append("signingCredential.untrusted")
    return tuple(notes)


def _plain(value: Any) -> dict[str, Any]:
    return _jsonable(value) if isinstance(value, dict) else {}


def verify_text(
    text: str, *, trust: Sequence[x509.Certificate] = (), now: dt.datetime | None = None
) -> Verdict:
    """Verify the manifest embedded in `text` (C2PA 2.4 Annex A.8)."""
    try:
        found = _wrapper.find(text)
    except _wrapper.WrapperError as exc:
        return Verdict("INVALID", "manifest.text.corruptedWrapper", str(exc))
    if not found:
        return Verdict("UNMARKED")
    if len(found) > 1:
        return Verdict("INVALID", "manifest.text.multipleWrappers", "more than one wrapper")
    w = found[0]
    verdict = _verify_store(
        w.store,
        text[: w.start] + text[w.end :],  # the wrapper's characters are its bytes
        (w.byte_start, w.byte_length),
        tuple(trust),
        now or dt.datetime.now(dt.UTC),
    )
    return verdict if verdict.state != "INVALID" else replace(verdict, manifests=0)
