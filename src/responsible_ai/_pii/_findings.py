"""Findings and their deterministic overlap resolution."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Finding", "resolve_overlaps"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of PII found in a text: its type, where it is, how sure, and who found it.

    Positions are in the text that was scanned. A finding never holds the value itself,
    so findings can be logged, counted and put in spans safely.
    """

    entity_type: str
    start: int
    end: int
    score: float
    detector: str
    ref: int = -1  # for known values: which one (an index, never the value)

    def shifted(self, offset: int) -> Finding:
        return Finding(
            self.entity_type,
            self.start + offset,
            self.end + offset,
            self.score,
            self.detector,
            self.ref,
        )


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Keep a non-overlapping set: higher score first, then the longer span, then the
    earlier start, then the entity type's name: the same input always gives the same output.
    Returned in text order."""
    ordered = sorted(
        findings, key=lambda f: (-f.score, -(f.end - f.start), f.start, f.entity_type, f.detector)
    )
    starts: list[int] = []
    ends: list[int] = []
    kept: list[Finding] = []
    for f in ordered:
        i = bisect.bisect_left(starts, f.start)
        if i > 0 and ends[i - 1] > f.start:
            continue  # overlaps the kept span that starts before it
        if i < len(starts) and starts[i] < f.end:
            continue  # overlaps the kept span that starts after it
        starts.insert(i, f.start)
        ends.insert(i, f.end)
        kept.insert(i, f)
    return kept
