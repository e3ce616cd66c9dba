"""Plain data that flows out of a governed call: decisions, responses, chunks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict

from ._pii import Finding

if TYPE_CHECKING:
    from ._credentials import Marked
    from ._provenance import Provenance
    from ._usecases import Consent

__all__ = ["ChatChunk", "ChatMessage", "ChatResponse", "Decision", "ToolCall", "Usage"]


class ChatMessage(TypedDict):
    """An OpenAI-shaped chat message; Anthropic providers get it translated."""

    role: str
    content: NotRequired[Any]
    name: NotRequired[str]
    tool_calls: NotRequired[list[dict[str, Any]]]
    tool_call_id: NotRequired[str]


@dataclass(frozen=True, slots=True)
class Decision:
    """What the policy decided for one call, and which rule decided it.

    `rule` is a key path in the policy (``use_cases.rules["client.support"]`` ...);
    for an allowed call it is the most specific rule that applied. `principal` (and, for
    an automation, `owner`) is a pseudonym (``p:...``, a keyed hash: the same principal
    gives the same one), never the account id; `roles` and `teams` are in clear.
    """

    outcome: Literal["allowed", "blocked"]
    rule: str
    use_case: str
    provider: str
    model: str
    data_class: str
    policy_id: str
    policy_version: str
    policy_sha256: str
    requires_review: bool = False
    consent: Consent | None = None
    fallback_from: str | None = None
    # who: the principal's and an automation owner's pseudonyms (never the ids), and the
    # principal's roles and teams as they are (None / empty: no principal was given)
    principal: str | None = None
    roles: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    owner: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "rule": self.rule,
            "use_case": self.use_case,
            "provider": self.provider,
            "model": self.model,
            "data_class": self.data_class,
            "policy_id": self.policy_id,
            "policy_version": self.policy_version,
            "policy_sha256": self.policy_sha256,
            "requires_review": self.requires_review,
            "consent": self.consent.as_dict() if self.consent else None,
            "fallback_from": self.fallback_from,
            "principal": self.principal,
            "roles": list(self.roles),
            "teams": list(self.teams),
            "owner": self.owner,
        }


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as the provider reported them (None when it did not)."""

    input_tokens: int | None = None
    output_tokens: int | None = None

    @property
    def total_tokens(self) -> int | None:
        if self.input_tokens is None or self.output_tokens is None:
            return None
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool call the model asked for; `arguments` is the JSON text it produced."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ChatResponse:
    """The answer of a governed call.

    `model` is the model that served the call (as the provider reported it),
    `requested_model` the one the call asked for; `decision` is the policy decision.
    `redactions` counts what was redacted from the prompt, by entity type;
    `output_findings` is PII the model produced on its own (positions in `text` before
    any restore); `restored` says whether placeholders were re-identified;
    `provenance` is the signed stamp of `text`. `credentials` is set when the policy marks
    this use case with Content Credentials (``[provenance.credentials]``): a
    `rai.Marked` whose ``str()`` is the text to publish (`text` with its C2PA manifest
    after it, or `text` alone with a sidecar or header manifest); `text` stays plain.
    """

    text: str
    model: str
    requested_model: str
    provider: str
    usage: Usage
    decision: Decision
    finish_reason: str | None = None
    id: str | None = None
    tool_calls: tuple[ToolCall, ...] = field(default_factory=tuple)
    redactions: dict[str, int] = field(default_factory=dict)
    output_findings: tuple[Finding, ...] = field(default_factory=tuple)
    restored: bool = False
    provenance: Provenance | None = None
    credentials: Marked | None = None

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class ChatChunk:
    """One piece of a streamed answer; `text` is the new text only."""

    text: str
    finish_reason: str | None = None
