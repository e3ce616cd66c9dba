"""`CapturedTelemetry`: in-memory OpenTelemetry (spans and metrics) for tests."""

from __future__ import annotations

from typing import Any

__all__ = ["CapturedTelemetry"]


class CapturedTelemetry:
    """In-memory OpenTelemetry for tests: pass `telemetry` to `rai.Guard(telemetry=...)`,
    then read `spans()` and `metrics()`. Needs opentelemetry-sdk."""

    def __init__(self, *, capture_content: bool | None = None) -> None:
        try:
            from opentelemetry.sdk.metrics import MeterProvider
            from opentelemetry.sdk.metrics.export import InMemoryMetricReader
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import SimpleSpanProcessor
            from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
                InMemorySpanExporter,
            )
        except ImportError:
            raise ImportError(
                "CapturedTelemetry needs opentelemetry-sdk: "
                "pip install 'responsible-ai-policy[otlp]'"
            ) from None

        from .._telemetry import Telemetry

        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        self.telemetry = Telemetry(
            self.tracer_provider, self.meter_provider, capture_content=capture_content
        )

    def spans(self) -> list[Any]:
        return list(self.exporter.get_finished_spans())

    def metrics(self) -> dict[str, list[Any]]:
        """Metric name -> its data points."""
        data = self.reader.get_metrics_data()
        out: dict[str, list[Any]] = {}
        if data is None:
            return out
        for rm in data.resource_metrics:
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    out.setdefault(metric.name, []).extend(metric.data.data_points)
        return out

    def metric_attributes(self) -> dict[str, list[dict[str, Any]]]:
        """Metric name -> the attributes of its data points: what a dashboard groups by,
        without the measured values, timestamps and exemplar trace ids (random numbers
        a canary test must not search)."""
        return {
            name: [dict(point.attributes or {}) for point in points]
            for name, points in self.metrics().items()
        }
