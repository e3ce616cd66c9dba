"""Audit events: one structured event per decision (allowed, blocked, redacted, reviewed).

Events go through a processor chain of their own (the library never touches the
application's logging configuration): a UTC timestamp, the trace and span ids of the
active span, an allow-list that drops any field not meant for an audit record (so a
value can never ride along by mistake), then JSON. Processors have structlog's
signature, ``(logger, method, event_dict) -> event_dict``; the chain is a loop over
them, which is all this needs of structlog (importing it, and the console renderer it
loads, cost about a tenth of a second at start-up). The rendered line goes to a sink:
by default the standard logger ``responsible_ai.audit`` at INFO, so the application's
logging decides where it lands; or any callable taking the line, or the event dict
(``AuditTrail(sink=..., render=False)``; ``structlog.get_logger().info`` works too).

A trail whose events would go nowhere (the default logger not enabled for INFO, as
under Python's default WARNING level) says so once, at WARNING, instead of dropping the
audit record in silence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from typing import Any

import orjson

from ._clock import clock, current_trace

__all__ = ["AUDIT_FIELDS", "AuditTrail"]

AUDIT_FIELDS = frozenset(
    {
        "event", "outcome", "timestamp", "trace_id", "span_id", "use_case", "provider",
        "model", "rule", "error", "policy_id", "policy_version", "policy_sha256",
        "data_class", "consent", "redactions", "requires_review", "fallback_from",
        "provenance_id", "previous_id", "reviewer", "decision", "signed", "service",
    }
    | {"principal", "roles", "teams", "owner"}  # who: pseudonyms and groups, never ids
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


Processor = Callable[[Any, str, EventDict], Any]

_UNHEARD = (
    "audit events are being dropped: the logger 'responsible_ai.audit' is not enabled for "
    "INFO. Configure logging (logging.basicConfig(level=logging.INFO), or a handler and "
    "level for that logger), or give the Guard its own trail: "
    "rai.Guard(policy, audit=rai.AuditTrail(sink=...)). This is said once per process."
)
_warned = False


def _default_sink(line: Any) -> None:
    _log.info(line)


class AuditTrail:
    """Where audit events go. ``AuditTrail()`` writes JSON lines to the
    ``responsible_ai.audit`` logger; ``AuditTrail(sink=list.append, render=False)`` keeps
    the event dicts (handy in tests); ``AuditTrail(sink=print)`` prints JSON."""

    def __init__(self, sink: Callable[[Any], None] | None = None, *, render: bool = True) -> None:
        if sink is not None and not callable(sink):
            raise TypeError(f"sink must be a callable taking one event, got {type(sink).__name__}")
        processors: list[Processor] = [_timestamp, _trace_ids, _allow_list]
        if render:
            processors.append(_json)
        else:
            processors.append(lambda logger, method, event: dict(event))
        self._processors = tuple(processors)
        self._sink = sink or _default_sink
        self._own_sink = sink is not None

    @property
    def active(self) -> bool:
        """Whether an event would go anywhere (callers skip building fields otherwise).
        The default trail going nowhere says so once (see the module's text)."""
        if self._own_sink or _log.isEnabledFor(logging.INFO):
            return True
        global _warned
        if not _warned:
            _warned = True
            _log.warning(_UNHEARD)
        return False

    def emit(self, event: str, **fields: Any) -> None:
        """One audit event; fields outside `AUDIT_FIELDS` are dropped."""
        self.emit_fields(event, fields)

    def emit_fields(self, event: str, fields: dict[str, Any]) -> None:
        """`emit` with the fields in a dict that the trail may keep and change (no copy:
        the last processor makes what the sink receives, the JSON line or a new dict)."""
        if not self.active:
            return
        result: Any = fields
        result["event"] = event
        for processor in self._processors:
            result = processor(None, "info", result)
        self._sink(result)


default_trail = AuditTrail()
