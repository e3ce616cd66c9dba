"""Time, ids and the current trace: what stamps and audit events read, in one leaf.

`Clock` decides once how to write a timestamp (the date and time of day change once a
second, so their text is kept for that second), as structlog's `TimeStamper` decides
its format once in ``__init__``. `uuid7` makes time-ordered ids from the OS CSPRNG.
`current_trace` reads the active OpenTelemetry span's ids.
"""

from __future__ import annotations

import itertools
import os
import time

from opentelemetry import trace

__all__ = ["Clock", "call_id", "clock", "current_trace", "service_name", "uuid7"]


class Clock:
    """UTC timestamps in RFC 3339 with microseconds and ``Z``: ``2026-11-23T18:04:32.123456Z``."""

    __slots__ = ("_second",)

    def __init__(self) -> None:
        self._second: tuple[int, str] = (-1, "")  # (unix second, its text), swapped whole

    def rfc3339(self, now_ns: int | None = None) -> str:
        secs, ns = divmod(time.time_ns() if now_ns is None else now_ns, 1_000_000_000)
        cached, prefix = self._second
        if cached != secs:
            t = time.gmtime(secs)
            prefix = (
                f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
                f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}."
            )
            self._second = (secs, prefix)
        return f"{prefix}{ns // 1000:06d}Z"


clock = Clock()


def uuid7(now_ns: int | None = None) -> str:
    """A time-ordered UUIDv7 (RFC 9562): 48-bit Unix ms, version, 12 bits of the
    fraction of the millisecond (its method 3: ids made within one millisecond still
    sort in the order they were made), 62 random bits."""
    ns = time.time_ns() if now_ns is None else now_ns
    ms, frac = divmod(ns, 1_000_000)
    sub = frac * 4096 // 1_000_000  # 12 bits: steps of about 244 ns
    r = os.urandom(8)  # 62 bits of rand_b (2 spare)
    h = (
        (ms & 0xFFFF_FFFF_FFFF).to_bytes(6, "big")
        + bytes((0x70 | sub >> 8, sub & 0xFF, 0x80 | r[0] & 0x3F))
        + r[1:]
    ).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _CallIds:
    """Call ids: a random per-process prefix and a counter — unique across processes
    and replicas without a system call per call; a forked child draws a new prefix, so
    two processes never share an id."""

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self.prefix = os.urandom(9).hex()
        self.counter = itertools.count(1)

    def __call__(self) -> str:
        return f"{self.prefix}{next(self.counter):x}"


call_id = _CallIds()
"""The id of one governed call, shared by its reservation and its evidence records."""


def current_trace() -> tuple[str | None, str | None]:
    """The ids of the active OpenTelemetry span (hex), or ``(None, None)``."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None, None
    return f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}"


def service_name(explicit: str | None = None) -> str | None:
    """The service a stamp and a trace name: explicit, else ``RAI_SERVICE_NAME``, else
    ``OTEL_SERVICE_NAME`` (one rule for stamps and `setup_otlp`)."""
    return explicit or os.environ.get("RAI_SERVICE_NAME") or os.environ.get("OTEL_SERVICE_NAME")
