"""Step 6b: Content Credentials — for the use cases the policy lists under
``[provenance.credentials]``, the answer's text carries a signed C2PA manifest.

The visible text is not changed (only NFC-normalised, as the binding requires); the
manifest is made from the stamp's facts (policy, use case, provider, model, review
status: names, hashes and counts, never a prompt or a value) and travels as the policy
says (embedded after the text, a sidecar, or an HTTP header) — the carrier of the
call's channel where it names one. A call may add a mark, never remove one the policy
asks for.
"""

from __future__ import annotations

from typing import Any

from .._call import Call, Carrier, Prepared, Screened
from .._credentials import Credentials, Marked, label_for
from .._errors import ConfigurationError, CredentialsRequired
from .._policy import Policy, covers
from .._provenance import Provenance
from .._types import Decision

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
    """Decides which answers carry Content Credentials, and how (`plan`, before the call),
    and marks them (`finish`).

    The policy's use cases are always marked; a call may ask for a mark where the policy
    asks for none (``credentials=True``), never the reverse: ``credentials=False`` on a
    use case the policy marks is refused (`CredentialsRequired`) before anything is sent.
    The carrier is the call's channel's (``[provenance.credentials.channels]``), else the
    policy's default; a channel the policy does not name is an error.
    """

    def __init__(self, policy: Policy, credentials: Credentials | None) -> None:
        settings = policy.provenance.credentials
        self.policy = policy
        self.use_cases = tuple(settings.use_cases) if settings is not None else ()
        self.carrier: Carrier = settings.carrier if settings is not None else "embedded"
        self.channels: dict[str, Carrier] = dict(settings.channels) if settings else {}
        self.label = settings.label if settings is not None else False
        self.disclosure = policy.policy.disclosure
        if self.use_cases and credentials is None:
            raise ConfigurationError(
                "the policy marks outputs with Content Credentials ([provenance.credentials]) "
                "but no C2PA key is configured: set RAI_C2PA_KEY and RAI_C2PA_CHAIN"
            )
        self.credentials = credentials

    def applies(self, use_case: str) -> bool:
        """Whether the policy marks the outputs of `use_case`."""
        return any(covers(tag, use_case) for tag in self.use_cases)

    def plan(self, call: Call, decision: Decision) -> Carrier | None:
        """The carrier of this call's manifest, or None (the answer is not marked).
        Raises `CredentialsRequired` for a call that would switch off a mark the policy
        asks for, `ConfigurationError` for an unknown channel or a mark with no key."""
        asked = call.credentials
        if asked is not None and not isinstance(asked, bool):
            raise ConfigurationError("credentials must be True, False or None")
        carrier = self._carrier(call.channel)
        required = self.applies(decision.use_case)
        if asked is False:
            if required:
                raise CredentialsRequired(
                    "the policy marks this use case's outputs with Content Credentials; a "
                    "call cannot switch them off (name a channel to choose the carrier)",
                    rule="provenance.credentials.use_cases",
                    policy_id=self.policy.id,
                    policy_version=self.policy.version,
                    use_case=decision.use_case,
                    provider=decision.provider,
                    model=decision.model,
                )
            return None
        if not required and asked is None:
            return None
        if self.credentials is None:
            raise ConfigurationError(
                "the call asks for Content Credentials but no C2PA key is configured: add "
                "[provenance.credentials] to the policy and set RAI_C2PA_KEY and RAI_C2PA_CHAIN"
            )
        return carrier

    def _carrier(self, channel: str | None) -> Carrier:
        if channel is None:
            return self.carrier
        if not isinstance(channel, str) or channel not in self.channels:
            known = ", ".join(sorted(self.channels)) or "none"
            raise ConfigurationError(
                "the call names a channel [provenance.credentials.channels] does not list "
                f"(known: {known})"
            )
        return self.channels[channel]

    def finish(
        self, prepared: Prepared, answer: Screened, stamp: Provenance | None
    ) -> Marked | None:
        """The marked answer, or None when the call is not marked (or the answer has no
        text: a tool call alone carries no text to mark)."""
        carrier = prepared.marking
        if carrier is None or self.credentials is None or stamp is None or not answer.text:
            return None
        marked = self.credentials.mark(answer.text, stamp_facts(stamp), carrier=carrier)
        if self.label:
            return marked.labelled(label_for(self.disclosure))
        return marked
