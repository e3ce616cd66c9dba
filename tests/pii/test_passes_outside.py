"""The second pass's cheap test (`_passes._outside`): an occurrence of a name's part
counts as covered exactly when one finding holds all of it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from responsible_ai._pii._findings import Finding
from responsible_ai._pii._passes import _outside


def _by_definition(low: str, parts: list[str], found: list[Finding]) -> bool:
    for part in parts:
        at = low.find(part)
        while at >= 0:
            end = at + len(part)
            if not any(f.start <= at and end <= f.end for f in found):
                return True
            at = low.find(part, at + 1)
    return False


@st.composite
def _cases(draw: st.DrawFn) -> tuple[str, list[str], list[Finding]]:
    low = draw(st.text(alphabet="ab .", max_size=40))
    spans = draw(
        st.lists(st.tuples(st.integers(0, len(low)), st.integers(0, len(low))), max_size=6)
    )
    found = [Finding("PERSON", min(a, b), max(a, b), 0.9, "test") for a, b in spans]
    parts = draw(st.lists(st.text(alphabet="ab", min_size=1, max_size=3), max_size=4))
    return low, parts, found


class TestOutside:
    @settings(max_examples=400, deadline=None)
    @given(_cases())
    def test_agrees_with_the_definition(self, case: tuple[str, list[str], list[Finding]]) -> None:
        """Overlapping, nested and unordered findings: the same answer as looking at each."""
        low, parts, found = case
        assert _outside(low, parts, found) == _by_definition(low, parts, found)

    def test_an_occurrence_past_every_finding_is_outside(self) -> None:
        """A name after the last finding is outside; inside one, it is not."""
        found = [Finding("PERSON", 0, 8, 0.9, "test")]
        assert not _outside("jane roe and more", ["roe"], found)
        assert _outside("jane roe and roe", ["roe"], found)
