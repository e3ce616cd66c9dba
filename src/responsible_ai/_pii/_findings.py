"""Findings and their deterministic overlap resolution."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Finding", "outside", "resolve_overlaps", "trimmed"]


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


def resolve_overlaps(findings: Iterable[Finding], text: str | None = None) -> list[Finding]:
    """Keep a non-overlapping set: higher score first, then the longer span, then the
    earlier start, then the entity type's name: the same input always gives the same output.
    Returned in text order. O(n log n): many findings use two Fenwick trees over the
    start positions rather than sorted lists that shift on every insert.

    With `text`, what a finding that lost covered beyond the winners is kept too, as a
    finding of its own type: a street address that starts on a card's last group must
    not let the card's first twelve digits out ("4111 1111 1111 <LOCATION_1>")."""
    ordered = sorted(
        findings, key=lambda f: (-f.score, -(f.end - f.start), f.start, f.entity_type, f.detector)
    )
    if len(ordered) > _MANY:
        kept = _resolve_many(ordered)
        if text is None or len(kept) == len(ordered):
            return kept
        won = set(kept)
        lost = [f for f in ordered if f not in won]
    else:
        lost = []
        kept = _resolve(ordered, None if text is None else lost)
        if text is None or not lost:  # none lost, or each inside one winner: none over
            return kept
    rest = _leftovers(lost, kept, text)
    return sorted([*kept, *rest], key=lambda f: f.start) if rest else kept


def _leftovers(lost: list[Finding], kept: list[Finding], text: str) -> list[Finding]:
    """What the findings that lost (best first) cover and the winners do not, each piece
    given to the best finding that covers it. O(n log n): the text is cut at every
    boundary once, and each piece is handed out once."""
    cuts = sorted({x for f in (*lost, *kept) for x in (f.start, f.end)})
    inside = [0] * len(cuts)  # winners over each elementary piece [cuts[i], cuts[i + 1])
    for f in kept:
        inside[bisect.bisect_left(cuts, f.start)] += 1
        inside[bisect.bisect_left(cuts, f.end)] -= 1
    covered = list(itertools.accumulate(inside))
    owner: list[Finding | None] = [None] * len(cuts)
    free = list(range(len(cuts) + 1))  # the next piece not handed out yet, path-halved

    def next_free(i: int) -> int:
        while free[i] != i:
            free[i] = free[free[i]]
            i = free[i]
        return i

    for f in lost:
        i = next_free(bisect.bisect_left(cuts, f.start))
        end = bisect.bisect_left(cuts, f.end)
        while i < end:
            if not covered[i]:
                owner[i] = f
            free[i] = i + 1
            i = next_free(i + 1)
    out: list[Finding] = []
    i = 0
    while i < len(cuts) - 1:
        best = owner[i]
        if best is None:
            i += 1
            continue
        j = i + 1
        while j < len(cuts) - 1 and owner[j] is best:
            j += 1
        out.extend(trimmed(best, cuts[i], cuts[j], text))
        i = j
    return out


def outside(
    f: Finding, spans: list[Finding], text: str, starts: list[int] | None = None
) -> list[Finding]:
    """The parts of `f` that none of `spans` (in text order, not overlapping; `starts`:
    their starts) covers, trimmed to letters and digits."""
    if starts is None:
        starts = [s.start for s in spans]
    i = max(bisect.bisect_right(starts, f.start) - 1, 0)
    pieces: list[Finding] = []
    pos = f.start
    while i < len(spans) and spans[i].start < f.end:
        s = spans[i]
        if s.end > pos:
            if s.start > pos:
                pieces.extend(trimmed(f, pos, s.start, text))
            pos = max(pos, s.end)
        i += 1
    if pos < f.end:
        pieces.extend(trimmed(f, pos, f.end, text))
    return pieces


def trimmed(f: Finding, start: int, end: int, text: str) -> list[Finding]:
    """`f` over ``text[start:end]``, trimmed to letters and digits (none if none are left)."""
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    if start == end:
        return []
    return [Finding(f.entity_type, start, end, f.score, f.detector, f.ref)]


def _resolve(ordered: list[Finding], lost: list[Finding] | None = None) -> list[Finding]:
    """The kept spans of `ordered` (best first), in text order; into `lost`, the findings
    that lost and reach beyond the one winner they overlap (a finding inside a winner
    leaves nothing over: `_leftovers` need not read it)."""
    starts: list[int] = []
    ends: list[int] = []
    kept: list[Finding] = []
    for f in ordered:
        start, end = f.start, f.end
        i = bisect.bisect_left(starts, start)
        if i > 0 and ends[i - 1] > start:  # overlaps the kept span that starts before it
            if lost is not None and ends[i - 1] < end:
                lost.append(f)
            continue
        if i < len(starts) and starts[i] < end:  # ... or one that starts in it
            if lost is not None and (starts[i] > start or ends[i] < end):
                lost.append(f)
            continue
        starts.insert(i, start)
        ends.insert(i, end)
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
