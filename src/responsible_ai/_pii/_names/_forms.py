"""Names in the forms a run of capitalised words does not show: handles and slugs made
of a name ("kenji.watanabe", "Kenji_Watanabe", "/home/ayodele.bakare/"), and first names
that are also words ("Rose", "Mark", "Will") where only a name can stand: listed beside
a person found for sure ("Rose, Mark and Priya Patel"), or before a possessive
("Hope's card"). Surname-first orders ("Nguyen Van Thanh", "WATANABE Kenji") are read by
`_judge`; these run after it, over the windows `_gate` chose.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import cache
from itertools import accumulate
from string import ascii_lowercase

from ._lexicon import Lexicon, WordSet
from ._tokens import Word
from ._words import MODALS, MONTHS_DAYS, NOT_NAMES, NOT_SURNAME, PERSON_BEFORE

__all__ = ["handles", "listed", "mentions"]

Found = list[tuple[str, int, int, float]]

# two or three parts joined by one dot, underscore or hyphen, not inside a longer word,
# an e-mail's domain or a number: "kenji.watanabe", "ayodele.bakare", "j.smith"
_HANDLE = re.compile(
    r"(?<![\w.@-])([^\W\d_]{1,30})([._\-])([^\W\d_]{1,30})(?:\2([^\W\d_]{2,30}))?(?![\w@]|\.\w)"
)


def _named(part: str, names: WordSet) -> bool:
    return (part[:1].upper() + part[1:].lower()) in names


_LETTER = re.compile(r"[^\W\d_]")
_FAR = sys.maxsize  # an end past every text's
# `_HANDLE` from its first separator on: what follows its first part
_HANDLE_TAIL = re.compile(r"([._\-])([^\W\d_]{1,30})(?:\1([^\W\d_]{2,30}))?(?![\w@]|\.\w)")
_RUN_BACK = re.compile(r"[^\W\d_]{0,31}")  # the letters before a separator, read backwards
_OPENS = re.compile(r"(?<![\w.@-])")  # where `_HANDLE` may start


def handles(
    text: str, spans: Sequence[tuple[int, int]], lex: Lexicon, joined: list[int]
) -> dict[int, Found]:
    """Handles and slugs made of a first name and a surname (either order, an initial
    allowed) in the windows `spans` (in order, apart): each a person, by the window's
    index. What ``_HANDLE.finditer`` finds over each window that holds a separator
    between two letters, tried only where a match can start: at the letters before a
    separator (`joined`: the text's `_slugs.joints`, a letter or a digit after each)."""
    if not joined:
        return {}
    found: dict[int, Found] = {}
    last = -1
    for p in joined:
        k = bisect_right(spans, (p - 1, _FAR)) - 1  # the window that holds the letter before
        if k <= last or k < 0 or p + 1 >= spans[k][1] or _LETTER.match(text, p + 1) is None:
            continue
        last = k
        hits: Found = []
        _handles_in(text, spans[k][0], spans[k][1], joined, lex, hits)
        if hits:
            found[k] = hits
    return found


def _handles_in(
    text: str, start: int, end: int, joints: list[int], lex: Lexicon, out: Found
) -> None:
    """The handles of one window, ``text[start:end]``: what ``_HANDLE.finditer`` finds
    over it (from the start of the chunk the window starts in), tried only at the
    letters before a separator: no match starts elsewhere, and none holds another's
    start."""
    lo = max(0, start - 64)  # the window may start inside the handle: from its chunk
    # the cheap tests first: no handle starts at letters right after a separator (the
    # one before this), and most separators (an e-mail address's) start none
    tails = []
    for i in range(bisect_left(joints, lo), bisect_left(joints, end)):
        j = joints[i]
        if i and text[joints[i - 1] + 1 : j].isalpha():
            continue
        if _HANDLE_TAIL.match(text, j, end) is not None:
            tails.append(j)
    if not tails:
        return
    gap = max(text.rfind(" ", lo, start), text.rfind("\n", lo, start), text.rfind("\t", lo, start))
    lo = gap + 1 if gap >= 0 else lo
    for j in tails:
        run = _RUN_BACK.match(text[max(0, j - 31) : j][::-1]).end()  # type: ignore[union-attr]
        at = j - run
        if run > 30 or at < lo or _OPENS.match(text, at) is None:
            continue
        m = _HANDLE.match(text, at, end)
        if m is None:
            continue
        parts = [p for p in (m.group(1), m.group(3), m.group(4)) if p]
        if m.group(2) == "-" and not all(p.islower() for p in parts):
            continue  # "Roe-Smith", "Jean-Luc": a double name, read as a word
        head, tail = parts[0], parts[-1]
        if len(tail) < 2:
            continue
        ordered = (_named(head, lex.first) or len(head) == 1) and _named(tail, lex.last)
        reverse = _named(head, lex.last) and _named(tail, lex.first) and len(head) > 1
        if not (ordered or reverse):
            continue
        words = [p.lower() in lex.words or p.lower() in NOT_NAMES for p in parts if len(p) > 1]
        capitalised = all(p[:1].isupper() for p in parts)
        if all(words) and not capitalised:
            continue  # "mark.down", "will-call": words, not a name
        if any(p.lower() in NOT_SURNAME for p in parts if len(p) > 1):
            continue
        out.append(("PERSON", m.start(), m.end(), 0.9))


# "@kenji_w", "@ JaneSmith" (a space after the "@", as some exports write it); not an
# e-mail address ("jane@example.org")
_MENTION = re.compile(r"(?<![\w.@])@[ \t]?(_?[A-Za-z][A-Za-z0-9_]{1,30})(?![\w@])")
_HANDLE_PARTS = re.compile(r"[_\d]+|(?<=[a-z])(?=[A-Z])")


def mentions(text: str, lex: Lexicon, out: Found) -> None:
    """Mentions of an account whose name holds a person's: it starts with a first name
    ("@jimmyfallon", "@tallt33baby") or one of its parts is a first name or a surname of
    four letters or more ("@DicksonLauren", "@dj_friend"). A mention is an online
    identifier: one made of a name is that person. A mention that is an English word
    and no first name ("@team", "@channel", "@here", "@ sales") names a group, not one."""
    at = text.find("@")
    while at != -1:
        m = _MENTION.match(text, at)
        if m is not None and not _a_group(m.group(1), lex) and _holds_a_name(m.group(1), lex):
            out.append(("PERSON", m.start(1), m.end(1), 0.8))
        at = text.find("@", at + 1)


def _a_group(handle: str, lex: Lexicon) -> bool:
    low = handle.lower()
    return low in lex.words and low[:1].upper() + low[1:] not in lex.first


def _holds_a_name(handle: str, lex: Lexicon) -> bool:
    low = handle.lower().lstrip("_")
    # its first letters (a mention is ASCII: letters, then digits or "_" perhaps), the
    # shortest first: "jane" in "janesmith" after two looks, not six
    letters = len(low) - len(low.lstrip(ascii_lowercase))
    head, first = low[:1].upper(), lex.first
    for n in range(3, min(letters, 12) + 1):
        if head + low[1:n] in first:
            return True
    for part in _HANDLE_PARTS.split(handle):
        if len(part) >= 4:
            key = part[:1].upper() + part[1:].lower()
            if key in lex.first or key in lex.last:
                return True
    return False


_WORD_AFTER = re.compile(r"(?:,[ \t]*|[ \t]+(?:and|&|or|und|et|y)[ \t]+|,[ \t]*(?:and|&)[ \t]+)"
                         r"([A-Z][a-z\u00e0-\u00ff]{1,20})(?:['\u2019]s)?\b")  # fmt: skip
_CONNECTORS = (" and ", " & ", " or ")
_LINKS = (",", " and ", " & ", " or ", " und ", " et ", " y ", "\tand ", "  ")


def _word_before(text: str, start: int) -> tuple[int, int] | None:
    """The capitalised word listed right before `start` (", " or " and " between), as
    `_WORD_AFTER` reads one after: where it is, or None."""
    lo = max(0, start - 4)
    k = lo + len(text[lo:start].rstrip(" \t"))  # up to four spaces or tabs back
    if k > 0 and text[k - 1] == ",":
        k -= 1
    else:
        if not text.endswith(_CONNECTORS, max(0, start - 5), start):
            return None
        tail = next(c for c in _CONNECTORS if text.endswith(c, max(0, start - 5), start))
        k = start - len(tail)
        if k > 0 and text[k - 1] == ",":
            k -= 1
    end = k
    while k > 0 and (text[k - 1].isalpha()) and end - k <= 21:
        k -= 1
    if end - k < 2 or end - k > 21 or not text[k].isupper() or not text[k + 1 : end].islower():
        return None
    if k > 0 and (text[k - 1].isalnum() or text[k - 1] in "._"):
        return None
    return k, end


def listed(text: str, lex: Lexicon, out: Found, seen: list[Word]) -> None:
    """First names that are also words, listed beside a person found for sure: "Rose,
    Mark and Priya Patel", "cc: Will, Rose". Each one found makes its neighbour sure
    too, so a list is read whole, in either direction. (Only where the windows' words,
    `seen`, hold such a name, or a first name not found on its own.)"""
    people = [(s, e) for kind, s, e, score in out if kind == "PERSON" and score >= 0.75]
    for start, end in people:  # a link of a list right after one, or right before
        lo = start - 5 if start > 5 else 0  # (a comma, or what `_word_before` reads)
        if text.startswith(_LINKS, end) or "," in text[lo:start]:
            break
        if text.endswith(_CONNECTORS, lo, start):
            break
    else:
        return  # none has a link beside it that a list needs: the walk below adds none
    found = sorted((s, e) for _, s, e, _ in out)
    starts = [s for s, _ in found]
    reach = list(accumulate((e for _, e in found), max))  # the furthest end so far
    # a name added starts with a capital that starts a first name, outside everything
    # found: where one stands, read once (a text dense with names has none: nothing to
    # add, and no person's neighbours to read)
    free = _free_initials(text, starts, reach, lex)
    if not free:
        return
    begun = set(starts)
    if not any(
        w.first and w.cap and not w.upper and (w.word or w.start not in begun) for w in seen
    ):
        return
    taken = {(s, e) for _, s, e, _ in out}
    opens = set(free)

    def inside(span: tuple[int, int]) -> bool:  # overlaps what was found before
        k = bisect_left(starts, span[1])
        return k > 0 and reach[k - 1] > span[0]

    todo = sorted(people)
    steps, most = 0, 4 * len(todo) + 16
    while todo and steps < most:  # each step adds at most two names
        steps += 1
        start, end = todo.pop()
        # the cheapest tests first: a name after this one starts where its link ends, one
        # before it within `_BEFORE_REACH`; a word already found is not looked up again
        after = (
            _WORD_AFTER.match(text, end)
            if text.startswith(_LINKS, end) and _past_link(text, end) in opens
            else None
        )
        if after is not None:
            span = (after.start(1), after.end(1))
            if (
                span not in taken
                and not inside(span)
                and _may_be_listed(after.group(1), lex, text, after.end(1))
            ):
                taken.add(span)
                out.append(("PERSON", *span, 0.75))
                todo.append(span)
        near = bisect_left(free, start - _BEFORE_REACH)
        before = _word_before(text, start) if near < len(free) and free[near] < start else None
        if (
            before is not None
            and before not in taken
            and not inside(before)
            and _may_be_listed(text[before[0] : before[1]], lex, text, before[1])
        ):
            taken.add(before)
            out.append(("PERSON", *before, 0.75))
            todo.append(before)


# what `_WORD_AFTER` reads between a name and the next: the name starts where this ends
_LINK_RUN = re.compile(r"[,&\t andoruety]+")
assert all(not c.isupper() for c in "andoruety")


def _past_link(text: str, at: int) -> int:
    """Where what `_WORD_AFTER` may read as a link, from `at`, ends."""
    m = _LINK_RUN.match(text, at)
    return at if m is None else m.end()


# how far before a name `_word_before` finds the start of one: a link of up to six
# characters (", and", "    ,"), then a word of up to 21 letters
_BEFORE_REACH = 6 + 21


@cache
def _initials(lex: Lexicon) -> re.Pattern[str]:
    """The capitals that start a first name (the first letter of each name added by
    `listed`)."""
    capitals = sorted({name[0] for name in lex.first if name[:1].isupper()})
    return re.compile("[" + "".join(map(re.escape, capitals)) + "]")


def _free_initials(text: str, starts: list[int], reach: list[int], lex: Lexicon) -> list[int]:
    """Where, outside every span found (`starts`, in order, and the furthest end so far
    `reach`), a capital stands that starts a first name: in order."""
    initials = _initials(lex).finditer
    gaps = zip([0, *reach], [*starts, len(text)], strict=True)  # (after, before) a span
    return [m.start() for lo, hi in gaps if hi > lo for m in initials(text, lo, hi)]


# "Will you ...": the word, not a name
_GOES_ON = re.compile(r"[ \t]+(?!(?:and|or|und|et|y)\b)[a-z]")


def _may_be_listed(word: str, lex: Lexicon, text: str, end: int) -> bool:
    low = word.lower()
    if low in MODALS and _GOES_ON.match(text, end):
        return False
    return (
        word in lex.first
        and low not in MONTHS_DAYS
        and low not in NOT_NAMES
        and low not in PERSON_BEFORE
    )
