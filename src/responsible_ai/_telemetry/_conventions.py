"""The names telemetry records under: GenAI semantic-convention buckets and request
parameters, the policy attributes under ``rai.``, and the facts a span reads from a
decision and an answer (as `Protocol`s: telemetry knows no `Call`)."""

from __future__ import annotations

from typing import Any, Protocol

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai

__all__ = [
    "CAPTURE_CONTENT_ENV",
    "CHAT",
    "DURATION_BUCKETS",
    "TOKEN_BUCKETS",
    "UNLISTED",
    "AnswerFacts",
    "DecisionFacts",
    "MetricAttrs",
    "StreamClosed",
]

CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"

# Bucket boundaries from the GenAI semantic conventions (metrics spec, "advice").
TOKEN_BUCKETS = [
    1,
    4,
    16,
    64,
    256,
    1024,
    4096,
    16384,
    65536,
    262144,
    1048576,
    4194304,
    16777216,
    67108864,
]
DURATION_BUCKETS = [
    0.01,
    0.02,
    0.04,
    0.08,
    0.16,
    0.32,
    0.64,
    1.28,
    2.56,
    5.12,
    10.24,
    20.48,
    40.96,
    81.92,
]

PROVIDER_NAMES = {
    "openai": gen_ai.GenAiProviderNameValues.OPENAI.value,
    "anthropic": gen_ai.GenAiProviderNameValues.ANTHROPIC.value,
}
REQUEST_PARAMS = {
    "temperature": gen_ai.GEN_AI_REQUEST_TEMPERATURE,
    "max_tokens": gen_ai.GEN_AI_REQUEST_MAX_TOKENS,
    "max_completion_tokens": gen_ai.GEN_AI_REQUEST_MAX_TOKENS,
    "top_p": gen_ai.GEN_AI_REQUEST_TOP_P,
    "top_k": gen_ai.GEN_AI_REQUEST_TOP_K,
    "frequency_penalty": gen_ai.GEN_AI_REQUEST_FREQUENCY_PENALTY,
    "presence_penalty": gen_ai.GEN_AI_REQUEST_PRESENCE_PENALTY,
    "seed": gen_ai.GEN_AI_REQUEST_SEED,
    "n": gen_ai.GEN_AI_REQUEST_CHOICE_COUNT,
}

RAI_USE_CASE = "rai.use_case"
RAI_DECISION = "rai.decision"
RAI_RULE = "rai.rule"
RAI_POLICY_ID = "rai.policy.id"
RAI_POLICY_VERSION = "rai.policy.version"
RAI_POLICY_SHA256 = "rai.policy.sha256"
RAI_DATA_CLASS = "rai.data_class"
RAI_REDACTIONS = "rai.redactions"  # rai.redactions.<ENTITY_TYPE> = count, .total
RAI_REDACTIONS_TOTAL = f"{RAI_REDACTIONS}.total"
RAI_PROVENANCE_ID = "rai.provenance.id"
RAI_REVIEW_REQUIRED = "rai.review.required"
RAI_FALLBACK_FROM = "rai.fallback_from"
RAI_OUTPUT_PII = "rai.output_pii"
RAI_PROVIDER = "rai.provider"  # the policy's name of the provider
RAI_PRINCIPAL = "rai.principal"  # a pseudonym (p:...), never the account id
RAI_PRINCIPAL_ROLES = "rai.principal.roles"
RAI_PRINCIPAL_TEAMS = "rai.principal.teams"
RAI_PRINCIPAL_OWNER = "rai.principal.owner"  # an automation owner's pseudonym
UNLISTED = "(not in the policy)"


class StreamClosed(Exception):
    """Recorded on a stream's span when the caller stops reading before the end."""


class DecisionFacts(Protocol):
    """What a span and the decision counter record of a decision (`rai.Decision`)."""

    @property
    def outcome(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def use_case(self) -> str: ...
    @property
    def data_class(self) -> str: ...
    @property
    def policy_id(self) -> str: ...
    @property
    def policy_version(self) -> str: ...
    @property
    def policy_sha256(self) -> str: ...
    @property
    def requires_review(self) -> bool: ...
    @property
    def fallback_from(self) -> str | None: ...
    @property
    def principal(self) -> str | None: ...
    @property
    def roles(self) -> tuple[str, ...]: ...
    @property
    def teams(self) -> tuple[str, ...]: ...
    @property
    def owner(self) -> str | None: ...


class _Tokens(Protocol):
    @property
    def input_tokens(self) -> int | None: ...
    @property
    def output_tokens(self) -> int | None: ...


class _Stamped(Protocol):
    @property
    def id(self) -> str: ...


class AnswerFacts(Protocol):
    """What a span and the measurements record of an answer (`rai.ChatResponse`)."""

    @property
    def model(self) -> str: ...
    @property
    def id(self) -> str | None: ...
    @property
    def finish_reason(self) -> str | None: ...
    @property
    def usage(self) -> _Tokens: ...
    @property
    def provenance(self) -> _Stamped | None: ...
    @property
    def output_findings(self) -> tuple[Any, ...]: ...


CHAT = gen_ai.GenAiOperationNameValues.CHAT.value
MetricAttrs = tuple[dict[str, Any], dict[str, Any], dict[str, Any]]
