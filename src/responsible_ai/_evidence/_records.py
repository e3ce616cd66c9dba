"""A record read back from the store, and the time arithmetic the store's readers share."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from .._clock import clock
from ._chain import Row

__all__ = ["Record", "parse_rfc3339", "rfc3339_days_ago"]

Part = tuple[str, dict[str, Any], str]


@dataclass(frozen=True, slots=True)
class Record:
    """A record read back: its place in the chain, its links and its body (None once its
    retention removed it)."""

    seq: int
    at: str
    kind: str
    call: str | None
    stamp: str | None
    subject: str | None
    body: dict[str, Any] | None
    digest: str
    prev: str
    hash: str

    @classmethod
    def of(cls, row: Row) -> Record:
        body = orjson.loads(row.body) if row.body is not None else None
        return cls(row.seq, row.at, row.kind, row.call, row.stamp, row.subject, body,
                   row.digest, row.prev, row.hash)  # fmt: skip

    def parts(self) -> Iterator[Part]:
        """What the record says, as (kind, body, time) parts: itself, or for a ``call``
        record its decision, then its answer and the answer's evaluations or its
        failure — the same bodies as when they are records of their own. Nothing once
        its retention removed its body."""
        body = self.body
        if body is None:
            return
        if self.kind != "call":
            yield self.kind, body, self.at
            return
        yield "decision", body["decision"], self.at
        ended = body.get("ended_at", self.at)
        for kind in ("answer", "failure"):
            if kind in body:
                yield kind, body[kind], ended
        for evaluation in body.get("evaluations", ()):
            yield "evaluation", evaluation, ended

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "at": self.at, "kind": self.kind, "call": self.call,
            "stamp": self.stamp, "subject": self.subject, "body": self.body,
            "digest": self.digest, "prev": self.prev, "hash": self.hash,
        }  # fmt: skip


def rfc3339_days_ago(days: float, now_ns: int | None = None) -> str:
    now = time.time_ns() if now_ns is None else now_ns
    return clock.rfc3339(now - int(days * 86400 * 1_000_000_000))


def parse_rfc3339(text: str) -> int:
    """Nanoseconds since the epoch of an RFC 3339 UTC time the store wrote (or a date,
    ``2026-11-01``, as midnight UTC)."""
    from datetime import UTC, datetime

    value = text.strip()
    if len(value) == 10:
        value += "T00:00:00Z"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an RFC 3339 time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000
