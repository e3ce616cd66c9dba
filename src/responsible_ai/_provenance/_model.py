"""The stamp as data: `Provenance` and its parts, its canonical JSON, and the hashes and
base64url it is written with.

Canonical JSON is sorted keys, no insignificant whitespace, UTF-8: the bytes a signature
covers (everything but `signature`), so any language can rebuild and check them.

A field added after the first stamps were made (`principal`) is optional and written only
when present: a stamp without it has the canonical form it always had, so stamps made
before it still verify, and one with it has it under its signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)

from .._errors import ProvenanceInvalid
from .._policy import no_duplicate_keys

__all__ = [
    "COMPOSITE",
    "HEADER",
    "OPTIONAL_FIELDS",
    "SCHEMA_VERSION",
    "TRAINED",
    "PolicyRef",
    "PrincipalRef",
    "Provenance",
    "ReviewInfo",
    "SignatureInfo",
    "b64url_decode",
    "b64url_encode",
    "canonical_json",
    "sha256_bytes",
    "sha256_text",
]

SCHEMA_VERSION = "rai.provenance/1"
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = IPTC + "trainedAlgorithmicMedia"
COMPOSITE = IPTC + "compositeWithTrainedAlgorithmicMedia"
HEADER = "AI-Provenance"
OPTIONAL_FIELDS = ("principal",)  # in the canonical form only when present
_PSEUDONYM = r"^p:[A-Za-z0-9_-]{22}$"
_GROUP = r"^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}$"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyRef(_Frozen):
    id: str
    version: str
    sha256: str


class PrincipalRef(_Frozen):
    """Who the output was made for, as records may say it: the principal's pseudonym
    (``p:`` and 22 base64url characters, a keyed hash: never the account id), its roles
    and teams in clear, and an automation owner's pseudonym."""

    pseudonym: str = Field(pattern=_PSEUDONYM)
    roles: tuple[Annotated[str, Field(pattern=_GROUP)], ...] = ()
    teams: tuple[Annotated[str, Field(pattern=_GROUP)], ...] = ()
    owner: str | None = Field(default=None, pattern=_PSEUDONYM)


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
    principal: PrincipalRef | None = None  # who it was made for (stamps since 2026-12)
    signature: SignatureInfo = Field(default_factory=SignatureInfo)

    @model_serializer(mode="wrap")
    def _absent_left_out(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Every form of the stamp (its JSON, its header, what is signed and chained to)
        leaves out an optional field it does not have."""
        data: dict[str, Any] = handler(self)
        for name in OPTIONAL_FIELDS:
            if data.get(name, 0) is None:
                del data[name]
        return data

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
        return b64url_encode(self.to_json().encode("utf-8"))

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


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64url_encode(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_decode(text: str) -> bytes:
    """base64url without padding, in its one canonical form: any other character, any
    padding, any spare bits set is an error (one signature has one encoding)."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not canonical base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise ValueError("not canonical base64url")
    return data
