"""Dates and times in the common numeric formats, found before any number is read as an
identifier: their digits are never a phone number, a card or an SSN.

Formats: ISO 8601 (``2000-04-16``, ``2000-04-16T11:34:35.123Z``, ``+02:00`` offsets,
the compact ``20000416T113435Z``), dates with ``-``, ``/`` or ``.`` in any order of
day, month and year (``16/04/2000``, ``04.16.2000``, ``2000/4/16``, two-digit years),
each with a time after it (a space, ``T``, ``, `` or `` at ``), compact dates
(``20000416``) and times alone (``11:34``, ``11:34:35.123``, ``11:34 pm``). A
candidate whose month or day is out of range is no date (``12.34.5678`` stays a
number). One regex pass each, linear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

__all__ = ["date_spans"]

_TIME = (
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::\d{2})?(?:[.,]\d{1,9})?"
    r"(?:\s?[AaPp]\.?[Mm]\b\.?)?"
    r"(?:\s?(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)(?![\w]))?"
)
_AFTER = rf"(?:(?:[T ]|,\s?|\s+at\s+)(?P<time>{_TIME}))?"
# a date is not the start or the end of a longer dotted or dashed number
_EDGE_BEFORE = r"(?<![\d.,/-])(?<![\d][.,/-])"
_EDGE_AFTER = r"(?![\d]|[./-]\d)"
_DATE = re.compile(
    _EDGE_BEFORE
    + r"(?:(?P<y1>\d{4})(?P<s1>[-/.])(?P<m1>\d{1,2})(?P=s1)(?P<d1>\d{1,2})"
    + r"|(?P<a2>\d{1,2})(?P<s2>[-/.])(?P<b2>\d{1,2})(?P=s2)(?P<y2>\d{4}|\d{2})"
    + r"|(?P<y3>(?:19|20)\d{2})(?P<m3>0[1-9]|1[0-2])(?P<d3>0[1-9]|[12]\d|3[01])"
    + r"(?:T?(?P<t3>\d{4}(?:\d{2})?(?:[.,]\d{1,9})?)Z?)?)"
    + _EDGE_AFTER
    + _AFTER
)
_TIME_ALONE = re.compile(r"(?<![\d:.])" + _TIME + r"(?![\d:])")


def _valid(m: re.Match[str]) -> bool:
    if m.group("y1") is not None:
        return 1 <= int(m.group("m1")) <= 12 and 1 <= int(m.group("d1")) <= 31
    if m.group("y2") is not None:
        a, b = int(m.group("a2")), int(m.group("b2"))
        return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)
    return True  # the compact form's pattern only takes valid months and days


def date_spans(
    text: str, lo: int = 0, hi: int | None = None, before: int | None = None
) -> Iterator[tuple[int, int, int]]:
    """(start, end of the date, end with its time) of each date in text[lo:hi] that starts
    before `before` (default: `hi`); a time alone as (start, start, end): no date, only a
    span in which no number is read: what a search of text[lo:hi] for each pattern finds
    (`finditer`), up to `before`.

    Every date and time starts at a digit with none before it (both patterns look
    behind), so when text[lo:before] is shorter than the rest of the window (a short
    run of digits read with the window after it), the patterns are matched there only,
    anchored: a search would read the window after `before` for a match it drops."""
    hi = len(text) if hi is None else hi
    before = hi if before is None else min(before, hi)
    if before - lo <= hi - before:
        starts = [m.start() for m in _FIRST_DIGIT.finditer(text, lo, before)]
        dates: Iterable[re.Match[str]] = _anchored(_DATE, text, starts, hi)
    else:
        starts = []
        dates = _before(_DATE.finditer(text, lo, hi), before)
    spans: list[tuple[int, int]] = []
    for m in dates:
        if not _valid(m):
            continue
        t3 = m.group("t3")
        if t3 is not None and (int(t3[:2]) > 24 or int(t3[2:4]) > 59):
            continue
        time = m.group("time")
        if time is not None and int(m.group("h")) <= 24 and int(m.group("mi")) <= 59:
            date_end, end = m.start("time"), m.end()
        else:
            date_end = end = m.start("time") if time is not None else m.end()
        if m.group("y3") is not None:
            date_end = m.start() + 8
        while date_end > m.start() and not text[date_end - 1].isdigit():
            date_end -= 1  # the separator before the time belongs to neither
        end = max(end, date_end)
        spans.append((m.start(), end))
        yield m.start(), date_end, end
    if text.find(":", lo, hi) == -1:
        return
    times = (
        _anchored(_TIME_ALONE, text, starts, hi)
        if before - lo <= hi - before
        else _before(_TIME_ALONE.finditer(text, lo, hi), before)
    )
    k = 0
    for m in times:
        start = m.start()
        while k < len(spans) and spans[k][1] <= start:
            k += 1
        if k < len(spans) and spans[k][0] <= start:
            continue  # the time of a date-time found above
        if int(m.group("h")) <= 24 and int(m.group("mi")) <= 59:
            yield start, start, m.end()


def _anchored(
    pattern: re.Pattern[str], text: str, starts: list[int], hi: int
) -> Iterator[re.Match[str]]:
    """What `pattern.finditer(text, ..., hi)` finds, for a pattern whose matches start
    only at `starts`: each tried there, anchored, past the previous match."""
    pos = 0
    for start in starts:
        if start >= pos:
            m = pattern.match(text, start, hi)
            if m is not None:
                pos = m.end()
                yield m


def _before(matches: Iterator[re.Match[str]], before: int) -> Iterator[re.Match[str]]:
    """`matches` up to the first that starts at `before` or later (the search stops)."""
    for m in matches:
        if m.start() >= before:
            return
        yield m


_FIRST_DIGIT = re.compile(r"(?<!\d)\d")  # where a date or a time may start
