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
    Returned in text order. O(n log n): many findings use two Fenwick trees over the
    start positions rather than sorted lists that shift on every insert."""
    ordered = sorted(
        findings, key=lambda f: (-f.score, -(f.end - f.start), f.start, f.entity_type, f.detector)
    )
    if len(ordered) > _MANY:
        return _resolve_many(ordered)
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


_MANY = 4096  # findings: below this, list inserts are faster than the trees


def _resolve_many(ordered: list[Finding]) -> list[Finding]:
    xs = sorted({f.start for f in ordered})
    k = len(xs)
    count = [0] * (k + 1)  # Fenwick tree: how many kept spans start at each position
    reach = [-1] * (k + 1)  # Fenwick tree, prefix max: the furthest end of a kept span

    def kept_before(i: int) -> int:
        n = 0
        while i > 0:
            n += count[i]
            i -= i & -i
        return n

    def furthest_before(i: int) -> int:
        m = -1
        while i > 0:
            m = max(m, reach[i])
            i -= i & -i
        return m

    kept: list[Finding] = []
    for f in ordered:
        a = bisect.bisect_left(xs, f.start)  # kept spans starting before f: xs[:a]
        if furthest_before(a) > f.start:
            continue
        b = bisect.bisect_left(xs, f.end)  # kept spans starting inside f: xs[a:b]
        if kept_before(b) - kept_before(a) > 0:
            continue
        kept.append(f)
        i = a + 1
        while i <= k:
            count[i] += 1
            reach[i] = max(reach[i], f.end)
            i += i & -i
    kept.sort(key=lambda f: f.start)
    return kept
