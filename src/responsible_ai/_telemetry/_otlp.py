"""`setup_otlp`: export spans and metrics over OTLP/HTTP in one line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry import metrics as otel_metrics
from opentelemetry import trace

from .._clock import service_name as default_service_name
from .._errors import ConfigurationError

__all__ = ["setup_otlp"]


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
        raise ConfigurationError(
            "setup_otlp needs the OTLP exporter: pip install 'responsible-ai-policy[otlp]'"
        ) from None
    base = endpoint.rstrip("/")
    name = service_name or default_service_name() or "responsible-ai"
    resource = Resource.create({SERVICE_NAME: name})
    tracer_provider = TracerProvider(resource=resource)
    exporter = OTLPSpanExporter(endpoint=f"{base}/v1/traces", headers=dict(headers or {}))
    spans = _Counted(exporter)
    tracer_provider.add_span_processor(BatchSpanProcessor(spans))  # type: ignore[arg-type]
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
    return _Providers(tracer_provider, meter_provider, spans)


class _Counted:
    """The span exporter, counting the batches it failed to export (the SDK's batch
    processor only logs a failure): `force_flush()` reports them. It has the three
    methods the batch processor calls (the SDK's `SpanExporter` is imported lazily)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.failed = 0

    def export(self, spans: Any) -> Any:
        result = self.inner.export(spans)
        if getattr(result, "name", "") != "SUCCESS":
            self.failed += 1
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return bool(self.inner.force_flush(timeout_millis))


class _Providers:
    def __init__(self, tracer_provider: Any, meter_provider: Any, spans: _Counted) -> None:
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        self._spans = spans

    def force_flush(self) -> bool:
        """Export what is pending; True only when every batch of spans so far reached
        the endpoint (False: a batch failed or the flush timed out)."""
        flushed = bool(self.tracer_provider.force_flush())
        self.meter_provider.force_flush()
        return flushed and self._spans.failed == 0

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()
