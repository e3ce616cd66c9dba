"""Incidents: an output reported as wrong, biased, harmful or leaking, linked to its
provenance stamp and through it to the records of the call that made it.

An incident is records, never a row to update: ``incident`` opens it (who reported,
category, severity, the calls it covers, the clocks it started, whether it holds them)
and each ``incident.update`` changes its status, marks a clock as met, or resolves it.
`fold` reads them back into `Incident` values. A severity the policy lists in
``hold_severities`` puts a legal hold on the linked calls' records until the incident
is resolved: their retention does not remove them and their subjects cannot be erased.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from .._clock import clock, uuid7
from .._errors import ConfigurationError
from .._policy import SEVERITIES, EvidenceSettings
from ._records import Record

__all__ = [
    "CATEGORIES",
    "RESOLUTIONS",
    "STATUSES",
    "ClockState",
    "Incident",
    "StoreLike",
    "fold",
    "linked_calls",
    "open_incident",
    "update_incident",
]

CATEGORIES = ("wrong", "biased", "harmful", "leaking", "other")
STATUSES = ("open", "investigating", "resolved")
RESOLUTIONS = (
    "corrected", "withdrawn", "false_positive", "accepted_risk", "provider_fixed", "other",
)  # fmt: skip
Severity = Literal["low", "medium", "high", "serious"]


class StoreLike(Protocol):
    settings: EvidenceSettings

    def append(
        self,
        kind: str,
        body: Mapping[str, Any],
        *,
        call: str | None = None,
        stamp: str | None = None,
        subjects: Sequence[str] = (),
    ) -> None: ...

    def flush(self, timeout: float = 60.0) -> None: ...

    def records(
        self, since: str | None = None, until: str | None = None, kinds: Sequence[str] = ()
    ) -> Iterable[Record]: ...

    def by_stamp(self, stamp: str) -> list[Record]: ...


@dataclass(frozen=True, slots=True)
class ClockState:
    """A deadline an incident started: due at `due`; met at `met_at` (None: not yet)."""

    name: str
    due: str
    met_at: str | None = None

    def state(self, now_ns: int | None = None) -> Literal["met", "met late", "overdue", "running"]:
        if self.met_at is not None:
            return "met" if self.met_at <= self.due else "met late"
        now = clock.rfc3339(time.time_ns() if now_ns is None else now_ns)
        return "overdue" if now > self.due else "running"


@dataclass(frozen=True, slots=True)
class Incident:
    """One reported output and what became of it."""

    id: str
    stamp: str
    calls: tuple[str, ...]
    category: str
    severity: str
    reporter: str  # the reporter's pseudonym
    opened_at: str
    status: str = "open"
    hold: bool = False
    clocks: tuple[ClockState, ...] = ()
    resolution: str | None = None
    resolved_at: str | None = None
    ticket: str | None = None
    updates: int = 0

    @property
    def holding(self) -> bool:
        """Whether its legal hold is in force (a hold ends when the incident is resolved)."""
        return self.hold and self.status != "resolved"

    def as_dict(self, now_ns: int | None = None) -> dict[str, Any]:
        return {
            "id": self.id, "stamp": self.stamp, "calls": list(self.calls),
            "category": self.category, "severity": self.severity, "reporter": self.reporter,
            "opened_at": self.opened_at, "status": self.status, "hold": self.holding,
            "resolution": self.resolution, "resolved_at": self.resolved_at,
            "ticket": self.ticket, "updates": self.updates,
            "clocks": [
                {"name": c.name, "due": c.due, "met_at": c.met_at, "state": c.state(now_ns)}
                for c in self.clocks
            ],
        }  # fmt: skip


def linked_calls(store: StoreLike, stamp: str) -> tuple[str, ...]:
    """The calls whose records a stamp leads to: the call that made it, and through a
    review's stamp, the call of the output that was reviewed."""
    calls: list[str] = []
    todo: list[str] = [stamp]
    seen: set[str] = set()
    while todo and len(seen) < 64:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for record in store.by_stamp(current):
            if record.call is not None and record.call not in calls:
                calls.append(record.call)
            previous = (record.body or {}).get("previous_id")
            if record.kind == "review" and isinstance(previous, str):
                todo.append(previous)
    return tuple(calls)


