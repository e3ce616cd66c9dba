"""Retention and erasure, each logged as evidence itself.

Retention removes the *body* of a record whose kind's period has ended (the policy's
``[evidence.retention]``, never below 183 days); its place in the chain — sequence,
time, kind, digest, hashes — stays, so the chain still verifies, and `verify` refuses a
body removed before the floor. Records of calls under a legal hold keep their bodies.

Erasure by data subject is crypto-shredding: records carry a subject only as a tag
made with that subject's own key; erasing destroys the key (overwritten on disk), so
the tags can no longer be linked to anyone, and no record changes. It is refused while
a legal hold covers one of the subject's records.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from .._clock import uuid7
from .._errors import LegalHoldActive
from .._policy import RECORD_KINDS, Retention
from ._database import Database, subject_tag
from ._incidents import Incident, StoreLike, fold
from ._records import rfc3339_days_ago

__all__ = ["Erasure", "apply_retention", "erase_subject", "held"]


@dataclass(frozen=True, slots=True)
class Erasure:
    """What an erasure did: `records` of the subject became unlinkable (0: the store
    held nothing of this subject); `receipt` names the erasure record."""

    receipt: str
    records: int


def held(incidents: Iterable[Incident]) -> tuple[set[str], dict[str, str]]:
    """The calls under a legal hold, and for each the incident that holds it."""
    calls: dict[str, str] = {}
    for incident in incidents:
        if incident.holding:
            for call in incident.calls:
                calls.setdefault(call, incident.id)
    return set(calls), calls


def _incidents(store: StoreLike) -> list[Incident]:
    return fold(store.records(kinds=("incident", "incident.update")))


def erase_subject(store: StoreLike, db: Database, pseudonym: str) -> Erasure:
    """Destroy the key of the subject whose pseudonym is `pseudonym` (see the module)."""
    holds, by_call = held(_incidents(store))
    receipt = uuid7()
    with db.transaction() as cur:
        secret = db.subject_secret(cur, pseudonym)
        if secret is None:
            count, blocking = 0, set()
        else:
            tag = subject_tag(secret)
            cur.execute(
                db.q("SELECT call FROM rai_evidence WHERE subject IS NOT NULL AND subject LIKE ?"),
                (f"%{tag}%",),
            )
            calls = [row[0] for row in cur.fetchall()]
            count = len(calls)
            blocking = {by_call[c] for c in calls if c in holds}
            if not blocking:
                db.forget_subject(cur, pseudonym)
    if blocking:
        store.append(
            "erasure", {"receipt": receipt, "outcome": "refused", "reason": "legal_hold",
                        "incidents": sorted(blocking)},
        )  # fmt: skip
        store.flush()
        raise LegalHoldActive(
            f"erasure refused: {len(blocking)} incident(s) hold records of this subject "
            f"({', '.join(sorted(blocking))}); resolve them first",
            incidents=tuple(sorted(blocking)),
        )
    store.append("erasure", {"receipt": receipt, "outcome": "erased", "records": count})
    store.flush()
    db.scrub()
    return Erasure(receipt, count)


def apply_retention(
    store: StoreLike, db: Database, retention: Retention, now_ns: int | None = None
) -> dict[str, int]:
    """Remove the bodies whose retention has ended; returns how many, by kind."""
    now = time.time_ns() if now_ns is None else now_ns
    holds, _ = held(incidents := _incidents(store))
    live = {i.id for i in incidents if i.status != "resolved"}
    cutoffs = {kind: rfc3339_days_ago(retention.days(kind), now) for kind in RECORD_KINDS}
    removed: dict[str, int] = {}
    with db.transaction() as cur:  # one scan in chain order (no index on time: see _database)
        cur.execute(
            db.q("SELECT seq, kind, at, call, body FROM rai_evidence "
                 "WHERE at < ? AND body IS NOT NULL"),
            (max(cutoffs.values()),),
        )  # fmt: skip
        due: list[int] = []
        for seq, kind, at, call, body in cur.fetchall():
            cutoff = cutoffs.get(kind)  # a kind the library does not write: kept
            if cutoff is None or at >= cutoff or call in holds:
                continue
            if not _live_incident(kind, body, live):
                due.append(int(seq))
                removed[kind] = removed.get(kind, 0) + 1
        for start in range(0, len(due), 500):
            chunk = due[start : start + 500]
            cur.execute(
                db.q(
                    f"UPDATE rai_evidence SET body = NULL "
                    f"WHERE seq IN ({', '.join('?' * len(chunk))})"
                ),
                chunk,
            )
    store.append(
        "retention",
        {"removed": removed, "retention_days": {k: retention.days(k) for k in RECORD_KINDS}},
    )
    store.flush()
    return removed


def _live_incident(kind: str, body: Any, live: set[str]) -> bool:
    """An open incident's own records stay while it is open."""
    return kind.startswith("incident") and orjson.loads(body).get("incident") in live
