"""`Telemetry`: the tracer, the GenAI histograms and the policy counters a process
records with, on the global OpenTelemetry providers (looked up until an SDK provider
is set) or on providers of its own."""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import metrics, trace
from opentelemetry.metrics import CallbackOptions
from opentelemetry.metrics import Observation as _Point
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv._incubating.metrics import gen_ai_metrics
from opentelemetry.semconv.attributes import server_attributes

from .._policy import Provider
from .._version import __version__
from ._conventions import (
    CAPTURE_CONTENT_ENV,
    CHAT,
    DURATION_BUCKETS,
    PROVIDER_NAMES,
    RAI_PROVIDER,
    TOKEN_BUCKETS,
    MetricAttrs,
)

__all__ = ["Telemetry", "api_only"]


def api_only(provider: Any) -> bool:
    """True for the OpenTelemetry API's own providers (its no-op ones, and the global
    proxy before an SDK provider is set): nothing they make records anything. The API
    package defines them; an SDK (or any other implementation) lives elsewhere."""
    module = type(provider).__module__
    return module.startswith(("opentelemetry.trace", "opentelemetry.metrics"))


def records(provider: Any | None) -> bool | None:
    """Whether an explicit provider records anything; None for the global one."""
    return None if provider is None else not api_only(provider)


def env_flag(name: str) -> bool:
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
            env_flag(CAPTURE_CONTENT_ENV) if capture_content is None else capture_content
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
        self._metric_attrs: dict[tuple[str, str | None, str | None], MetricAttrs] = {}
        # explicit providers never change: decided now; the global ones are looked up
        # until an SDK provider has been set (see tracing_on / metrics_on)
        self._tracing = records(tracer_provider)
        self._metrics = records(meter_provider)
        self._quiet: tuple[Any, Any] = (None, None)  # the global providers last seen silent

    def tracing_on(self) -> bool:
        """False while the tracer provider is the API's no-op or the global proxy before
        an SDK provider is set."""
        on = self._tracing
        if on is None:  # the global provider: the API sets it once, so True stays True
            provider = trace.get_tracer_provider()
            if provider is self._quiet[0] or api_only(provider):
                self._quiet = (provider, self._quiet[1])
                return False
            on = self._tracing = True
        return on

    def metrics_on(self) -> bool:
        """False while the meter provider is the API's no-op (or the global proxy before an
        SDK provider is set): then no measurement is even built."""
        on = self._metrics
        if on is None:  # the global provider, set once, as above
            provider = metrics.get_meter_provider()
            if provider is self._quiet[1] or api_only(provider):
                self._quiet = (self._quiet[0], provider)
                return False
            on = self._metrics = True
        return on

    def metric_attrs(
        self, model: str, provider: str | None, response_model: str | None
    ) -> MetricAttrs:
        """The attributes of the duration, input-token and output-token measurements of
        calls to one model, built once and shared: read-only (the SDK copies what it keeps)."""
        key = (model, provider, response_model)
        attrs = self._metric_attrs.get(key)
        if attrs is None:
            base: dict[str, Any] = {
                gen_ai.GEN_AI_OPERATION_NAME: CHAT,
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