def open_incident(
    store: StoreLike,
    stamp: str,
    *,
    category: str,
    severity: str,
    reporter: str,
    ticket: str | None = None,
    now_ns: int | None = None,
) -> Incident:
    """Record a reported output (`reporter` is already a pseudonym)."""
    if category not in CATEGORIES:
        raise ConfigurationError(f"an incident category is one of {', '.join(CATEGORIES)}")
    if severity not in SEVERITIES:
        raise ConfigurationError(f"an incident severity is one of {', '.join(SEVERITIES)}")
    _check_ticket(ticket)
    calls = linked_calls(store, stamp)
    if not calls:
        raise ConfigurationError(
            "no record in this evidence store carries that provenance stamp id: an incident "
            "is linked to an output this store recorded"
        )
    settings = store.settings.incidents
    now = time.time_ns() if now_ns is None else now_ns
    opened = clock.rfc3339(now)
    clocks = tuple(
        ClockState(c.name, clock.rfc3339(now + c.seconds * 1_000_000_000))
        for c in settings.clocks
        if severity in c.severities
    )
    incident = Incident(
        id=uuid7(now), stamp=stamp, calls=calls, category=category, severity=severity,
        reporter=reporter, opened_at=opened, hold=severity in settings.hold_severities,
        clocks=clocks, ticket=ticket,
    )  # fmt: skip
    store.append(
        "incident",
        {
            "incident": incident.id, "category": category, "severity": severity,
            "reporter": reporter, "calls": list(calls), "hold": incident.hold,
            "clocks": [{"name": c.name, "due": c.due} for c in clocks], "ticket": ticket,
            "status": "open", "opened_at": opened,
        },
        stamp=stamp,
    )  # fmt: skip
    store.flush()
    return incident


def update_incident(
    store: StoreLike,
    incident_id: str,
    *,
    actor: str,
    status: str | None = None,
    resolution: str | None = None,
    clock_met: str | None = None,
    ticket: str | None = None,
    now_ns: int | None = None,
) -> Incident:
    """Change an incident's status, mark one of its clocks met, or resolve it (a
    resolution needs ``status="resolved"``; `actor` is already a pseudonym)."""
    found = {i.id: i for i in fold(store.records(kinds=("incident", "incident.update")))}
    incident = found.get(incident_id)
    if incident is None:
        raise ConfigurationError("no incident with that id in this evidence store")
    if status is not None and status not in STATUSES:
        raise ConfigurationError(f"an incident status is one of {', '.join(STATUSES)}")
    if (status == "resolved") != (resolution is not None):
        raise ConfigurationError("resolving an incident needs a resolution, and only that")
    if resolution is not None and resolution not in RESOLUTIONS:
        raise ConfigurationError(f"a resolution is one of {', '.join(RESOLUTIONS)}")
    if incident.status == "resolved":
        raise ConfigurationError("this incident is resolved; report a new one")
    if clock_met is not None and clock_met not in {c.name for c in incident.clocks}:
        raise ConfigurationError("this incident has no clock of that name")
    if status is None and clock_met is None and ticket is None:
        raise ConfigurationError("an update changes the status, meets a clock or sets a ticket")
    _check_ticket(ticket)
    at = clock.rfc3339(time.time_ns() if now_ns is None else now_ns)
    body = {
        "incident": incident_id, "actor": actor, "status": status, "resolution": resolution,
        "clock_met": clock_met, "ticket": ticket, "at": at,
    }  # fmt: skip
    store.append("incident.update", body, stamp=incident.stamp)
    store.flush()
    return _apply(incident, body)


def fold(records: Iterable[Record]) -> list[Incident]:
    """Incidents from their records, in the order they were opened."""
    incidents: dict[str, Incident] = {}
    for record in records:
        body = record.body
        if body is None:
            continue
        if record.kind == "incident":
            incidents[body["incident"]] = Incident(
                id=body["incident"], stamp=record.stamp or "", calls=tuple(body["calls"]),
                category=body["category"], severity=body["severity"],
                reporter=body["reporter"], opened_at=body["opened_at"], hold=body["hold"],
                clocks=tuple(ClockState(c["name"], c["due"]) for c in body["clocks"]),
                ticket=body.get("ticket"),
            )  # fmt: skip
        elif record.kind == "incident.update" and body.get("incident") in incidents:
            incidents[body["incident"]] = _apply(incidents[body["incident"]], body)
    return list(incidents.values())


def _apply(incident: Incident, body: Mapping[str, Any]) -> Incident:
    changes: dict[str, Any] = {"updates": incident.updates + 1}
    if body.get("status"):
        changes["status"] = body["status"]
    if body.get("resolution"):
        changes["resolution"] = body["resolution"]
        changes["resolved_at"] = body["at"]
    if body.get("ticket"):
        changes["ticket"] = body["ticket"]
    if body.get("clock_met"):
        changes["clocks"] = tuple(
            replace(c, met_at=body["at"]) if c.name == body["clock_met"] and c.met_at is None else c
            for c in incident.clocks
        )
    return replace(incident, **changes)


def _check_ticket(ticket: str | None) -> None:
    """A ticket is a reference in another system (``INC-2026-0042``), never free text:
    free text would carry what the output said."""
    if ticket is None:
        return
    if not (0 < len(ticket) <= 64) or not all(c.isalnum() or c in "-_.:/#" for c in ticket):
        raise ConfigurationError(
            "a ticket is a reference such as INC-2026-0042 (letters, digits, -_.:/#, at most "
            "64 characters), not a description"
        )
