"""Training records: who completed which course, when, and until when it is valid.

Records come from a source the platform team controls: a file exported from the
learning system (CSV with the columns ``principal,course,completed_at,expires_at``, or
JSON: a list of objects with those keys), or a callable ``(principal_id, course) ->
TrainingRecord | None`` that asks the system itself. The library never creates a record.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._errors import ConfigurationError

__all__ = [
    "TRAINING_FILE_ENV",
    "TrainingLookup",
    "TrainingRecord",
    "TrainingRecords",
    "training_source",
]

TRAINING_FILE_ENV = "RAI_TRAINING_FILE"

_MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TrainingRecord:
    """One completed course: `completed_at` and `expires_at` carry a time zone
    (`expires_at` None: it does not lapse)."""

    course: str
    completed_at: datetime
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("completed_at", "expires_at"):
            value = getattr(self, name)
            if value is None and name == "expires_at":
                continue
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise ConfigurationError(f"TrainingRecord.{name} must be a datetime with a zone")

    def problem(self, now: datetime) -> str | None:
        """Why this record does not count now (None: it does)."""
        if self.completed_at > now:
            return "is dated in the future"
        if self.expires_at is not None and now >= self.expires_at:
            return "has expired"
        return None


TrainingLookup = Callable[[str, str], "TrainingRecord | None"]
"""Where the who-step asks for a principal's record of a course: ``(principal_id,
course) -> TrainingRecord | None``."""


class TrainingRecords:
    """Records held in memory, by principal id and course (the latest completion wins).
    Build it from a file with `TrainingRecords.from_file`, or from rows."""

    def __init__(self, rows: Iterable[tuple[str, TrainingRecord]] = ()) -> None:
        self._by: dict[tuple[str, str], TrainingRecord] = {}
        for principal, record in rows:
            key = (principal, record.course)
            known = self._by.get(key)
            if known is None or record.completed_at > known.completed_at:
                self._by[key] = record

    def __call__(self, principal_id: str, course: str) -> TrainingRecord | None:
        return self._by.get((principal_id, course))

    def __len__(self) -> int:
        return len(self._by)

    def __repr__(self) -> str:  # ids are accounts: counts only
        return f"TrainingRecords({len(self._by)} records)"

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> TrainingRecords:
        """Read a CSV or JSON export. A row that cannot be read is an error naming its
        line (or index) and column, never its values."""
        file = Path(path)
        try:
            if file.stat().st_size > _MAX_FILE_BYTES:
                raise ConfigurationError(f"{file}: a training export larger than 64 MiB")
            text = file.read_text("utf-8")
        except OSError as exc:
            raise ConfigurationError(
                f"{file}: cannot read the training records ({exc.strerror})"
            ) from None
        if file.suffix.lower() == ".json":
            try:
                data = json.loads(text)
            except ValueError:
                raise ConfigurationError(f"{file}: not JSON") from None
            if not isinstance(data, list):
                raise ConfigurationError(f"{file}: expected a list of records")
            rows = [_row(f"{file}[{i}]", item) for i, item in enumerate(data)]
        else:
            reader = csv.DictReader(io.StringIO(text))
            rows = [_row(f"{file}:{n + 2}", item) for n, item in enumerate(reader)]
        return cls(rows)


def _row(where: str, item: Any) -> tuple[str, TrainingRecord]:
    if not isinstance(item, dict):
        raise ConfigurationError(f"{where}: expected an object with principal and course")
    principal, course = item.get("principal"), item.get("course")
    if not isinstance(principal, str) or not principal:
        raise ConfigurationError(f"{where}: no principal")
    if not isinstance(course, str) or not course:
        raise ConfigurationError(f"{where}: no course")
    completed = _when(where, "completed_at", item.get("completed_at"))
    if completed is None:
        raise ConfigurationError(f"{where}: no completed_at")
    return principal, TrainingRecord(
        course, completed, _when(where, "expires_at", item.get("expires_at"))
    )


def _when(where: str, column: str, value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"{where}: {column} must be an ISO 8601 date or time")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigurationError(f"{where}: {column} is not an ISO 8601 date or time") from None
    return when if when.utcoffset() is not None else when.replace(tzinfo=UTC)


def training_source(source: Any) -> TrainingLookup | None:
    """A lookup from what `Governance(training=...)` was given: a path (CSV or JSON), a
    `TrainingRecords`, a callable, or None."""
    if source is None:
        return None
    if isinstance(source, (str, os.PathLike)):
        return TrainingRecords.from_file(source)
    if callable(source):
        lookup: TrainingLookup = source
        return lookup
    raise TypeError(
        "training must be a file path, a rai.TrainingRecords or a callable "
        f"(principal_id, course) -> TrainingRecord | None, got {type(source).__name__}"
    )
