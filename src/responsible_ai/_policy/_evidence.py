"""The `[evidence]` table: where the evidence store is, how long each kind of record is
kept, and the clocks a reported incident starts.

```toml
[evidence]
url = "sqlite:///var/lib/rai/evidence.db"   # or RAI_EVIDENCE_URL; postgresql://host/db
required = true                             # no store: Governance refuses to start
durability = "batch"                        # or "sync": each call waits for its commit
commit_window_ms = 100                      # batch: appends gather this long, then commit

[evidence.retention]                        # days; never below the floor (183 days)
decision = 365
incident = 2555

[evidence.incidents]
hold_severities = ["serious"]               # these put a legal hold on the linked records

[[evidence.incidents.clocks]]
name = "inform_provider"
within_hours = 0                            # 0: "immediately"
severities = ["serious"]

[[evidence.incidents.clocks]]
name = "report_authority"
within_days = 15
severities = ["serious"]
```
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from ._model import StrictModel

__all__ = [
    "CALL_PARTS",
    "RECORD_KINDS",
    "RETENTION_FLOOR_DAYS",
    "SEVERITIES",
    "EvidenceSettings",
    "IncidentClock",
    "IncidentSettings",
    "Retention",
    "check_store_url",
]

RETENTION_FLOOR_DAYS = 183
"""No record is kept for less than six months (EU AI Act art. 26(6): a deployer keeps
the logs of a high-risk AI system for at least six months)."""

RECORD_KINDS = (
    "decision", "answer", "failure", "evaluation", "call", "review", "policy", "incident",
    "incident.update", "erasure", "retention",
)  # fmt: skip
"""The kinds of record the store holds (each may have its own retention). A ``call``
record is a decision and its outcome (an answer and its evaluations, or a failure) in
one: it keeps its body as long as the longest of theirs."""

CALL_PARTS = ("decision", "answer", "failure", "evaluation")

SEVERITIES = ("low", "medium", "high", "serious")

Severity = Literal["low", "medium", "high", "serious"]


def _serious() -> list[Severity]:
    return ["serious"]


_Days = Annotated[int, Field(ge=RETENTION_FLOOR_DAYS, le=36_500)]
_ClockName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


def check_store_url(value: str, *, allow_password: bool) -> str:
    """An evidence store's URL: ``sqlite:///path`` or ``postgresql://host[:port]/db``.
    A password belongs in the environment (``RAI_EVIDENCE_URL`` or ``PGPASSWORD``),
    never in the policy file."""
    if any(ord(c) < 32 for c in value):
        raise ValueError("a URL without control characters")
    url = urlsplit(value)
    if url.scheme == "sqlite":
        if url.netloc or not url.path or url.path == "/":
            raise ValueError("sqlite:///path/to/evidence.db (three slashes, then the path)")
        return value
    if url.scheme in ("postgresql", "postgres"):
        if not url.hostname or not url.path.strip("/"):
            raise ValueError("postgresql://host[:port]/database")
        if url.password is not None and not allow_password:
            raise ValueError(
                "a URL without a password (put the password in PGPASSWORD or in "
                "RAI_EVIDENCE_URL, never in the policy file)"
            )
        return value
    raise ValueError("sqlite:///path or postgresql://host/database")


class Retention(StrictModel):
    """Days each kind of record keeps its body (its place in the chain stays for ever).
    `default` holds for a kind not named; none may be below the floor of 183 days."""

    default: _Days = 365
    decision: _Days | None = None
    answer: _Days | None = None
    failure: _Days | None = None
    evaluation: _Days | None = None
    review: _Days | None = None
    policy: _Days | None = None
    incident: _Days | None = None
    erasure: _Days | None = None
    retention: _Days | None = None

    def days(self, kind: str) -> int:
        """The retention of `kind` (``incident.update`` follows ``incident``; ``call``
        the longest of its parts')."""
        if kind == "call":
            return max(self.days(part) for part in CALL_PARTS)
        own = getattr(self, kind.split(".", 1)[0], None) if kind in RECORD_KINDS else None
        return own if isinstance(own, int) else self.default


class IncidentClock(StrictModel):
    """A deadline a reported incident of one of `severities` starts: ``within_hours = 0``
    is "immediately"."""

    name: _ClockName
    within_hours: Annotated[int, Field(ge=0, le=24 * 365)] | None = None
    within_days: Annotated[int, Field(ge=0, le=365)] | None = None
    severities: Annotated[list[Literal["low", "medium", "high", "serious"]], Field(min_length=1)]

    @model_validator(mode="after")
    def _one_period(self) -> IncidentClock:
        if (self.within_hours is None) == (self.within_days is None):
            raise ValueError("give exactly one of within_hours and within_days")
        return self

    @property
    def seconds(self) -> int:
        if self.within_hours is not None:
            return self.within_hours * 3600
        return (self.within_days or 0) * 86400


class IncidentSettings(StrictModel):
    """The `[evidence.incidents]` table."""

    hold_severities: list[Severity] = Field(default_factory=_serious)
    clocks: list[IncidentClock] = Field(default_factory=list)

    @field_validator("clocks")
    @classmethod
    def _unique(cls, value: list[IncidentClock]) -> list[IncidentClock]:
        names = [c.name for c in value]
        if len(set(names)) != len(names):
            raise ValueError("each clock name once")
        return value


class EvidenceSettings(StrictModel):
    """The `[evidence]` table."""

    url: str | None = None
    required: bool = False
    durability: Literal["batch", "sync"] = "batch"
    # batch: how long the writer lets appends gather before one commit (a flush cuts it
    # short) — about what a process killed hard can lose, with the commit under way
    # (sync: nothing; each call waits for its commit). 100 ms: see docs/compliance.md
    commit_window_ms: Annotated[int, Field(ge=1, le=1000)] = 100
    retention: Retention = Field(default_factory=Retention)
    incidents: IncidentSettings = Field(default_factory=IncidentSettings)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_store_url(value, allow_password=False)
