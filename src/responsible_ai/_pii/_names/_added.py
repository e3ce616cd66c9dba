"""`Added`: the persons a pass finds, tested against what was found before it."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate

__all__ = ["Added"]

Found = list[tuple[str, int, int, float]]


class Added:
    """The persons a pass finds (`spans`, in the order found), tested against what was
    found before it: not over a firm or a place, nor a person found already (in O(log n)
    per test: a text of many names stays linear; the index is made at the first test,
    and a person found already with the very same span is turned away by one look)."""

    __slots__ = ("_found", "_held", "_index", "spans")

    def __init__(self, out: Found) -> None:
        self._found = out
        self._held: set[tuple[int, int]] = set()
        self._index: tuple[list[int], list[int], list[int], list[int]] | None = None
        self.spans: dict[tuple[int, int], None] = {}

    def _made(self) -> tuple[list[int], list[int], list[int], list[int]]:
        out = self._found
        other = sorted((s, e) for k, s, e, sc in out if sc >= 0.6 and k != "PERSON")
        people = sorted((s, e) for k, s, e, sc in out if sc >= 0.5 and k == "PERSON")
        self._held = set(people)
        self._index = (
            [s for s, _ in other],
            list(accumulate((e for _, e in other), max)),
            [s for s, _ in people],
            list(accumulate((e for _, e in people), max)),
        )
        return self._index

    def add(self, start: int, end: int) -> None:
        span = (start, end)
        if end <= start or span in self.spans or span in self._held:
            return
        other, other_reach, people, people_reach = self._index or self._made()
        if span in self._held:  # (the first test: the index was made just now)
            return
        k = bisect_left(other, end)  # a firm or a place that starts before the end
        if k and other_reach[k - 1] > start:
            return
        k = bisect_right(people, start)  # a person found that holds it
        if k and people_reach[k - 1] >= end:
            return
        self.spans[span] = None
