"""Step 6b: Content Credentials — for the use cases the policy lists under
``[provenance.credentials]``, the answer's text carries a signed C2PA manifest.

The visible text is not changed (only NFC-normalised, as the binding requires); the
manifest is made from the stamp's facts (policy, use case, provider, model, review
status: names, hashes and counts, never a prompt or a value) and travels as the policy
says (embedded after the text, a sidecar, or an HTTP header).
"""

from __future__ import annotations

from typing import Any

from .._call import Prepared, Screened
from .._credentials import Credentials, Marked, label_for
from .._errors import ConfigurationError
from .._policy import Policy, covers
from .._provenance import Provenance

__all__ = ["CredentialStep", "stamp_facts"]


def stamp_facts(stamp: Provenance) -> dict[str, Any]:
    """The facts of a stamp a manifest carries (``org.responsible-ai.stamp``)."""
    return {
        "stamp_id": stamp.id,
        "policy": {"id": stamp.policy.id, "version": stamp.policy.version,
                   "sha256": stamp.policy.sha256},
        "use_case": stamp.use_case,
        "provider": stamp.provider,
        "requested_model": stamp.requested_model,
        "served_model": stamp.served_model,
        "prompt_sha256": stamp.prompt_sha256,
        "output_sha256": stamp.output_sha256,
        "redactions": dict(stamp.redactions),
        "requires_review": stamp.requires_review,
        "review_status": stamp.review.status,
    }  # fmt: skip


class CredentialStep:
    """Marks the answers of the policy's credential use cases (and of calls that ask)."""

    def __init__(self, policy: Policy, credentials: Credentials | None) -> None:
        settings = policy.provenance.credentials
        self.use_cases = tuple(settings.use_cases) if settings is not None else ()
        self.carrier = settings.carrier if settings is not None else "embedded"
        self.label = settings.label if settings is not None else False
        self.disclosure = policy.policy.disclosure
        if self.use_cases and credentials is None:
            raise ConfigurationError(
                "the policy marks outputs with Content Credentials ([provenance.credentials]) "
                "but no C2PA key is configured: set RAI_C2PA_KEY and RAI_C2PA_CHAIN"
            )
        self.credentials = credentials

    def applies(self, use_case: str) -> bool:
        return any(covers(tag, use_case) for tag in self.use_cases)

    def finish(
        self, prepared: Prepared, answer: Screened, stamp: Provenance | None
    ) -> Marked | None:
        """The marked answer, or None when the call's use case is not marked (or the
        answer has no text: a tool call alone carries no text to mark)."""
        if self.credentials is None or stamp is None or not answer.text:
            return None
        if not self.applies(prepared.decision.use_case):
            return None
        marked = self.credentials.mark(answer.text, stamp_facts(stamp), carrier=self.carrier)
        if self.label:
            return marked.labelled(label_for(self.disclosure))
        return marked
