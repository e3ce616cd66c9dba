"""`Governance`: the composition root. One object, made from the policy and the few
run-time services, owns the pipeline and the services; the drivers take it as peers.

```
Policy + services (signer, telemetry, audit trail, on_decision, detectors, steps)
   └─ Governance ── pipeline (steps 1-6), observers (step 7), routes, review gate
        ├─ Guard                 the library's own client        Guard(governance)
        ├─ GovernedTransport     official SDKs (rai.http_client) http_client(governance)
        └─ @governed             application functions           governed(policy=governance)
```

As httpx's clients and transports share one configuration, a service added here (an
audit sink today; a limiter, a principal resolver or an evidence store tomorrow)
reaches every driver at once, and a driver never builds the pipeline itself.
`Guard(policy)` and `http_client(policy)` stay as short as they were: given a `Policy`,
each makes its `Governance` with the defaults.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypedDict

from ._audit import AuditTrail, default_trail
from ._call import AuditSink, Call, Step
from ._conversations import ConversationStore, open_conversations
from ._credentials import Credentials, CredentialSigner
from ._errors import ConfigurationError
from ._evaluation import Evaluator
from ._evidence import EVIDENCE_URL_ENV, EvidenceStore, announce_policy, open_store
from ._observe import CallRecord, Observers
from ._pii import Detector, KnownValues, Redactor
from ._pipeline import Pipeline
from ._policy import Policy
from ._provenance import (
    Keyring,
    Provenance,
    Signer,
    keyring_from_env,
    require_reviewed,
    review,
    signer_from_env,
)
from ._pseudonym import Pseudonymizer, default_pseudonymizer
from ._state import StateStore, open_state
from ._steps import CredentialStep, Egress, RedactStep, Routes, StampStep
from ._telemetry import Telemetry
from ._training import TRAINING_FILE_ENV, TrainingLookup, training_source
from ._types import Decision

__all__ = ["Governance", "GovernanceOptions"]


class GovernanceOptions(TypedDict, total=False):
    """The services a `Governance` is made with, as keywords (what `Guard(policy, ...)`
    passes on when it is given a `Policy`)."""

    steps: Sequence[Step]
    on_decision: AuditSink | None
    audit: AuditTrail | None
    telemetry: Telemetry | None
    detectors: Sequence[Detector]
    known: KnownValues | None
    signer: Signer | None
    service: str | None
    credentials: Credentials | None
    state: StateStore | str | None
    training: TrainingLookup | str | None
    pseudonymizer: Pseudonymizer | None
    evidence: EvidenceStore | str | None
    evaluators: Sequence[Evaluator]


class Governance:
    """The policy and its services, composed once: the pipeline every driver runs, the
    observers every call is recorded to, the signer and the review gate.

    ``Governance(policy)`` takes the defaults: spans and metrics on the global
    OpenTelemetry providers, audit events on the ``responsible_ai.audit`` logger, the
    signer of ``RAI_SIGNING_KEY`` (if set), the evidence store of ``RAI_EVIDENCE_URL``
    or of the policy's ``[evidence] url`` (if either is set). `detectors` and `known`
    extend the policy's own PII redaction (they cannot replace it); `steps` run after
    the library's; `evaluators` judge each answer (recorded, never refusing).

    Who calls and how much: `state` is where limits and kill switches live (a store, or
    a ``redis://`` / ``valkey://`` URL; else ``RAI_STATE_URL``; else the policy's
    ``state.url``; else in this process); `training` the training records (a CSV or
    JSON export, or a callable; else ``RAI_TRAINING_FILE``); `pseudonymizer` the keyed
    hash of principals (else ``RAI_PSEUDONYM_KEY``'s). Conversations (calls naming
    ``conversation=``) are kept beside `state`: in the process, or on the shared store
    sealed with ``RAI_CONVERSATION_KEY`` (`conversations`; its ``erase`` erases one
    conversation or one data subject's).
    """

    def __init__(
        self,
        policy: Policy,
        *,
        steps: Sequence[Step] = (),
        on_decision: AuditSink | None = None,
        audit: AuditTrail | None = None,
        telemetry: Telemetry | None = None,
        detectors: Sequence[Detector] = (),
        known: KnownValues | None = None,
        signer: Signer | None = None,
        service: str | None = None,
        credentials: Credentials | None = None,
        state: StateStore | str | None = None,
        training: TrainingLookup | str | None = None,
        pseudonymizer: Pseudonymizer | None = None,
        evidence: EvidenceStore | str | None = None,
        evaluators: Sequence[Evaluator] = (),
    ) -> None:
        if not isinstance(policy, Policy):
            raise ConfigurationError(
                f"Governance needs a Policy (from rai.load_policy), got {type(policy).__name__}"
            )
        _check_services(audit, on_decision, signer, steps)
        self.policy = policy
        self.redactor: Redactor | None = None
        if policy.pii.enabled:
            self.redactor = Redactor(
                policy.pii,
                detectors=detectors,
                known=known,
                policy_id=policy.id,
                policy_version=policy.version,
            )
        elif detectors or known is not None:
            raise ConfigurationError(
                "PII redaction is disabled by the policy (pii.enabled = false)"
            )
        self.signer = signer if signer is not None else signer_from_env()
        self.state: StateStore = open_state(state, policy.state)
        self.conversations: ConversationStore = open_conversations(self.state, policy.conversations)
        self.pipeline = Pipeline(
            policy,
            redact=RedactStep(policy, self.redactor) if self.redactor is not None else None,
            stamp=StampStep(policy, self.signer, service),
            credentials=CredentialStep(policy, credentials or _credentials_from_env(policy)),
            steps=steps,
            state=self.state,
            pseudonyms=_pseudonyms(pseudonymizer),
            training=training_source(training or os.environ.get(TRAINING_FILE_ENV) or None),
            service=service,
            conversations=self.conversations,
        )
        for evaluator in evaluators:
            if not callable(evaluator):
                raise TypeError(
                    "evaluators are callables taking a ChatResponse, got "
                    f"{type(evaluator).__name__}"
                )
        self.evidence = _evidence(policy, evidence)
        self.observers = Observers(
            _telemetry(telemetry),
            audit if audit is not None else default_trail,
            on_decision,
            self.evidence,
            tuple(evaluators),
        )
        if self.evidence is not None:
            announce_policy(self.evidence, policy.id, policy.version, policy.sha256)
        self.routes = Routes(policy)
        self.egress = Egress(policy)

    @classmethod
    def of(
        cls, source: Policy | Governance, options: GovernanceOptions, who: str = "Governance"
    ) -> Governance:
        """`source` itself, or a `Governance` made from a policy with `options` (given
        with a `Governance`, options are a mistake: it is already composed)."""
        if isinstance(source, Governance):
            if options:
                raise TypeError(
                    f"{', '.join(sorted(options))} configure a Governance: pass them to "
                    "rai.Governance(policy, ...), not beside one"
                )
            return source
        if not isinstance(source, Policy):
            raise ConfigurationError(
                f"{who} needs a Policy (from rai.load_policy) or a rai.Governance, got "
                f"{type(source).__name__}"
            )
        return cls(source, **options)

    @property
    def telemetry(self) -> Telemetry:
        return self.observers.telemetry

    @property
    def trail(self) -> AuditTrail:
        return self.observers.trail

    # ------------------------------------------------------------------ calls

    def record(self, call: Call) -> CallRecord:
        """A new record (span, measurements, audit events) for `call`."""
        return CallRecord(self.pipeline, self.observers, call)

    def check(self, call: Call) -> Decision:
        """Steps 1-2 for `call`; a refusal is recorded and raised."""
        return CallRecord.check(self.pipeline, self.observers, call)

    # ------------------------------------------------------------------ review gate

    def keyring(self) -> Keyring:
        """The keys stamps are verified with: ``RAI_VERIFY_KEYS`` and the own signer."""
        ring = keyring_from_env()
        if self.signer is not None:
            ring.add_signer(self.signer)
        return ring

    def review(
        self,
        output: Any,
        *,
        reviewer: str,
        decision: Literal["approved", "rejected", "edited"],
        edited_text: str | None = None,
        note: str | None = None,
        allow_unsigned: bool = False,
    ) -> Provenance:
        """`rai.review`, verified against these keys, signed by this signer, recorded on
        this audit trail and in this evidence store."""
        return review(
            output, reviewer=reviewer, decision=decision, edited_text=edited_text, note=note,
            signer=self.signer, audit=self.trail, keyring=self.keyring(),
            allow_unsigned=allow_unsigned,
            evidence=self.evidence if self.evidence is not None else False,
        )  # fmt: skip

    def require_reviewed(
        self,
        output: Any,
        *,
        use_case: str | None = None,
        chain: Sequence[Provenance] = (),
        allow_unsigned: bool = False,
    ) -> Provenance:
        """`rai.require_reviewed` against these keys and *this* policy: whether the
        stamp's use case needs review is decided by this policy, not by the stamp's own
        flag (a stamp made under an older policy cannot carry an older answer); with
        `use_case`, the stamp must have been made for that use case or one below it."""
        rules = self.pipeline.checks.rules
        if use_case is not None:  # as the stamp records it (an undeclared tag is hashed)
            use_case = self.pipeline.checks.recorded.tag(use_case)
        return require_reviewed(
            output, keyring=self.keyring(), chain=chain, allow_unsigned=allow_unsigned,
            use_case=use_case, requires_review=lambda tag: rules.resolve(tag).requires_review,
        )  # fmt: skip


def _pseudonyms(given: Pseudonymizer | None) -> Callable[[], Pseudonymizer]:
    if given is None:
        return default_pseudonymizer
    if not isinstance(given, Pseudonymizer):
        raise TypeError(f"pseudonymizer must be a rai.Pseudonymizer, got {type(given).__name__}")
    return lambda: given


def _evidence(policy: Policy, given: EvidenceStore | str | None) -> EvidenceStore | None:
    """The store given, else ``RAI_EVIDENCE_URL``'s, else the policy's; none when none is
    named — unless the policy requires one (then starting is refused)."""
    if isinstance(given, EvidenceStore):
        return given
    if given is not None and not isinstance(given, str):
        raise TypeError(
            f"evidence must be a rai.EvidenceStore or a URL, got {type(given).__name__}"
        )
    url = given or os.environ.get(EVIDENCE_URL_ENV) or policy.evidence.url
    if not url:
        if policy.evidence.required:
            raise ConfigurationError(
                f"the policy requires an evidence store: set {EVIDENCE_URL_ENV} or "
                "[evidence] url, or pass Governance(policy, evidence=...)"
            )
        return None
    return open_store(url, policy.evidence)


def _telemetry(telemetry: Any) -> Telemetry:
    if telemetry is None:
        return Telemetry()
    if isinstance(telemetry, Telemetry):
        return telemetry
    inner = getattr(telemetry, "telemetry", None)  # rai.testing.CapturedTelemetry
    if not isinstance(inner, Telemetry):
        raise TypeError(
            "telemetry must be a Telemetry (or rai.testing.CapturedTelemetry), "
            f"got {type(telemetry).__name__}"
        )
    return inner


def _check_services(audit: Any, on_decision: Any, signer: Any, steps: Any) -> None:
    """What `Governance` was given is what it expects, or a `TypeError` saying so (a
    wrong type used to fail at the first call, far from the mistake)."""
    if audit is not None and not isinstance(audit, AuditTrail):
        hint = (
            " (a callable receiving each Decision goes in on_decision=)" if callable(audit) else ""
        )
        raise TypeError(f"audit must be a rai.AuditTrail, got {type(audit).__name__}{hint}")
    if on_decision is not None and not callable(on_decision):
        raise TypeError(
            f"on_decision must be a callable taking a Decision, got {type(on_decision).__name__}"
        )
    if signer is not None and not isinstance(signer, Signer):
        raise TypeError(
            f"signer must be a rai.HmacSigner or rai.Ed25519Signer, got {type(signer).__name__}"
        )
    for step in steps:
        if not (
            callable(getattr(step, "prepare", None)) and callable(getattr(step, "finish", None))
        ):
            raise TypeError(
                f"steps must have prepare(prepared) and finish(prepared, response), got "
                f"{type(step).__name__}"
            )


def _credentials_from_env(policy: Policy) -> Credentials | None:
    """The Content Credentials service of ``RAI_C2PA_KEY`` / ``RAI_C2PA_CHAIN`` for a policy
    with ``[provenance.credentials]`` (None without the table, or without a key)."""
    settings = policy.provenance.credentials
    if settings is None:
        return None  # a call that asks for a mark is refused: nothing to sign with
    signer = CredentialSigner.from_env()
    if signer is None:
        return None  # CredentialStep refuses the policy: it asks for marks with no key
    return Credentials(signer, tsa_url=settings.tsa_url, carrier=settings.carrier)
