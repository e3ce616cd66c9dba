"""The one error tree of responsible-ai.

```
ResponsibleAIError
├── PolicyError                 the policy file is unreadable or invalid
│   └── PolicyHashMismatch      the file is not the pinned one
├── PolicyViolation             a call breaks the policy; nothing was sent
│   ├── ProviderNotApproved
│   ├── EndpointNotGoverned     a path that is no inference endpoint (models, files...)
│   ├── ModelNotApproved
│   ├── UseCaseBlocked
│   ├── ConsentRequired
│   ├── DataClassExceeded
│   ├── PIIBlocked              the prompt holds PII whose operator is `block`
│   ├── PrincipalRequired       the rule needs to know who calls, and no principal was given
│   ├── PrincipalNotAllowed     the principal's roles, teams or kind are not allowed here
│   ├── TrainingRequired        a required training record is missing or expired
│   ├── LimitExceeded           a request, token, cost or unit budget has no room left
│   ├── ModelNotPriced          a cost limit applies and the model has no price
│   ├── KillSwitchOn            the use case (or the automation) is switched off
│   ├── StateUnavailable        the shared state store cannot be reached (fail closed)
│   └── CredentialsRequired     a call asked for no Content Credentials where the policy marks
├── RedactionFailed             a detector or operator failed: nothing was sent
├── StateError                  the state store failed (the limits step decides what follows)
├── ProvenanceInvalid           a stamp failed verification (.check names which check)
├── UnreviewedContent           AI output needing review was about to be published
├── CredentialsError            Content Credentials could not be made (.stage: key, time-stamp, ...)
├── ProviderError               the approved provider failed (after retries)
│   ├── ProviderUnavailable     connection errors and time-outs
│   ├── ProviderHTTPError       a non-success HTTP status
│   └── ProviderResponseError   a body that is not the provider's wire format
├── ConfigurationError          the library is used wrongly (no API key, no bound client, ...)
└── EvidenceError               the evidence store cannot record or do what was asked
    ├── EvidenceUnavailable     the store cannot be reached or written: the call is refused
    └── LegalHoldActive         an erasure or deletion touches records under a legal hold
```

Messages never contain prompt text, answers or secrets: a violation names the rule,
the policy id and version; a provider error names the provider, the status and the
error type the provider reported, never its body.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConfigurationError",
    "ConsentRequired",
    "CredentialsError",
    "CredentialsRequired",
    "DataClassExceeded",
    "EndpointNotGoverned",
    "EvidenceError",
    "EvidenceUnavailable",
    "KillSwitchOn",
    "LegalHoldActive",
    "LimitExceeded",
    "ModelNotApproved",
    "ModelNotPriced",
    "PIIBlocked",
    "PolicyError",
    "PolicyHashMismatch",
    "PolicyIssue",
    "PolicyViolation",
    "PrincipalNotAllowed",
    "PrincipalRequired",
    "ProvenanceInvalid",
    "ProviderError",
    "ProviderHTTPError",
    "ProviderNotApproved",
    "ProviderResponseError",
    "ProviderUnavailable",
    "RedactionFailed",
    "ResponsibleAIError",
    "StateError",
    "StateUnavailable",
    "TrainingRequired",
    "UnreviewedContent",
    "UseCaseBlocked",
]


class ResponsibleAIError(Exception):
    """Root of every error this library raises."""


class PolicyIssue:
    """One problem found in a policy file: where (key path) and what was expected."""

    __slots__ = ("message", "path")

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def __repr__(self) -> str:
        return f"PolicyIssue(path={self.path!r}, message={self.message!r})"


class PolicyError(ResponsibleAIError):
    """The policy file cannot be used. `source` names the file, `issues` each bad key."""

    def __init__(self, source: str, issues: list[PolicyIssue]) -> None:
        self.source = source
        self.issues = issues
        lines = [f"{source}: invalid policy ({len(issues)} problem{'s' * (len(issues) != 1)})"]
        lines += [f"  {source}: {issue}" for issue in issues]
        super().__init__("\n".join(lines))


class PolicyHashMismatch(PolicyError):
    """The policy's canonical SHA-256 differs from the pinned one."""

    def __init__(self, source: str, expected: str, actual: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            source,
            [
                PolicyIssue(
                    "",
                    f"sha256 is {actual}, but the pinned hash (RAI_POLICY_SHA256 or "
                    f"sha256=) is {expected}; refusing to load an unpinned policy",
                )
            ],
        )


