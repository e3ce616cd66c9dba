"""OpenTelemetry: one CLIENT span per governed call, GenAI metrics, policy attributes.

Span and attribute names come from the `opentelemetry-semantic-conventions` package
(GenAI conventions), never typed by hand; policy attributes live under ``rai.``. The
global TracerProvider and MeterProvider are used (resolved lazily, so a provider set
after import still counts); nothing is installed silently, and with the API alone
every call is a no-op. `setup_otlp()` is the one-line helper for those who want export.
"""

from __future__ import annotations

import json
import os
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from opentelemetry import context as otel_context
from opentelemetry import metrics, trace
from opentelemetry import metrics as otel_metrics
from opentelemetry.metrics import CallbackOptions
from opentelemetry.metrics import Observation as _Point
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv._incubating.metrics import gen_ai_metrics
from opentelemetry.semconv.attributes import error_attributes, server_attributes
from opentelemetry.trace import SpanKind, Status, StatusCode

from ._clock import current_trace
from ._clock import service_name as default_service_name
from ._policy import Provider
from ._version import __version__

__all__ = ["CAPTURE_CONTENT_ENV", "Observation", "StreamClosed", "Telemetry", "setup_otlp"]

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
_RAI_REDACTIONS_TOTAL = f"{RAI_REDACTIONS}.total"
RAI_PROVENANCE_ID = "rai.provenance.id"
RAI_REVIEW_REQUIRED = "rai.review.required"
RAI_FALLBACK_FROM = "rai.fallback_from"
RAI_OUTPUT_PII = "rai.output_pii"
RAI_PROVIDER = "rai.provider"  # the policy's name of the provider
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


def _api_only(provider: Any) -> bool:
    """True for the OpenTelemetry API's own providers (its no-op ones, and the global
    proxy before an SDK provider is set): nothing they make records anything. The API
    package defines them; an SDK (or any other implementation) lives elsewhere."""
    module = type(provider).__module__
    return module.startswith(("opentelemetry.trace", "opentelemetry.metrics"))


def _records(provider: Any | None) -> bool | None:
    """Whether an explicit provider records anything; None for the global one."""
    return None if provider is None else not _api_only(provider)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class _Tally:
    """A monotonic count per attribute set, read by an observable counter at collection.

    Policy decisions and redactions are counted on every call; a synchronous counter
    costs the SDK ~7 us per ``add`` (attribute validation, aggregation lookup, exemplar
    offer), this costs a lock and a dict update. The exported metric is the same
    cumulative monotonic Sum.
    """

    __slots__ = ("_counts", "_lock")

    def __init__(self) -> None:
        self._counts: dict[tuple[tuple[str, Any], ...], int] = {}
        self._lock = threading.Lock()

    def add(self, amount: int, key: tuple[tuple[str, Any], ...]) -> None:
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + amount

    def observe(self, options: CallbackOptions) -> list[_Point]:
        with self._lock:
            items = list(self._counts.items())
        return [_Point(value, dict(key)) for key, value in items]


# One pair of tallies per meter provider (None: the global one). An SDK keeps the first
# observable instrument registered under a name and drops later ones, so every
# Telemetry on the same provider must share the tally behind that one instrument.
_TALLIES: weakref.WeakKeyDictionary[Any, tuple[_Tally, _Tally]] = weakref.WeakKeyDictionary()
_TALLIES_LOCK = threading.Lock()


class _GlobalProvider:
    """The key of the tallies of Telemetry objects that use the global meter provider."""


_GLOBAL_PROVIDER = _GlobalProvider()


