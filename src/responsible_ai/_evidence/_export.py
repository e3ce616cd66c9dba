"""Exports of a time range: JSON lines (every column, so the range can be re-verified
link by link elsewhere) and OTLP logs (the OTLP/JSON encoding of
``ExportLogsServiceRequest``, for teams that ship audit data to their observability
stack; `post_otlp` sends it to an OTLP/HTTP collector's ``/v1/logs``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from .._version import __version__
from ._records import Record, parse_rfc3339

__all__ = ["OTLP_EVENT_NAME", "jsonl", "otlp_logs", "post_otlp"]

OTLP_EVENT_NAME = "rai.evidence.record"


def jsonl(records: Iterable[Record]) -> Iterator[str]:
    """One JSON object per line, keys sorted."""
    for record in records:
        yield orjson.dumps(record.as_dict(), option=orjson.OPT_SORT_KEYS).decode()


def _value(value: Any) -> dict[str, Any]:
    """An OTLP ``AnyValue``."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": [{"key": k, "value": _value(v)} for k, v in value.items()
                                            if v is not None]}}  # fmt: skip
    if isinstance(value, (list, tuple)):
        return {"arrayValue": {"values": [_value(v) for v in value]}}
    return {"stringValue": str(value)}


def otlp_logs(records: Iterable[Record], *, service: str | None = None) -> dict[str, Any]:
    """The records as one OTLP ``ExportLogsServiceRequest`` (JSON encoding): each a log
    record named ``rai.evidence.record`` with the chain's columns as attributes and
    the body as a map."""
    logs = []
    for r in records:
        attrs = {
            "rai.evidence.seq": r.seq, "rai.evidence.kind": r.kind, "rai.evidence.hash": r.hash,
            "rai.evidence.prev": r.prev, "rai.evidence.digest": r.digest,
            "rai.evidence.call": r.call, "rai.evidence.stamp": r.stamp,
            "rai.evidence.subject": r.subject,
        }  # fmt: skip
        nanos = str(parse_rfc3339(r.at))
        logs.append({
            "timeUnixNano": nanos, "observedTimeUnixNano": nanos,
            "severityNumber": 9, "severityText": "INFO", "eventName": OTLP_EVENT_NAME,
            "body": _value(r.body) if r.body is not None else {"stringValue": "(removed)"},
            "attributes": [{"key": k, "value": _value(v)} for k, v in attrs.items()
                           if v is not None],
        })  # fmt: skip
    resource = [{"key": "service.name", "value": {"stringValue": service or "responsible-ai"}}]
    return {
        "resourceLogs": [{
            "resource": {"attributes": resource},
            "scopeLogs": [{
                "scope": {"name": "responsible_ai.evidence", "version": __version__},
                "logRecords": logs,
            }],
        }]
    }  # fmt: skip


def post_otlp(document: dict[str, Any], endpoint: str, timeout: float = 30.0) -> int:
    """POST an OTLP/JSON logs document to `endpoint` (a collector's ``…/v1/logs``);
    returns the HTTP status (an error status raises)."""
    from .._http import backend

    response = backend().post(
        endpoint,
        content=orjson.dumps(document),
        headers={"content-type": "application/json"},
        timeout=timeout,
    )
    response.raise_for_status()
    return int(response.status_code)
