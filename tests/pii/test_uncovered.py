"""`_conversation.uncovered`: whether a name stands outside every finding. It decides
whether a text is scanned again, so it must answer exactly what a look at every finding
answers, and stay cheap on a text dense with names and findings."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from responsible_ai._pii._conversation import uncovered
from responsible_ai._pii._findings import Finding


def _by_definition(names: list[Finding], found: list[Finding]) -> bool:
    return any(not any(f.start <= n.start and n.end <= f.end for f in found) for n in names)


_SPAN = st.tuples(st.integers(0, 60), st.integers(0, 60)).map(
    lambda ab: Finding("PERSON", min(ab), max(ab), 0.9, "test")
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_SPAN, max_size=6), st.lists(_SPAN, max_size=14))
def test_same_answer_as_a_look_at_every_finding(names: list[Finding], found: list[Finding]) -> None:
    assert uncovered(names, found) == _by_definition(names, found)


def test_dense_text_stays_near_linear() -> None:
    """20,000 names against 20,000 findings ("Ab, Ab, Ab, ..."): a pairwise look would
    make 4 * 10**8 comparisons."""
    found = [Finding("PERSON", 4 * k, 4 * k + 2, 0.9, "test") for k in range(20_000)]
    t0 = time.thread_time()
    assert not uncovered(list(found), found)
    assert uncovered([*found, Finding("PERSON", 1, 4, 0.9, "test")], found)
    assert time.thread_time() - t0 < 2.0
