"""Custom detectors from the policy file, run by RE2: linear time, whatever the pattern.

Python's `re` backtracks: a pattern such as ``(a+)+$`` takes exponential time on hostile
input. RE2 (google-re2) cannot backtrack, so a policy author's regex can never stall a
call; a pattern that needs backtracking features (look-around, back-references) is
refused when the policy loads, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .._regex import compile_linear
from ._context import Context
from ._findings import Finding
from ._normalize import lowered
from ._validators import VALIDATORS

__all__ = ["RegexDetector"]


class RegexDetector:
    """One entity type found by a linear-time regex, optionally checksum-validated."""

    def __init__(
        self,
        entity_type: str,
        pattern: str,
        *,
        score: float = 0.8,
        validator: str | None = None,
        context: Sequence[str] = (),
    ) -> None:
        self.name = f"custom:{entity_type}"
        self.entity_type = entity_type
        self._regex = compile_linear(pattern)
        self._score = score
        self._validate = VALIDATORS[validator] if validator else None
        self._context = Context(context)

    def detect(self, text: str) -> Iterator[Finding]:
        low: str | None = None
        for m in self._regex.finditer(text):
            start, end = m.span()
            if start == end:
                continue
            if self._validate is not None and not self._validate(m.group()):
                continue
            score = self._score
            if self._context.positive is not None:
                if low is None:
                    low = lowered(text)
                score = self._context.score(low, start, end, score)
            yield Finding(self.entity_type, start, end, score, self.name)
