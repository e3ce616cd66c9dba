"""`CallSpan`: the span and measurements of one governed call, from decision to answer
(one CLIENT span in the GenAI conventions, its duration, tokens and first chunk, the
policy counters); `start_span` makes one, or the shared do-nothing one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv.attributes import error_attributes
from opentelemetry.trace import SpanKind, Status, StatusCode

from .._clock import current_trace
from .._policy import Provider
from ._conventions import (
    CHAT,
    RAI_DATA_CLASS,
    RAI_DECISION,
    RAI_FALLBACK_FROM,
    RAI_OUTPUT_PII,
    RAI_POLICY_ID,
    RAI_POLICY_SHA256,
    RAI_POLICY_VERSION,
    RAI_PRINCIPAL,
    RAI_PRINCIPAL_OWNER,
    RAI_PRINCIPAL_ROLES,
    RAI_PRINCIPAL_TEAMS,
    RAI_PROVENANCE_ID,
    RAI_PROVIDER,
    RAI_REDACTIONS,
    RAI_REDACTIONS_TOTAL,
    RAI_REVIEW_REQUIRED,
    RAI_RULE,
    RAI_USE_CASE,
    REQUEST_PARAMS,
    UNLISTED,
    AnswerFacts,
    DecisionFacts,
)
from ._instruments import Telemetry

__all__ = ["EVALUATION_RESULT", "CallSpan", "start_span"]

EVALUATION_RESULT = "gen_ai.evaluation.result"  # the GenAI event (semantic conventions 1.37+)


def start_span(
    t: Telemetry,
    *,
    model: str,
    provider: str,
    use_case: str,
    params: Mapping[str, Any],
    stream: bool,
) -> CallSpan:
    """The span and measurements of one call on `t` (a shared do-nothing one when no
    provider records anything)."""
    tracing = t.tracing_on()
    measure = t.metrics_on()
    if not (tracing or measure):
        return _SILENT  # nothing can record: one shared do-nothing observation
    return CallSpan(
        t, model=model, provider=provider, use_case=use_case, params=params,
        stream=stream, tracing=tracing, measure=measure,
    )  # fmt: skip


class CallSpan:
    """The span and measurements of one governed call, from decision to answer."""

    listening = True  # False for the shared do-nothing observation: callers skip the work

    __slots__ = (
        "_context", "_decided", "_ended", "_first", "_ids", "_measure", "_model",
        "_pending", "_provider", "_recording", "_start", "_tokens", "span", "t",
    )  # fmt: skip

    def __init__(
        self,
        t: Telemetry,
        *,
        model: str,
        provider: str,
        use_case: str,
        params: Mapping[str, Any],
        stream: bool,
        tracing: bool,
        measure: bool,
    ) -> None:
        self.t = t
        self._start = time.perf_counter()
        self._first: float | None = None
        self._decided = False
        self._ended = False
        self._model = model
        self._provider: str | None = None  # gen_ai.provider.name, known once decided
        self._pending: dict[str, Any] = {}  # set on the span in one call, when it ends
        self._context: otel_context.Context | None = None  # the span's, made once
        self._tokens: list[object] = []  # context tokens of `enter`, for `exit`
        self._ids: tuple[str | None, str | None] | None = None  # made once, by trace_ids
        self._measure = measure
        if not tracing:
            # no span to record (the API alone, or metrics only): no attribute is built
            self.span: trace.Span = trace.INVALID_SPAN
            self._recording = False
            return
        attrs: dict[str, Any] = {
            gen_ai.GEN_AI_OPERATION_NAME: CHAT,
            gen_ai.GEN_AI_REQUEST_MODEL: model,
            RAI_USE_CASE: use_case,
        }
        if stream:
            attrs[gen_ai.GEN_AI_REQUEST_STREAM] = True
        if params:
            for key, value in params.items():
                name = REQUEST_PARAMS.get(key)
                if (
                    name is not None
                    and isinstance(value, (int, float))
                    and not isinstance(value, bool)
                    and -1e6 < value < 1e6  # larger: could be an identifier, never recorded
                ):
                    attrs[name] = value
        self.span = t.tracer.start_span(f"chat {model}", kind=SpanKind.CLIENT, attributes=attrs)
        self._recording = self.span.is_recording()

    # ------------------------------------------------------------------ the span's context

    def _span_context(self) -> otel_context.Context:
        if self._context is None:
            self._context = trace.set_span_in_context(self.span)
        return self._context

    def enter(self) -> None:
        """Make the span current (for nested spans); a no-op while it already is (one
        attach per stretch of work, however many steps ask for it)."""
        if self.span is not trace.INVALID_SPAN:
            tokens = self._tokens
            tokens.append(None if tokens else otel_context.attach(self._span_context()))

    def exit(self) -> None:
        """Undo the latest `enter` (the span does not end)."""
        if self._tokens:
            token = self._tokens.pop()
            if token is not None:
                otel_context.detach(token)  # type: ignore[arg-type]

    def trace_ids(self) -> tuple[str | None, str | None]:
        """The span's trace and span ids (hex) for the stamp and the audit events, made
        once; where this call has no span of its own, the caller's active span's."""
        ids = self._ids
        if ids is None:
            ctx = self.span.get_span_context()
            if not ctx.is_valid:
                return current_trace()
            ids = self._ids = (f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}")
        return ids

    # ------------------------------------------------------------------ what happened

    def decided(
        self,
        decision: DecisionFacts,
        provider: Provider,
        redactions: Mapping[str, int],
        prompt: Callable[[], Any] | None = None,
    ) -> None:
        """The policy allowed the call (or its fallback). `prompt` gives the redacted
        input, read only when content capture is on."""
        if not (self._recording or self._measure):
            return  # nothing listens: build nothing
        d = decision
        static = self.t.provider_attrs(provider)
        self._provider = static[gen_ai.GEN_AI_PROVIDER_NAME]
        if self._recording:
            pending = self._pending
            pending.update(static)
            pending[RAI_DECISION] = d.outcome
            pending[RAI_RULE] = d.rule
            pending[RAI_POLICY_ID] = d.policy_id
            pending[RAI_POLICY_VERSION] = d.policy_version
            pending[RAI_POLICY_SHA256] = d.policy_sha256
            pending[RAI_DATA_CLASS] = d.data_class
            pending[RAI_REVIEW_REQUIRED] = d.requires_review
            if d.fallback_from:
                pending[RAI_FALLBACK_FROM] = d.fallback_from
            if d.principal is not None:
                pending[RAI_PRINCIPAL] = d.principal
                pending[RAI_PRINCIPAL_ROLES] = list(d.roles)
                pending[RAI_PRINCIPAL_TEAMS] = list(d.teams)
                if d.owner is not None:
                    pending[RAI_PRINCIPAL_OWNER] = d.owner
            total = 0
            for entity, count in redactions.items():
                pending[f"{RAI_REDACTIONS}.{entity}"] = count
                total += count
            pending[RAI_REDACTIONS_TOTAL] = total
            if self.t.capture_content and prompt is not None:
                pending[gen_ai.GEN_AI_INPUT_MESSAGES] = json.dumps(prompt(), ensure_ascii=False)
        if self._measure:
            for entity, count in redactions.items():
                self.t.redactions.add(
                    count, (("rai.entity_type", entity), (RAI_USE_CASE, d.use_case))
                )
            if not self._decided:
                self._decided = True
                self.t.decisions.add(
                    1,
                    ((RAI_DECISION, "allowed"), (RAI_USE_CASE, d.use_case), (RAI_RULE, d.rule),
                     (RAI_PROVIDER, provider.name)),
                )  # fmt: skip

    def refused(
        self, error: BaseException, *, use_case: str, rule: str, provider: str = UNLISTED
    ) -> None:
        """The policy (or the fail-closed PII stage) refused the call: no I/O happened.
        `provider` is the policy's name of the provider asked for, or `UNLISTED` (a
        name the policy does not have never becomes a metric attribute)."""
        if self._ended:
            return
        kind = type(error).__name__
        self._pending.update({RAI_DECISION: "blocked", RAI_RULE: rule, RAI_PROVIDER: provider})
        policy_id = getattr(error, "policy_id", None)
        if policy_id:
            self._pending[RAI_POLICY_ID] = policy_id
            self._pending[RAI_POLICY_VERSION] = getattr(error, "policy_version", "")
        self.span.set_status(Status(StatusCode.ERROR, kind))
        if self._measure:
            self.t.decisions.add(
                1,
                ((RAI_DECISION, "blocked"), (RAI_USE_CASE, use_case), (RAI_RULE, rule),
                 (RAI_PROVIDER, provider)),
            )  # fmt: skip
        self._end(error_type=kind)

    def first_chunk(self) -> None:
        if self._first is None:
            self._first = time.perf_counter() - self._start
            self._pending[gen_ai.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = self._first
            if self._measure:
                base = self.t.metric_attrs(self._model, self._provider, None)[0]
                self.t.first_chunk.record(self._first, base, self._exemplar_context())

    def succeeded(self, response: AnswerFacts, captured_output: str | None = None) -> None:
        if self._ended:
            return
        usage = response.usage
        if self._recording:
            pending = self._pending
            pending[gen_ai.GEN_AI_RESPONSE_MODEL] = response.model
            if response.id:
                pending[gen_ai.GEN_AI_RESPONSE_ID] = response.id
            if response.finish_reason:
                pending[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = [response.finish_reason]
            if usage.input_tokens is not None:
                pending[gen_ai.GEN_AI_USAGE_INPUT_TOKENS] = usage.input_tokens
            if usage.output_tokens is not None:
                pending[gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS] = usage.output_tokens
            if response.provenance is not None:
                pending[RAI_PROVENANCE_ID] = response.provenance.id
            if response.output_findings:
                pending[RAI_OUTPUT_PII] = len(response.output_findings)
            if self.t.capture_content and captured_output is not None:
                pending[gen_ai.GEN_AI_OUTPUT_MESSAGES] = json.dumps(
                    [{"role": "assistant", "content": captured_output}], ensure_ascii=False
                )
        base = None
        if self._measure:
            attrs = self.t.metric_attrs(self._model, self._provider, response.model)
            base, tokens_in, tokens_out = attrs
            context = self._exemplar_context()
            if usage.input_tokens is not None:
                self.t.tokens.record(usage.input_tokens, tokens_in, context)
            if usage.output_tokens is not None:
                self.t.tokens.record(usage.output_tokens, tokens_out, context)
        self._end(metric_attrs=base)

    def evaluated(
        self,
        name: str,
        score: float | None,
        label: str | None,
        explanation: str | None = None,
        response_id: str | None = None,
        error_type: str | None = None,
    ) -> None:
        """One evaluation of the answer, as the GenAI ``gen_ai.evaluation.result`` event
        on this call's span (the explanation only when content capture is on)."""
        if not self._recording or self._ended:
            return
        attrs: dict[str, Any] = {gen_ai.GEN_AI_EVALUATION_NAME: name}
        if score is not None:
            attrs[gen_ai.GEN_AI_EVALUATION_SCORE_VALUE] = float(score)
        if label is not None:
            attrs[gen_ai.GEN_AI_EVALUATION_SCORE_LABEL] = label
        if explanation is not None and self.t.capture_content:
            attrs[gen_ai.GEN_AI_EVALUATION_EXPLANATION] = explanation
        if response_id:
            attrs[gen_ai.GEN_AI_RESPONSE_ID] = response_id
        if error_type is not None:
            attrs[error_attributes.ERROR_TYPE] = error_type
        self.span.add_event(EVALUATION_RESULT, attrs)

    def _exemplar_context(self) -> otel_context.Context | None:
        """A context holding this call's span, so that measurements taken after it stopped
        being current still link to it (SDK exemplars carry its trace and span ids)."""
        return self._span_context() if self._recording else None

    def failed(self, error: BaseException) -> None:
        """The call failed after it was allowed (provider error, PII in the answer...)."""
        if self._ended:
            return
        kind = type(error).__name__
        self.span.set_status(Status(StatusCode.ERROR, kind))
        self._end(error_type=kind)

    def _end(
        self, *, error_type: str | None = None, metric_attrs: dict[str, Any] | None = None
    ) -> None:
        if self._ended:
            return
        self._ended = True
        if self._measure:
            attrs = metric_attrs or self.t.metric_attrs(self._model, self._provider, None)[0]
            if error_type is not None:
                attrs = {**attrs, error_attributes.ERROR_TYPE: error_type}
            self.t.duration.record(
                time.perf_counter() - self._start, attrs, self._exemplar_context()
            )
        if self._recording:
            if error_type is not None:
                self._pending[error_attributes.ERROR_TYPE] = error_type
            self.span.set_attributes(self._pending)
        self.span.end()


class _SilentSpan(CallSpan):
    """The observation of a call when no SDK provider is installed: every method is free."""

    listening = False

    def __init__(self) -> None:  # no span, no clock, no state
        self.span = trace.INVALID_SPAN

    def enter(self) -> None:
        pass

    def exit(self) -> None:
        pass

    def trace_ids(self) -> tuple[str | None, str | None]:
        return current_trace()

    def decided(
        self,
        decision: DecisionFacts,
        provider: Provider,
        redactions: Mapping[str, int],
        prompt: Callable[[], Any] | None = None,
    ) -> None:
        pass

    def refused(
        self, error: BaseException, *, use_case: str, rule: str, provider: str = UNLISTED
    ) -> None:
        pass

    def first_chunk(self) -> None:
        pass

    def succeeded(self, response: AnswerFacts, captured_output: str | None = None) -> None:
        pass

    def evaluated(
        self,
        name: str,
        score: float | None,
        label: str | None,
        explanation: str | None = None,
        response_id: str | None = None,
        error_type: str | None = None,
    ) -> None:
        pass

    def failed(self, error: BaseException) -> None:
        pass


_SILENT = _SilentSpan()
