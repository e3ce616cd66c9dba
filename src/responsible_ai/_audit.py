"""Audit events: one structured event per decision (allowed, blocked, redacted, reviewed).

Events go through a structlog processor chain of their own (the library never touches
the application's structlog or logging configuration): a UTC timestamp, the trace and
span ids of the active span, an allow-list that drops any field not meant for an audit
record (so a value can never ride along by mistake), then JSON. The rendered line goes
to a sink: by default the standard logger ``responsible_ai.audit`` at INFO, so the
application's logging decides where it lands; or any callable taking the line, or the
event dict (``AuditTrail(sink=..., render=False)``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from typing import Any

import orjson
import structlog

from ._clock import clock, current_trace

__all__ = ["AUDIT_FIELDS", "AuditTrail"]

AUDIT_FIELDS = frozenset(
    {
        "event", "outcome", "timestamp", "trace_id", "span_id", "use_case", "provider",
        "model", "rule", "error", "policy_id", "policy_version", "policy_sha256",
        "data_class", "consent", "redactions", "requires_review", "fallback_from",
        "provenance_id", "previous_id", "reviewer", "decision", "signed", "service",
    }
)  # fmt: skip

_log = logging.getLogger("responsible_ai.audit")

EventDict = MutableMapping[str, Any]


def _trace_ids(logger: Any, method: str, event: EventDict) -> EventDict:
    if "trace_id" not in event:
        trace_id, span_id = current_trace()
        if trace_id is not None:
            event["trace_id"] = trace_id
            event["span_id"] = span_id
    return event


def _timestamp(logger: Any, method: str, event: EventDict) -> EventDict:
    event["timestamp"] = clock.rfc3339()
    return event


def _json(logger: Any, method: str, event: EventDict) -> str:
    """Sorted-key JSON, written by orjson (the same text json.dumps would give)."""
    return orjson.dumps(event, option=orjson.OPT_SORT_KEYS, default=str).decode("utf-8")


def _allow_list(logger: Any, method: str, event: EventDict) -> EventDict:
    if event.keys() <= AUDIT_FIELDS:  # one set comparison in C: the usual case
        return event
    for key in [k for k in event if k not in AUDIT_FIELDS]:
        del event[key]
    return event


class _AuditLogger(structlog.BoundLoggerBase):
    """The chain's bound logger: structlog's documented extension point for a wrapper
    class, with one method that runs the processors over a dict of fields the caller
    hands over (no copy: this logger binds no context to merge in). The last processor
    makes what the sink receives: the JSON line, or a copy of the event dict."""

    def audit(self, event: str, fields: dict[str, Any]) -> None:
        result: Any = fields
        result["event"] = event
        for processor in self._processors:
            result = processor(self._logger, "info", result)
        self._logger.msg(result)


class _Sink:
    """The structlog 'logger' at the end of the chain: hands the result to the sink."""

    def __init__(self, sink: Callable[[Any], None]) -> None:
        self._sink = sink

    def msg(self, message: Any) -> None:
        self._sink(message)

    info = msg


def _default_sink(line: Any) -> None:
    if _log.isEnabledFor(logging.INFO):
        _log.info(line)


class AuditTrail:
    """Where audit events go. ``AuditTrail()`` writes JSON lines to the
    ``responsible_ai.audit`` logger; ``AuditTrail(sink=list.append, render=False)`` keeps
    the event dicts (handy in tests); ``AuditTrail(sink=print)`` prints JSON."""

    def __init__(self, sink: Callable[[Any], None] | None = None, *, render: bool = True) -> None:
        processors: list[Any] = [_timestamp, _trace_ids, _allow_list]
        if render:
            processors.append(_json)
        else:
            processors.append(lambda logger, method, event: dict(event))
        # the library's own chain, whatever the application's structlog configuration says
        self._logger = _AuditLogger(_Sink(sink or _default_sink), processors=processors, context={})
        self._own_sink = sink is not None

    @property
    def active(self) -> bool:
        """Whether an event would go anywhere (callers skip building fields otherwise)."""
        return self._own_sink or _log.isEnabledFor(logging.INFO)

    def emit(self, event: str, **fields: Any) -> None:
        """One audit event; fields outside `AUDIT_FIELDS` are dropped."""
        self.emit_fields(event, fields)

    def emit_fields(self, event: str, fields: dict[str, Any]) -> None:
        """`emit` with the fields in a dict that the trail may keep and change."""
        if self.active:
            self._logger.audit(event, fields)


default_trail = AuditTrail()
