"""Provenance: a signed stamp on every AI output, and the human review that releases it.

The stamp says: this is AI output (IPTC digital source type), made by which approved
provider and model, for what use case, under which policy (id, version, sha256), when,
from which prompt as sent (its hash, after redaction), with what redacted (counts by
type, never values), linked to which trace, and whether a person has reviewed it.

It is signed over a canonical JSON form (sorted keys, no insignificant whitespace,
UTF-8, the `signature` member left out), so any language can verify it: HMAC-SHA256
with a shared key, or Ed25519 with a public key. Keys are found by `kid` in a
`Keyring`, so they rotate.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import os
import re
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._audit import AuditTrail, default_trail
from ._clock import clock, uuid7
from ._errors import ConfigurationError, ProvenanceInvalid, UnreviewedContent
from ._policy import no_duplicate_keys

__all__ = [
    "AIDict",
    "AIText",
    "Ed25519Signer",
    "Ed25519Verifier",
    "HmacSigner",
    "Keyring",
    "PolicyRef",
    "Provenance",
    "ProvenanceInvalid",
    "ReviewInfo",
    "SignatureInfo",
    "Signer",
    "UnreviewedContent",
    "Verification",
    "canonical_json",
    "keyring_from_env",
    "provenance_of",
    "require_reviewed",
    "review",
    "signer_from_env",
    "verify",
    "verify_chain",
    "verify_stamp",
]

SCHEMA_VERSION = "rai.provenance/1"
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = IPTC + "trainedAlgorithmicMedia"
COMPOSITE = IPTC + "compositeWithTrainedAlgorithmicMedia"
HEADER = "AI-Provenance"
SIGNING_KEY_ENV = "RAI_SIGNING_KEY"
VERIFY_KEYS_ENV = "RAI_VERIFY_KEYS"

# ----------------------------------------------------------------------------- model


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyRef(_Frozen):
    id: str
    version: str
    sha256: str


class ReviewInfo(_Frozen):
    """Who reviewed the output, when, and what they decided."""

    status: Literal["unreviewed", "approved", "rejected", "edited"] = "unreviewed"
    reviewer: str | None = None
    at: str | None = None
    note: str | None = None


class SignatureInfo(_Frozen):
    alg: Literal["HMAC-SHA256", "Ed25519", "none"] = "none"
    kid: str | None = None
    value: str | None = None  # base64url, no padding


class Provenance(_Frozen):
    """The stamp. Build it with the library (it signs); parse one with `from_json` or
    `from_header`; check one with `rai.verify`."""

    schema_version: str = SCHEMA_VERSION
    id: str
    ai_generated: Literal[True] = True
    digital_source_type: str = TRAINED
    provider: str
    requested_model: str
    served_model: str
    use_case: str
    policy: PolicyRef
    created_at: str
    prompt_sha256: str
    output_sha256: str
    redactions: dict[str, int] = Field(default_factory=dict)
    trace_id: str | None = None
    span_id: str | None = None
    service: str | None = None
    disclosure: str | None = None
    requires_review: bool = False
    review: ReviewInfo = Field(default_factory=ReviewInfo)
    previous_sha256: str | None = None
    signature: SignatureInfo = Field(default_factory=SignatureInfo)

    # -- forms

    def signing_input(self) -> bytes:
        """The canonical bytes the signature covers (everything but `signature`)."""
        data = self.model_dump(mode="json")
        del data["signature"]
        return canonical_json(data)

    def to_json(self) -> str:
        return canonical_json(self.model_dump(mode="json")).decode("utf-8")

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> Provenance:
        try:
            raw = (
                json.loads(data, object_pairs_hook=no_duplicate_keys)
                if isinstance(data, (str, bytes))
                else data
            )
            return cls.model_validate(raw)
        except (ValueError, ValidationError) as exc:
            raise ProvenanceInvalid(
                "schema", f"not a provenance stamp ({type(exc).__name__})"
            ) from None

    def to_header(self) -> str:
        """The `AI-Provenance` header value: base64url of the canonical JSON."""
        return base64.urlsafe_b64encode(self.to_json().encode("utf-8")).rstrip(b"=").decode()

    @classmethod
    def from_header(cls, value: str) -> Provenance:
        try:
            raw = base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))
        except (binascii.Error, ValueError):
            raise ProvenanceInvalid("schema", "the header is not base64url") from None
        return cls.from_json(raw)

    def digest(self) -> str:
        """SHA-256 of the whole stamp (signature included): what a later stamp chains to."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    @property
    def signed(self) -> bool:
        return self.signature.alg != "none"

    def footer(self) -> str:
        """A human-readable disclosure line to put under the text."""
        text = self.disclosure or "This text was generated with AI."
        reviewed = {
            "approved": f"reviewed and approved by {self.review.reviewer}",
            "edited": f"edited and approved by {self.review.reviewer}",
            "rejected": f"rejected by {self.review.reviewer}",
        }.get(self.review.status, "not yet reviewed by a person")
        day = (self.review.at or self.created_at)[:10]
        return (
            f"— {text} (AI-generated with {self.served_model} via {self.provider}; {reviewed}; "
            f"{day}; provenance {self.id})"
        )


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: the same bytes in any language.

    orjson writes exactly what ``json.dumps(data, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`` writes for stamp data (strings, integers, booleans, null,
    objects), ten times faster; the test suite checks the two agree.
    """
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_json(data: Any) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def _unb64(text: str) -> bytes:
    """base64url without padding, in its one canonical form: any other character, any
    padding, any spare bits set is an error (one signature has one encoding)."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not canonical base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("not canonical base64url")
    return data


# ----------------------------------------------------------------------------- keys


@runtime_checkable
class Signer(Protocol):
    alg: str
    kid: str

    def sign(self, data: bytes) -> bytes: ...
    def verify(self, data: bytes, signature: bytes) -> bool: ...


class HmacSigner:
    """HMAC-SHA256 with a shared key (at least 32 bytes): signs and verifies."""

    alg = "HMAC-SHA256"

    def __init__(self, key: bytes | str, kid: str) -> None:
        if not isinstance(key, (bytes, bytearray, str)):  # bytes(32) would be 32 zero bytes
            raise TypeError(f"an HMAC key is bytes or str, got {type(key).__name__}")
        raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
        if len(raw) < 32:
            raise ConfigurationError("an HMAC key must be at least 32 bytes")
        if not kid:
            raise ConfigurationError("a signing key needs a kid (key id) so that keys can rotate")
        self.kid = kid
        self._keyed = hmac.new(raw, digestmod=hashlib.sha256)  # the key set up once

    def sign(self, data: bytes) -> bytes:
        mac = self._keyed.copy()
        mac.update(data)
        return mac.digest()

    def verify(self, data: bytes, signature: bytes) -> bool:
        return hmac.compare_digest(self.sign(data), signature)

    def __repr__(self) -> str:
        return f"HmacSigner(kid={self.kid!r})"


class Ed25519Verifier:
    """An Ed25519 public key: verifies only (give it to whoever checks stamps)."""

    alg = "Ed25519"

    def __init__(self, public_key: Any, kid: str) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        if isinstance(public_key, (bytes, str)):
            raw = _unb64(public_key) if isinstance(public_key, str) else public_key
            public_key = Ed25519PublicKey.from_public_bytes(raw)
        self._public = public_key
        self.kid = kid

    def verify(self, data: bytes, signature: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature

        try:
            self._public.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def public_bytes(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return bytes(self._public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    def __repr__(self) -> str:
        return f"Ed25519Verifier(kid={self.kid!r})"


class Ed25519Signer(Ed25519Verifier):
    """Ed25519 via `cryptography`: `private_key` is an `Ed25519PrivateKey`, 32 raw bytes,
    base64url of them, or PEM (a string or bytes, unencrypted PKCS#8)."""

    def __init__(self, private_key: Any, kid: str) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        if isinstance(private_key, str) and "PRIVATE KEY" in private_key:
            private_key = private_key.encode()
        try:
            if isinstance(private_key, bytes) and b"PRIVATE KEY" in private_key:
                private_key = load_pem_private_key(private_key, password=None)
            elif isinstance(private_key, (bytes, str)):
                raw = _unb64(private_key) if isinstance(private_key, str) else private_key
                private_key = Ed25519PrivateKey.from_private_bytes(raw)
        except (ValueError, TypeError):  # the key material is never quoted
            raise ConfigurationError(
                "Ed25519Signer needs an Ed25519 private key: a key object, 32 raw bytes, "
                "their base64url, or unencrypted PEM"
            ) from None
        if not isinstance(private_key, Ed25519PrivateKey):
            raise ConfigurationError("Ed25519Signer needs an Ed25519 private key")
        if not kid:
            raise ConfigurationError("a signing key needs a kid (key id) so that keys can rotate")
        self._private = private_key
        super().__init__(private_key.public_key(), kid)

    @classmethod
    def generate(cls, kid: str) -> Ed25519Signer:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(Ed25519PrivateKey.generate(), kid)

    def sign(self, data: bytes) -> bytes:
        return bytes(self._private.sign(data))

    def verifier(self) -> Ed25519Verifier:
        """The public half, to hand to verifiers."""
        return Ed25519Verifier(self._public, self.kid)

    def __repr__(self) -> str:
        return f"Ed25519Signer(kid={self.kid!r})"


class Keyring:
    """Keys for verification, by kid: old keys stay while new ones sign."""

    def __init__(self, keys: Iterable[Any] = ()) -> None:
        self._keys: dict[str, Any] = {}
        for key in keys:
            self.add(key)

    def add(self, key: Any) -> None:
        if not hasattr(key, "verify") or not getattr(key, "kid", None):
            raise ConfigurationError("a keyring holds signers or verifiers with a kid")
        if key.kid in self._keys and self._keys[key.kid] is not key:
            raise ConfigurationError(
                f"the keyring already has a key {key.kid!r}: one key per kid (a stamp names "
                "its key by kid, so two would make its verification ambiguous)"
            )
        self._keys[key.kid] = key

    def add_signer(self, signer: Signer) -> None:
        """Add `signer` unless the keyring already verifies its signatures under its kid
        (its own verifying key, given apart); a different key under that kid is an error."""
        known = self._keys.get(signer.kid)
        if known is None:
            self.add(signer)
            return
        probe = b"responsible-ai keyring probe"
        if known is not signer and not known.verify(probe, signer.sign(probe)):
            raise ConfigurationError(
                f"the keyring already has a different key {signer.kid!r}: one key per kid"
            )

    def get(self, kid: str | None) -> Any | None:
        return self._keys.get(kid) if kid else None

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def __repr__(self) -> str:
        return f"Keyring({sorted(self._keys)})"


def _key_from_spec(spec: str, *, private: bool) -> Any:
    """``hmac:KID:BASE64URL`` or ``ed25519:KID:BASE64URL`` (32 raw bytes: the private key
    for signing, the public key for verifying)."""
    try:
        kind, kid, material = spec.strip().split(":", 2)
    except ValueError:
        raise ConfigurationError(
            "a key spec is 'hmac:KID:BASE64URL' or 'ed25519:KID:BASE64URL'"
        ) from None
    try:
        raw = _unb64(material)
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"key {kid!r}: the key material is not base64url") from None
    kind = kind.lower()
    if kind == "hmac":
        return HmacSigner(raw, kid)
    if kind == "ed25519":
        return Ed25519Signer(raw, kid) if private else Ed25519Verifier(raw, kid)
    raise ConfigurationError(f"key {kid!r}: unknown key kind {kind!r}; expected hmac or ed25519")


def signer_from_env(env: Mapping[str, str] | None = None) -> Any | None:
    """The signer in ``RAI_SIGNING_KEY`` (``hmac:KID:B64`` or ``ed25519:KID:B64``), if set."""
    spec = (env if env is not None else os.environ).get(SIGNING_KEY_ENV)
    return _key_from_spec(spec, private=True) if spec else None


def keyring_from_env(env: Mapping[str, str] | None = None) -> Keyring:
    """Verification keys from ``RAI_VERIFY_KEYS`` (comma-separated specs; Ed25519 entries
    are public keys), plus the signer of ``RAI_SIGNING_KEY`` if set."""
    source = env if env is not None else os.environ
    ring = Keyring()
    for spec in filter(None, (s.strip() for s in source.get(VERIFY_KEYS_ENV, "").split(","))):
        ring.add(_key_from_spec(spec, private=False))
    signer = signer_from_env(source)
    if signer is not None:
        ring.add_signer(signer)
    return ring


# ----------------------------------------------------------------------------- stamping


def sign_stamp(
    fields: dict[str, Any], signer: Signer | None, policy_ref: PolicyRef | None = None
) -> Provenance:
    """Sign the stamp fields (a dict as the model dumps it, without `signature`) and
    build the Provenance (validated, with the already-built shared parts; `policy_ref`,
    when given, is the policy part already built)."""
    fields.pop("signature", None)
    if signer is not None:
        value = signer.sign(canonical_json(fields))
        signature = SignatureInfo(alg=signer.alg, kid=signer.kid, value=_b64(value))  # type: ignore[arg-type]
    else:
        signature = _UNSIGNED
    policy = fields["policy"]
    review = fields["review"]
    fields["policy"] = policy_ref or PolicyRef(**policy)
    fields["review"] = _NOT_REVIEWED[1] if review == _NOT_REVIEWED[0] else ReviewInfo(**review)
    fields["signature"] = signature
    return Provenance.model_validate(fields)


# shared, immutable: the unreviewed state of every new stamp, and the "no signer" signature
_NOT_REVIEWED_FIELDS = {"status": "unreviewed", "reviewer": None, "at": None, "note": None}
_NOT_REVIEWED = (_NOT_REVIEWED_FIELDS, ReviewInfo.model_validate(_NOT_REVIEWED_FIELDS))
_UNSIGNED = SignatureInfo()


def stamp_fields(
    *,
    provider: str,
    requested_model: str,
    served_model: str,
    use_case: str,
    policy_id: str,
    policy_version: str,
    policy_sha256: str,
    prompt_sha256: str,
    output_sha256: str,
    redactions: Mapping[str, int],
    requires_review: bool,
    disclosure: str | None,
    service: str | None,
    trace_ids: tuple[str | None, str | None] = (None, None),
) -> dict[str, Any]:
    """The fields of a new, unreviewed stamp (a dict as the model dumps it)."""
    now = time.time_ns()
    return {
        "schema_version": SCHEMA_VERSION,
        "id": uuid7(now),
        "ai_generated": True,
        "digital_source_type": TRAINED,
        "provider": provider,
        "requested_model": requested_model,
        "served_model": served_model,
        "use_case": use_case,
        "policy": {"id": policy_id, "version": policy_version, "sha256": policy_sha256},
        "created_at": clock.rfc3339(now),
        "prompt_sha256": prompt_sha256,
        "output_sha256": output_sha256,
        "redactions": dict(redactions),
        "trace_id": trace_ids[0],
        "span_id": trace_ids[1],
        "service": service,
        "disclosure": disclosure,
        "requires_review": requires_review,
        "review": dict(_NOT_REVIEWED_FIELDS),
        "previous_sha256": None,
    }


def chained(
    previous: Provenance, signer: Signer | None, *, output_sha256: str | None = None, **changes: Any
) -> Provenance:
    """A new stamp that follows `previous`: a fresh id and time, `previous_sha256` set to
    its digest, the given fields changed, signed by `signer` (what a review and a derived
    result both make)."""
    fields = previous.model_dump(mode="json")
    now = time.time_ns()
    fields.update(changes, id=uuid7(now), created_at=clock.rfc3339(now),
                  previous_sha256=previous.digest())  # fmt: skip
    if output_sha256 is not None:
        fields["output_sha256"] = output_sha256
    return sign_stamp(fields, signer)


# ----------------------------------------------------------------------------- carriers


class AIText(str):
    """A `str` that carries its provenance: what a `@governed` function returning text
    returns. It is a real `str` (so callers, templates and JSON encoders keep working);
    every string operation returns a plain `str`, because changed text is no longer what
    was stamped."""

    provenance: Provenance

    def __new__(cls, text: str, provenance: Provenance) -> AIText:
        obj = super().__new__(cls, text)
        obj.provenance = provenance
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (AIText, (str(self), self.provenance))


class AIDict(dict[str, Any]):
    """A `dict` that carries its provenance (a `@governed` function's dict result)."""

    provenance: Provenance


_carried: dict[int, tuple[weakref.ref[Any], Provenance]] = {}


def attach(obj: Any, provenance: Provenance) -> None:
    """Remember the stamp of an object that cannot carry an attribute (pydantic models)."""
    key = id(obj)
    _carried[key] = (weakref.ref(obj, lambda _: _carried.pop(key, None)), provenance)


def provenance_of(obj: Any) -> Provenance | None:
    """The stamp carried by a governed output (`ChatResponse`, stream, `AIText`, `AIDict`,
    a governed pydantic result, or an official SDK's response that went through
    `rai.http_client`), or None."""
    if isinstance(obj, Provenance):
        return obj
    stamp = getattr(obj, "provenance", None)
    if isinstance(stamp, Provenance):
        return stamp
    entry = _carried.get(id(obj))
    if entry is not None and entry[0]() is obj:
        return entry[1]
    response_id = getattr(obj, "id", None)  # an SDK response object the transport saw
    if isinstance(response_id, str):
        return responses.get(response_id, _sdk_text(obj))
    return None


def _sdk_text(obj: Any) -> str | None:
    """The answer text of an official SDK's response object (OpenAI chat completion or
    Responses response, Anthropic message), or None (a stream chunk, anything else)."""
    try:
        choices = getattr(obj, "choices", None)
        if choices and getattr(choices[0], "message", None) is not None:
            content = choices[0].message.content
            return content if isinstance(content, str) else ""
        if type(obj).__name__ == "Response" and hasattr(obj, "output_text"):
            return str(obj.output_text)
        blocks = getattr(obj, "content", None)
        if isinstance(blocks, list) and getattr(obj, "role", None) == "assistant":
            return "".join(b.text for b in blocks if getattr(b, "type", None) == "text")
    except (AttributeError, IndexError, TypeError):
        return None
    return None


class ResponseStamps:
    """The stamps of answers that reached an official SDK through the governed transport,
    by the provider's response id (an SDK's response object cannot carry an attribute).

    An id names a stamp only together with the answer's text: a provider that reuses an
    id cannot hand one answer's stamp (say, "no review needed") to another, because the
    stamp's output hash must match the text asked about. Where no text can be read (a
    stream chunk), the id must name exactly one stamp. Bounded (the oldest ids go first)
    and thread-safe; the transport writes, `provenance_of` reads."""

    PER_ID = 4

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._stamps: OrderedDict[str, list[Provenance]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, response_id: str | None, stamp: Provenance | None) -> None:
        if not response_id or stamp is None:
            return
        with self._lock:
            stamps = self._stamps.setdefault(response_id, [])
            stamps.append(stamp)
            del stamps[: -self.PER_ID]
            self._stamps.move_to_end(response_id)
            while len(self._stamps) > self._size:
                self._stamps.popitem(last=False)

    def get(self, response_id: str | None, text: str | None = None) -> Provenance | None:
        """The stamp of the answer with this id and `text` (None: the id's only stamp)."""
        if not response_id:
            return None
        with self._lock:
            stamps = list(self._stamps.get(response_id, ()))
        if text is None:
            return stamps[0] if len(stamps) == 1 else None
        digest = sha256_text(text)
        return next((p for p in reversed(stamps) if p.output_sha256 == digest), None)


responses = ResponseStamps()


def output_text(obj: Any) -> str:
    """The text a stamp's output hash covers, for a carried output."""
    if isinstance(obj, str):
        return str(obj)
    text = getattr(obj, "text", None)
    if isinstance(text, str):
        return text
    if isinstance(obj, BaseModel):
        return canonical_json(obj.model_dump(mode="json")).decode("utf-8")
    if isinstance(obj, dict):
        return canonical_json(obj).decode("utf-8")
    raise ConfigurationError(f"cannot tell the text of a {type(obj).__name__}")


# ----------------------------------------------------------------------------- verify


@dataclass(frozen=True, slots=True)
class Verification:
    """What `verify` established."""

    provenance_id: str
    signed: bool
    alg: str
    kid: str | None
    review_status: str
    checks: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return True


def verify(
    text: Any,
    provenance: Provenance | None = None,
    *,
    keyring: Keyring | None = None,
    allow_unsigned: bool = False,
    chain: Sequence[Provenance] = (),
) -> Verification:
    """Check a stamp against the text it claims to describe.

    `text` is the text (or a carried output: then `provenance` may be omitted). Checks,
    in order: the stamp parses (``schema``), it is signed (``unsigned``, unless
    `allow_unsigned`), its kid is in the keyring (``unknown_kid``), the signature holds
    (``signature``), the output hash matches the text (``output_hash``) and, given the
    earlier stamps, the review chain links up (``chain``). Raises `ProvenanceInvalid`
    naming the first check that failed.
    """
    stamp = provenance if provenance is not None else provenance_of(text)
    if stamp is None:
        raise ProvenanceInvalid("schema", "no provenance stamp was given or carried")
    if isinstance(stamp, (str, bytes, Mapping)):
        stamp = Provenance.from_json(stamp)
    body = output_text(text)
    ring = keyring if keyring is not None else keyring_from_env()
    checks = ["schema"]
    if _check_signature(stamp, ring, allow_unsigned):
        checks.append("signature")
    if sha256_text(body) != stamp.output_sha256:
        raise ProvenanceInvalid("output_hash", "the text is not the text this stamp was made for")
    checks.append("output_hash")
    if chain:
        verify_chain([*chain, stamp], keyring=ring, allow_unsigned=allow_unsigned)
        checks.append("chain")
    sig = stamp.signature
    return Verification(
        stamp.id, stamp.signed, sig.alg, sig.kid, stamp.review.status, tuple(checks)
    )


def _check_signature(stamp: Provenance, ring: Keyring, allow_unsigned: bool) -> bool:
    """Raise `ProvenanceInvalid` unless the stamp's signature holds (True), or it is
    unsigned and the caller allowed that by name (False)."""
    if type(stamp) is not Provenance:  # a subclass's methods could say anything
        stamp = Provenance.model_validate(stamp.model_dump(mode="json"))
    sig = stamp.signature
    if sig.alg == "none":
        if not allow_unsigned:
            raise ProvenanceInvalid(
                "unsigned", "the stamp is not signed (no signer was configured)"
            )
        return False
    key = ring.get(sig.kid)
    if key is None:
        raise ProvenanceInvalid("unknown_kid", f"no key {sig.kid!r} in the keyring")
    if getattr(key, "alg", None) != sig.alg:
        raise ProvenanceInvalid("signature", f"key {sig.kid!r} is not an {sig.alg} key")
    try:
        value = _unb64(sig.value or "")
    except (binascii.Error, ValueError):
        raise ProvenanceInvalid("signature", "the signature is not canonical base64url") from None
    if not key.verify(stamp.signing_input(), value):
        raise ProvenanceInvalid("signature", "the signature does not match the stamp")
    return True


def verify_stamp(
    provenance: Provenance, *, keyring: Keyring | None = None, allow_unsigned: bool = False
) -> None:
    """Check a stamp on its own: it is signed by a key of the keyring (explicit, else
    from the environment) and the signature holds. Without the text it describes, the
    output hash cannot be checked: `verify` does that."""
    ring = keyring if keyring is not None else keyring_from_env()
    _check_signature(provenance, ring, allow_unsigned)


def verify_chain(
    stamps: Sequence[Provenance],
    *,
    keyring: Keyring | None = None,
    allow_unsigned: bool = False,
) -> None:
    """Each stamp after the first names the previous one's digest, and every stamp's
    signature holds (against `keyring`, else the environment's)."""
    ring = keyring if keyring is not None else keyring_from_env()
    for stamp in stamps:
        _check_signature(stamp, ring, allow_unsigned)
    for before, after in itertools.pairwise(stamps):
        if after.previous_sha256 != before.digest():
            raise ProvenanceInvalid(
                "chain", f"stamp {after.id} does not follow {before.id} (broken review chain)"
            )


def _verified(
    output: Any,
    stamp: Provenance,
    keyring: Keyring | None,
    allow_unsigned: bool,
    chain: Sequence[Provenance],
) -> None:
    """`output`'s stamp verified: with its text when it carries one, else the stamp alone."""
    if isinstance(output, Provenance):
        if chain:
            verify_chain([*chain, stamp], keyring=keyring, allow_unsigned=allow_unsigned)
        else:
            verify_stamp(stamp, keyring=keyring, allow_unsigned=allow_unsigned)
    else:
        verify(output, stamp, keyring=keyring, allow_unsigned=allow_unsigned, chain=chain)


# ----------------------------------------------------------------------------- review


def review(
    output: Any,
    *,
    reviewer: str,
    decision: Literal["approved", "rejected", "edited"],
    edited_text: str | None = None,
    note: str | None = None,
    signer: Signer | None = None,
    audit: AuditTrail | Callable[[dict[str, Any]], None] | None = None,
    keyring: Keyring | None = None,
    allow_unsigned: bool = False,
) -> Provenance:
    """A person's decision on an AI output: a new stamp, signed, chained to the previous.

    The stamp it chains onto is verified first (against `keyring`, else the keys of the
    environment; with the output's text when it carries one): a review never signs what
    it could not verify, unless the caller allows an unsigned stamp by name.

    ``edited`` needs `edited_text`: the new stamp covers that text and its source type
    becomes ``compositeWithTrainedAlgorithmicMedia``. `reviewer` is an identifier of the
    person (an employee id or login), kept on the stamp. One audit event per decision,
    to `audit` (an `AuditTrail` or a callable taking the event dict; by default the
    ``responsible_ai.audit`` logger).
    """
    previous = provenance_of(output)
    if previous is None:
        raise ConfigurationError("review() needs a governed output or its Provenance")
    if decision not in ("approved", "rejected", "edited"):
        raise ConfigurationError("decision must be 'approved', 'rejected' or 'edited'")
    if not reviewer:
        raise ConfigurationError("review() needs the reviewer's identifier")
    if decision == "edited" and edited_text is None:
        raise ConfigurationError("an 'edited' review needs the edited_text")
    if decision != "edited" and edited_text is not None:
        raise ConfigurationError("edited_text goes with decision='edited'")
    signer = signer if signer is not None else signer_from_env()
    if allow_unsigned and signer is not None and not previous.signed:
        raise ConfigurationError(
            "a signed review cannot vouch for an unsigned stamp (allow_unsigned is only for "
            "a deployment without signing keys)"
        )
    _verified(output, previous, keyring, allow_unsigned, ())
    at = clock.rfc3339()
    changes: dict[str, Any] = {
        "review": {"status": decision, "reviewer": reviewer, "at": at, "note": note}
    }
    if edited_text is not None:
        changes["digital_source_type"] = COMPOSITE
    stamp = chained(
        previous,
        signer,
        output_sha256=sha256_text(edited_text) if edited_text is not None else None,
        **changes,
    )
    event = {
        "decision": decision,
        "reviewer": reviewer,
        "provenance_id": stamp.id,
        "previous_id": previous.id,
        "use_case": stamp.use_case,
        "policy_id": stamp.policy.id,
        "policy_version": stamp.policy.version,
        "signed": stamp.signed,
    }
    if audit is None or isinstance(audit, AuditTrail):
        (audit or default_trail).emit("review", **event)
    else:
        audit({"event": "review", **event})
    return stamp


def require_reviewed(
    output: Any,
    *,
    keyring: Keyring | None = None,
    chain: Sequence[Provenance] = (),
    allow_unsigned: bool = False,
    use_case: str | None = None,
    requires_review: Callable[[str], bool] | None = None,
) -> Provenance:
    """Use at publish points: the output's stamp is verified (its signature against
    `keyring`, else the environment's keys, and its text when the output carries one;
    `ProvenanceInvalid` when it cannot be), then `UnreviewedContent` is raised when its
    use case requires review and no person approved it (or a person rejected it).
    An unsigned stamp passes only with ``allow_unsigned=True``; `chain` gives earlier
    stamps to verify the links to. With `use_case`, the stamp must have been made for
    that use case or one below it; `requires_review` (a use case -> bool, such as a
    policy's rule) decides in place of the stamp's own flag."""
    stamp = provenance_of(output)
    if stamp is None:
        raise UnreviewedContent(
            "this output carries no provenance stamp; it cannot be published as reviewed",
            provenance_id=None,
            status="unknown",
        )
    _verified(output, stamp, keyring, allow_unsigned, chain)
    status = stamp.review.status
    if use_case is not None and not (
        stamp.use_case == use_case or stamp.use_case.startswith(use_case + ".")
    ):
        raise UnreviewedContent(
            f"output {stamp.id} was made for another use case than this publish point's",
            provenance_id=stamp.id,
            status=status,
        )
    if status == "rejected":
        raise UnreviewedContent(
            f"output {stamp.id} was rejected by its reviewer", provenance_id=stamp.id, status=status
        )
    needs = stamp.requires_review if requires_review is None else requires_review(stamp.use_case)
    if needs and status not in ("approved", "edited"):
        raise UnreviewedContent(
            f"output {stamp.id} for use case {stamp.use_case!r} requires human review "
            f"(policy {stamp.policy.id} v{stamp.policy.version}); it is {status}",
            provenance_id=stamp.id,
            status=status,
        )
    return stamp