class PolicyViolation(ResponsibleAIError):
    """A governed call breaks the policy. It was refused before any network I/O.

    Attributes name what decided: `rule` (a key path in the policy, e.g.
    ``use_cases.blocked[hr]``), `policy_id`, `policy_version`, and where known the
    `use_case`, `provider` and `model` of the call. Never prompt text.
    """

    reason = "policy violation"

    def __init__(
        self,
        detail: str,
        *,
        rule: str,
        policy_id: str,
        policy_version: str,
        use_case: str | None = None,
        provider: str | None = None,
        model: str | None = None,
    ) -> None:
        self.detail = detail
        self.rule = rule
        self.policy_id = policy_id
        self.policy_version = policy_version
        self.use_case = use_case
        self.provider = provider
        self.model = model
        super().__init__(
            f"{self.reason}: {detail} (rule {rule}; policy {policy_id} v{policy_version})"
        )

    def as_dict(self) -> dict[str, Any]:
        """The violation as plain data, for audit events and API error bodies."""
        return {
            "error": type(self).__name__,
            "detail": self.detail,
            "rule": self.rule,
            "policy_id": self.policy_id,
            "policy_version": self.policy_version,
            "use_case": self.use_case,
            "provider": self.provider,
            "model": self.model,
        }


class ProviderNotApproved(PolicyViolation):
    """The provider is not in the registry, or a policy switch excludes it."""

    reason = "provider not approved"


class EndpointNotGoverned(PolicyViolation):
    """A request through the governed client to a path of an approved provider that is
    not an inference endpoint the library governs (``models.list()``, ``count_tokens``,
    files, a doubled ``/v1``): refused before it is sent, naming the path and the
    endpoints the policy allows."""

    reason = "endpoint not governed"


class ModelNotApproved(PolicyViolation):
    """The model is not on the provider's allow-list."""

    reason = "model not approved"


class UseCaseBlocked(PolicyViolation):
    """The declared use case (or one of its parents) must not use AI, or is undeclared."""

    reason = "use case blocked"


class ConsentRequired(PolicyViolation):
    """The use case requires a consent record covering it, and the call carries none."""

    reason = "consent required"


class DataClassExceeded(PolicyViolation):
    """The call's data class is above what the use case or the provider may receive."""

    reason = "data class exceeded"


class PIIBlocked(PolicyViolation):
    """The text holds PII the policy blocks. `counts` has entity types and counts only."""

    reason = "PII blocked"

    def __init__(
        self,
        counts: dict[str, int],
        *,
        rule: str,
        policy_id: str,
        policy_version: str,
        where: str = "prompt",
        use_case: str | None = None,
        provider: str | None = None,
        model: str | None = None,
    ) -> None:
        self.counts = dict(sorted(counts.items()))
        found = ", ".join(f"{kind} x{n}" for kind, n in self.counts.items())
        super().__init__(
            f"the {where} contains {found}",
            rule=rule,
            policy_id=policy_id,
            policy_version=policy_version,
            use_case=use_case,
            provider=provider,
            model=model,
        )


class PrincipalRequired(PolicyViolation):
    """A rule needs to know who calls (roles, teams, training, a per-principal limit) and
    the call carries no principal: pass ``principal=`` or bind one with
    ``rai.acting_as(principal)``."""

    reason = "principal required"


class PrincipalNotAllowed(PolicyViolation):
    """The principal's roles or teams are not among those the rule allows, are among those
    it denies, or the principal is an automation the rule does not admit (or one without
    an owner)."""

    reason = "principal not allowed"


class TrainingRequired(PolicyViolation):
    """The use case requires a training course the principal has no valid record of
    (missing, expired, or dated in the future). `course` names it."""

    reason = "training required"

    def __init__(self, detail: str, *, course: str, **kw: Any) -> None:
        self.course = course
        super().__init__(detail, **kw)


class LimitExceeded(PolicyViolation):
    """A budget (requests, tokens, cost or declared units per window) has no room for the
    call's worst case. `measure` names which, `limit` its size in the window and
    `window_s` the window."""

    reason = "limit exceeded"

    def __init__(
        self, detail: str, *, measure: str, limit: float, window_s: int, **kw: Any
    ) -> None:
        self.measure = measure
        self.limit = limit
        self.window_s = window_s
        super().__init__(detail, **kw)


