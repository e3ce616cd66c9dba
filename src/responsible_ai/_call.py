"""The shapes every layer above the libraries shares: a call, what the steps made of it,
and the protocols of steps, chunk filters and decision sinks.

A leaf, as structlog's ``typing.py`` is: it holds data and protocols and imports only the
types its fields are made of. The data flows one way::

    Call ──prepare──▶ Prepared ──send──▶ WireAnswer ──finish──▶ Screened ──▶ ChatResponse

`Call` is what the caller asked for and no step changes it, so the pipeline can run
again on it (a fallback to another provider starts from the caller's own request).
Each step returns what it produces; the pipeline gathers the products in a `Prepared`.

The immutable shapes are named tuples: immutable like a frozen dataclass, and made in a
quarter of its time (several are made per call, on the hot path).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, Protocol

from ._pii import Finding, KnownValues, OperatorPlan, PIISession
from ._policy import DataClass, Provider
from ._principal import Principal
from ._state import Held
from ._types import ChatMessage, ChatResponse, Decision, ToolCall, Usage
from ._usecases import Consent, EffectiveRule

__all__ = [
    "NO_USE_CASE",
    "AuditSink",
    "Call",
    "Carrier",
    "ChunkFilter",
    "Endpoint",
    "Outbound",
    "PiiContext",
    "Prepared",
    "Screened",
    "Step",
    "WireAnswer",
]

Endpoint = Literal["chat", "responses", "messages"]
"""The inference endpoint a request goes to: OpenAI chat completions, OpenAI Responses,
Anthropic messages."""

NO_USE_CASE = "undeclared"
"""The use case of an SDK request that declared none (the policy's default rule applies)."""

Carrier = Literal["embedded", "sidecar", "header"]
"""How an answer's Content Credentials travel (``rai.Carrier``)."""

AuditSink = Callable[[Decision], None]
"""The ``on_decision`` callback: called with every decision the pipeline records."""

_NOTHING: Mapping[str, Any] = MappingProxyType({})


class Call(NamedTuple):
    """One governed call as the caller asked for it. No step changes it.

    `Guard` gives `messages` and `params` (the wire format builds the body); the SDK
    transport gives `body`, the SDK's own request body, and its `endpoint`.
    """

    use_case: str
    provider_name: str
    model: str
    messages: Sequence[ChatMessage] = ()
    params: Mapping[str, Any] = _NOTHING
    body: Mapping[str, Any] | None = None
    endpoint: Endpoint | None = None  # None: the provider kind's chat endpoint
    # what else of the SDK's request a provider receives: query parameters and headers
    # other than the structural ones, as {"query": [[k, v], ...], "headers": [[k, v], ...]}
    extra: Mapping[str, Any] | None = None
    data_class: DataClass | None = None
    consent: Consent | None = None
    stream: bool = False
    subject: KnownValues | None = None  # the client whose known values are redacted
    session: PIISession | None = None  # the conversation's placeholders (None: a new one)
    restore: bool | None = None  # re-identify the answer (None: the policy decides)
    fallback_from: str | None = None
    principal: Principal | None = None  # who the call is made for (None: nobody said)
    units: int | None = None  # what the caller declares it counts (a campaign's recipients)
    call_id: str | None = None  # the reservation's id (a fallback keeps the first one's)
    # Content Credentials asked for by this call: True adds a manifest, False asks for
    # none (refused where the policy marks the use case); None: the policy decides
    credentials: bool | None = None
    channel: str | None = None  # where the answer is published: its carrier (the policy's)
    # the conversation the call is a turn of: its session is loaded from the conversation
    # store and what it adds kept there (None: the call's own session, or a new one)
    conversation: str | None = None


class PiiContext(NamedTuple):
    """What the redact step fixed for one call: the operators, the placeholders of the
    conversation, the client values, and whether the answer is restored."""

    plan: OperatorPlan
    session: PIISession
    subject: KnownValues | None
    restore: bool


class Outbound(NamedTuple):
    """What may leave: the request body as the redact step made it, and what it found.

    `redactions` counts findings by entity type (never values); `pii` is None when the
    policy turns PII redaction off."""

    body: Mapping[str, Any]
    redactions: Mapping[str, int] = _NOTHING
    pii: PiiContext | None = None
    extra: Mapping[str, Any] | None = None  # the call's `extra`, redacted


class Prepared(NamedTuple):
    """A call the policy allowed, with every product of the steps that allowed it: the
    approved provider, the rule and decision, the body that may leave, as bytes."""

    call: Call
    provider: Provider
    endpoint: Endpoint
    rule: EffectiveRule
    decision: Decision
    outbound: Outbound
    content: bytes  # the body exactly as it is sent (what the stamp's prompt hash covers)
    audit_fields: Mapping[str, Any] = _NOTHING  # the decision's, made once
    marking: Carrier | None = None  # the carrier of the answer's C2PA manifest (None: unmarked)
    reservation: Held | None = None  # what the limits step holds for the call (keep it last)

    @property
    def redactions(self) -> Mapping[str, int]:
        return self.outbound.redactions

    def holding(self, reservation: Held) -> Prepared:
        """This call holding `reservation` (as ``_replace`` would make it, in a third of
        its time: the limits step runs on every call)."""
        return Prepared(*self[:-1], reservation)


@dataclass(slots=True)
class WireAnswer:
    """What a wire format reads from an answer (a body, or a folded stream)."""

    text: str
    model: str | None
    id: str | None
    usage: Usage
    finish_reason: str | None
    tool_calls: tuple[ToolCall, ...] = ()


class Screened(NamedTuple):
    """The answer after the redact step's second half: PII the model produced found
    (and masked or refused per policy), placeholders restored where the policy allows.

    `captured` is the answer with every finding and placeholder as ``<ENTITY_TYPE>``:
    the only form of the answer that telemetry may record."""

    text: str
    tool_calls: tuple[ToolCall, ...]
    findings: tuple[Finding, ...] = ()
    restored: bool = False
    captured: str | None = None


class ChunkFilter(Protocol):
    """Transforms a streamed answer piece by piece; `flush` returns what it held back."""

    def feed(self, piece: str) -> str: ...
    def flush(self) -> str: ...


class Step(Protocol):
    """A step of your own, run after the library's: ``prepare`` sees every allowed call
    before any I/O (raise a `PolicyViolation` to refuse it); ``finish`` gets the answer
    and returns it (or a changed copy)."""

    def prepare(self, prepared: Prepared) -> None: ...
    def finish(self, prepared: Prepared, response: ChatResponse) -> ChatResponse: ...
