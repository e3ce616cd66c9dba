"""OpenTelemetry: one CLIENT span per governed call, GenAI metrics, policy attributes.

Span and attribute names come from the `opentelemetry-semantic-conventions` package
(GenAI conventions), never typed by hand; policy attributes live under ``rai.``. The
global TracerProvider and MeterProvider are used (resolved lazily, so a provider set
after import still counts); nothing is installed silently, and with the API alone
every call is a no-op. `setup_otlp()` is the one-line helper for those who want export.

```
_conventions.py   names, buckets, the facts a span reads (Protocols)
_instruments.py   Telemetry: tracer, histograms, policy counters
_span.py          CallSpan: one call's span and measurements; start_span
_otlp.py          setup_otlp
```
"""

from ._conventions import (
    CAPTURE_CONTENT_ENV,
    DURATION_BUCKETS,
    TOKEN_BUCKETS,
    UNLISTED,
    AnswerFacts,
    DecisionFacts,
    StreamClosed,
)
from ._instruments import Telemetry
from ._otlp import setup_otlp
from ._span import CallSpan, start_span

__all__ = [
    "CAPTURE_CONTENT_ENV",
    "DURATION_BUCKETS",
    "TOKEN_BUCKETS",
    "UNLISTED",
    "AnswerFacts",
    "CallSpan",
    "DecisionFacts",
    "StreamClosed",
    "Telemetry",
    "setup_otlp",
    "start_span",
]