class ModelNotPriced(PolicyViolation):
    """A token or cost limit applies and the model has no entry in ``limits.prices`` while
    the policy says unpriced models are refused (``limits.unpriced = "refuse"``)."""

    reason = "model not priced"


class KillSwitchOn(PolicyViolation):
    """A platform team switched the use case (or a tag above it, or the automation) off
    with ``rai kill``."""

    reason = "kill switch on"


class StateUnavailable(PolicyViolation):
    """The shared state store (limits, kill switches) could not be reached and the policy
    refuses calls then (``state.on_unreachable = "refuse"``, the default)."""

    reason = "state store unavailable"


class CredentialsRequired(PolicyViolation):
    """A call asked for no Content Credentials (``credentials=False``, or the
    ``x-rai-credentials: off`` header) for a use case whose outputs the policy marks: a
    call may add a mark, never remove one the policy asks for. To publish where invisible
    characters cannot go, name the channel (``channel=``): its carrier is the policy's."""

    reason = "content credentials required"


class StateError(ResponsibleAIError):
    """The state store failed: unreachable, timed out, or answered something unexpected.
    Never carries a key's value or the server's password."""


class RedactionFailed(ResponsibleAIError):
    """A detector or operator failed, or content could not be inspected: the call was
    refused (fail closed). Names the detector and error type, never the text."""

    def __init__(self, message: str, *, detector: str | None = None, error_type: str | None = None):
        self.detector = detector
        self.error_type = error_type
        super().__init__(message)


class ProvenanceInvalid(ResponsibleAIError):
    """A stamp failed verification. `check` names the check that failed:
    ``schema``, ``unsigned``, ``unknown_kid``, ``signature``, ``output_hash``, ``chain``."""

    def __init__(self, check: str, detail: str) -> None:
        self.check = check
        self.detail = detail
        super().__init__(f"provenance invalid ({check}): {detail}")


class UnreviewedContent(ResponsibleAIError):
    """AI output that needs a person's approval was about to be published without it."""

    def __init__(self, detail: str, *, provenance_id: str | None, status: str) -> None:
        self.provenance_id = provenance_id
        self.status = status
        super().__init__(detail)


class CredentialsError(ResponsibleAIError):
    """Content Credentials (a C2PA manifest) could not be made: `stage` names the step
    (``time-stamp``, ``sign``, ``size``); the message never carries the text."""

    def __init__(self, stage: str, detail: str) -> None:
        self.stage = stage
        self.detail = detail
        super().__init__(f"content credentials ({stage}): {detail}")


class ProviderError(ResponsibleAIError):
    """The approved provider could not give an answer."""

    def __init__(self, message: str, *, provider: str, attempts: int = 1) -> None:
        self.provider = provider
        self.attempts = attempts
        super().__init__(message)


class ProviderUnavailable(ProviderError):
    """Connection errors or time-outs persisted through every retry."""


class ProviderHTTPError(ProviderError):
    """The provider answered with a non-success status."""

    def __init__(
        self,
        *,
        provider: str,
        status_code: int,
        error_type: str | None = None,
        attempts: int = 1,
    ) -> None:
        self.status_code = status_code
        self.error_type = error_type
        kind = f" ({error_type})" if error_type else ""
        super().__init__(
            f"provider {provider!r} answered HTTP {status_code}{kind} after {attempts} attempt"
            f"{'s' * (attempts != 1)}",
            provider=provider,
            attempts=attempts,
        )


class ProviderResponseError(ProviderError):
    """The provider's body is not the wire format its kind promises."""


class ConfigurationError(ResponsibleAIError):
    """The library is set up or used wrongly (a missing API key variable, no bound client...)."""


class EvidenceError(ResponsibleAIError):
    """The evidence store cannot do what was asked (its messages never carry a subject,
    a prompt or a credential)."""


class EvidenceUnavailable(EvidenceError):
    """The evidence store cannot be opened or written: a governed call that cannot leave
    its record is not made (fail closed)."""


class LegalHoldActive(EvidenceError):
    """An erasure or a deletion would touch records a legal hold covers (a serious
    incident keeps its records until it is resolved)."""

    def __init__(self, message: str, *, incidents: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.incidents = incidents
