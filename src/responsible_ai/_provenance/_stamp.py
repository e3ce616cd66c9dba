"""Making stamps: the fields of a new, unreviewed stamp, signing them into a `Provenance`,
and a signed successor chained to an earlier stamp (what a review and a derived result
both make)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from .._clock import clock, uuid7
from ._keys import Signer
from ._model import (
    OPTIONAL_FIELDS,
    SCHEMA_VERSION,
    TRAINED,
    PolicyRef,
    Provenance,
    ReviewInfo,
    SignatureInfo,
    b64url_encode,
    canonical_json,
)

__all__ = ["chained", "sign_stamp", "stamp_fields"]


def sign_stamp(
    fields: dict[str, Any], signer: Signer | None, policy_ref: PolicyRef | None = None
) -> Provenance:
    """Sign the stamp fields (a dict as the model dumps it, without `signature`) and
    build the Provenance (validated, with the already-built shared parts; `policy_ref`,
    when given, is the policy part already built)."""
    fields.pop("signature", None)
    for name in OPTIONAL_FIELDS:  # absent, not null: the canonical form stamps always had
        if name in fields and fields[name] is None:
            del fields[name]
    if signer is not None:
        value = signer.sign(canonical_json(fields))
        signature = SignatureInfo(alg=signer.alg, kid=signer.kid, value=b64url_encode(value))  # type: ignore[arg-type]
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
    principal: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The fields of a new, unreviewed stamp (a dict as the model dumps it); `principal`
    (pseudonym, roles, teams, owner) only when the call had one."""
    now = time.time_ns()
    fields = {
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
    if principal is not None:
        fields["principal"] = dict(principal)
    return fields


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
