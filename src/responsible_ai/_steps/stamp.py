"""Step 6: every answer is stamped with signed provenance, saying who it was made for when
the call had a principal (its pseudonym, roles and teams: as audit events and spans do)."""

from __future__ import annotations

from .._call import Prepared, Screened
from .._clock import service_name
from .._policy import Policy
from .._provenance import (
    PolicyRef,
    Provenance,
    Signer,
    sha256_bytes,
    sha256_text,
    sign_stamp,
    stamp_fields,
)

__all__ = ["StampStep"]


class StampStep:
    """Stamps the screened answer: who made it, for what, under which policy, from which
    prompt as sent (the hash of the body's bytes), with what redacted; signed when the
    Guard has a signer."""

    def __init__(self, policy: Policy, signer: Signer | None, service: str | None) -> None:
        self.signer = signer
        self.service = service_name(service)
        self.disclosure = policy.policy.disclosure
        self.policy_ref = PolicyRef(id=policy.id, version=policy.version, sha256=policy.sha256)

    def finish(
        self,
        prepared: Prepared,
        answer: Screened,
        served_model: str,
        trace_ids: tuple[str | None, str | None],
    ) -> Provenance:
        d = prepared.decision
        fields = stamp_fields(
            provider=d.provider,
            requested_model=d.model,
            served_model=served_model,
            use_case=d.use_case,
            policy_id=d.policy_id,
            policy_version=d.policy_version,
            policy_sha256=d.policy_sha256,
            prompt_sha256=sha256_bytes(prepared.content),
            output_sha256=sha256_text(answer.text),
            redactions=prepared.redactions,
            requires_review=d.requires_review,
            disclosure=self.disclosure,
            service=self.service,
            trace_ids=trace_ids,
            principal=None if d.principal is None else {
                "pseudonym": d.principal, "roles": d.roles, "teams": d.teams, "owner": d.owner,
            },
        )  # fmt: skip
        return sign_stamp(fields, self.signer, self.policy_ref)