def _tallies(meter: Any, meter_provider: Any | None) -> tuple[_Tally, _Tally]:
    key = _GLOBAL_PROVIDER if meter_provider is None else meter_provider
    with _TALLIES_LOCK:
        found = _TALLIES.get(key)
        if found is not None:
            return found
        decisions, redactions = _Tally(), _Tally()
        meter.create_observable_counter(
            "rai.policy.decisions",
            callbacks=[decisions.observe],
            unit="{decision}",
            description="Policy decisions on governed calls.",
        )
        meter.create_observable_counter(
            "rai.pii.redactions",
            callbacks=[redactions.observe],
            unit="{finding}",
            description="PII findings redacted from prompts.",
        )
        _TALLIES[key] = (decisions, redactions)
        return decisions, redactions


class Telemetry:
    """Spans and metrics for governed calls. ``Telemetry()`` uses the global providers;
    pass providers to keep them apart (tests, multi-tenant apps)."""

    def __init__(
        self,
        tracer_provider: Any | None = None,
        meter_provider: Any | None = None,
        *,
        capture_content: bool | None = None,
    ) -> None:
        self.tracer = trace.get_tracer(
            "responsible_ai", __version__, tracer_provider=tracer_provider
        )
        meter = metrics.get_meter("responsible_ai", __version__, meter_provider=meter_provider)
        self.capture_content = (
            _env_flag(CAPTURE_CONTENT_ENV) if capture_content is None else capture_content
        )
        self.duration = meter.create_histogram(
            gen_ai_metrics.GEN_AI_CLIENT_OPERATION_DURATION,
            unit="s",
            description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.tokens = meter.create_histogram(
            gen_ai_metrics.GEN_AI_CLIENT_TOKEN_USAGE,
            unit="{token}",
            description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=TOKEN_BUCKETS,
        )
        self.first_chunk = meter.create_histogram(
            gen_ai_metrics.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK, unit="s",
            description="Time to receive the first chunk of a streamed answer.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )  # fmt: skip
        self.decisions, self.redactions = _tallies(meter, meter_provider)
        self._provider_attrs: dict[str, dict[str, Any]] = {}
        self._metric_attrs: dict[tuple[str, str | None, str | None], _MetricAttrs] = {}
        # explicit providers never change: decided now; the global ones are looked up
        # until an SDK provider has been set (see tracing_on / metrics_on)
        self._tracing = _records(tracer_provider)
        self._metrics = _records(meter_provider)
        self._quiet: tuple[Any, Any] = (None, None)  # the global providers last seen silent

    def tracing_on(self) -> bool:
        """False while the tracer provider is the API's no-op or the global proxy before
        an SDK provider is set."""
        on = self._tracing
        if on is None:  # the global provider: the API sets it once, so True stays True
            provider = trace.get_tracer_provider()
            if provider is self._quiet[0] or _api_only(provider):
                self._quiet = (provider, self._quiet[1])
                return False
            on = self._tracing = True
        return on

    def metrics_on(self) -> bool:
        """False while the meter provider is the API's no-op (or the global proxy before an
        SDK provider is set): then no measurement is even built."""
        on = self._metrics
        if on is None:  # the global provider, set once, as above
            provider = otel_metrics.get_meter_provider()
            if provider is self._quiet[1] or _api_only(provider):
                self._quiet = (self._quiet[0], provider)
                return False
            on = self._metrics = True
        return on

    def metric_attrs(
        self, model: str, provider: str | None, response_model: str | None
    ) -> _MetricAttrs:
        """The attributes of the duration, input-token and output-token measurements of
        calls to one model, built once and shared: read-only (the SDK copies what it keeps)."""
        key = (model, provider, response_model)
        attrs = self._metric_attrs.get(key)
        if attrs is None:
            base: dict[str, Any] = {
                gen_ai.GEN_AI_OPERATION_NAME: _CHAT,
                gen_ai.GEN_AI_REQUEST_MODEL: model,
            }
            if provider is not None:
                base[gen_ai.GEN_AI_PROVIDER_NAME] = provider
            if response_model:
                base[gen_ai.GEN_AI_RESPONSE_MODEL] = response_model
            attrs = (
                base,
                {**base, gen_ai.GEN_AI_TOKEN_TYPE: "input"},
                {**base, gen_ai.GEN_AI_TOKEN_TYPE: "output"},
            )
            if len(self._metric_attrs) < 1024:
                self._metric_attrs[key] = attrs
        return attrs

    def provider_attrs(self, provider: Provider) -> dict[str, Any]:
        """The attributes that only depend on the provider (computed once per provider)."""
        attrs = self._provider_attrs.get(provider.name)
        if attrs is None:
            url = urlsplit(provider.base_url)
            attrs = {
                gen_ai.GEN_AI_PROVIDER_NAME: PROVIDER_NAMES.get(provider.kind, provider.kind),
                server_attributes.SERVER_ADDRESS: url.hostname or "",
                server_attributes.SERVER_PORT: url.port or (443 if url.scheme == "https" else 80),
                RAI_PROVIDER: provider.name,
            }
            self._provider_attrs[provider.name] = attrs
        return attrs

    def observe(
        self, *, model: str, provider: str, use_case: str, params: Mapping[str, Any], stream: bool
    ) -> Observation:
        tracing = self.tracing_on()
        measure = self.metrics_on()
        if not (tracing or measure):
            return _SILENT  # nothing can record: one shared do-nothing observation
        return Observation(
            self, model=model, provider=provider, use_case=use_case, params=params,
            stream=stream, tracing=tracing, measure=measure,
        )  # fmt: skip


_CHAT = gen_ai.GenAiOperationNameValues.CHAT.value
_MetricAttrs = tuple[dict[str, Any], dict[str, Any], dict[str, Any]]


class Observation:
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
            gen_ai.GEN_AI_OPERATION_NAME: _CHAT,
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
            total = 0
            for entity, count in redactions.items():
                pending[f"{RAI_REDACTIONS}.{entity}"] = count
                total += count
            pending[_RAI_REDACTIONS_TOTAL] = total
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


def setup_otlp(
    endpoint: str = "http://127.0.0.1:4318",
    *,
    service_name: str | None = None,
    headers: Mapping[str, str] | None = None,
    metrics: bool = True,
    metrics_export_interval_s: float = 10.0,
) -> Any:
    """Export spans and metrics over OTLP/HTTP in one line (needs the ``otlp`` extra).

    Installs an SDK TracerProvider and MeterProvider as the global ones, exporting to
    ``{endpoint}/v1/traces`` and ``{endpoint}/v1/metrics`` (``metrics=False`` for a
    backend that takes traces only, such as Phoenix). Returns an object with
    ``shutdown()`` (and ``force_flush()``). Call it once, at start-up.
    """
    try:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        from ._errors import ConfigurationError

        raise ConfigurationError(
            "setup_otlp needs the OTLP exporter: pip install 'responsible-ai-policy[otlp]'"
        ) from None
    base = endpoint.rstrip("/")
    name = service_name or default_service_name() or "responsible-ai"
    resource = Resource.create({SERVICE_NAME: name})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(
        BatchSpanProcessor(
            OTLPSpanExporter(endpoint=f"{base}/v1/traces", headers=dict(headers or {}))
        )
    )
    readers = []
    if metrics:
        readers.append(
            PeriodicExportingMetricReader(
                OTLPMetricExporter(endpoint=f"{base}/v1/metrics", headers=dict(headers or {})),
                export_interval_millis=metrics_export_interval_s * 1000,
            )
        )
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)
    trace.set_tracer_provider(tracer_provider)
    otel_metrics.set_meter_provider(meter_provider)
    return _Providers(tracer_provider, meter_provider)


class _Providers:
    def __init__(self, tracer_provider: Any, meter_provider: Any) -> None:
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider

    def force_flush(self) -> None:
        self.tracer_provider.force_flush()
        self.meter_provider.force_flush()

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


class _SilentObservation(Observation):
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

    def failed(self, error: BaseException) -> None:
        pass


_SILENT = _SilentObservation()
