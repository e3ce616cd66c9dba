"""The human review: `review` records a person's decision as a new signed stamp chained
to the one it judges, and `require_reviewed` is the gate at publish points."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Literal

from .._audit import AuditTrail, default_trail
from .._clock import clock
from .._errors import ConfigurationError, UnreviewedContent
from .._evidence import EVIDENCE_URL_ENV, EvidenceStore, open_store, record_review
from .._usecases import parents
from ._carriers import provenance_of
from ._keys import Keyring, Signer, signer_from_env
from ._model import COMPOSITE, Provenance, sha256_text
from ._stamp import chained
from ._verify import verify_output

__all__ = ["require_reviewed", "review"]


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
    evidence: EvidenceStore | Literal[False] | None = None,
) -> Provenance:
    """A person's decision on an AI output: a new stamp, signed, chained to the previous.

    The stamp it chains onto is verified first (against `keyring`, else the keys of the
    environment; with the output's text when it carries one): a review never signs what
    it could not verify, unless the caller allows an unsigned stamp by name.

    ``edited`` needs `edited_text`: the new stamp covers that text and its source type
    becomes ``compositeWithTrainedAlgorithmicMedia``. `reviewer` is an identifier of the
    person (an employee id or login), kept on the stamp. One audit event per decision,
    to `audit` (an `AuditTrail` or a callable taking the event dict; by default the
    ``responsible_ai.audit`` logger). The review is recorded in `evidence` (by default
    the store of ``RAI_EVIDENCE_URL``, if set; ``False``: none) with the reviewer as a
    pseudonym.
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
    verify_output(output, previous, keyring, allow_unsigned, ())
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
    store = evidence
    if store is None and os.environ.get(EVIDENCE_URL_ENV):
        store = open_store(os.environ[EVIDENCE_URL_ENV])
    if store:
        record_review(store, stamp, previous.id, reviewer)
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
    verify_output(output, stamp, keyring, allow_unsigned, chain)
    status = stamp.review.status
    if use_case is not None and use_case not in parents(stamp.use_case):
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
