"""`NameDetector`: one walk over a text's words. Street addresses and firms named after
partners are found first; then each run of capitalised words (with the particles and
links of names: "van der", "of") is judged (`_judge`), a name in lower case is read where
neither word is an English one, and a part of a name found in full is found where it
recurs alone."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from itertools import accumulate

import ahocorasick

from ..._entities import NAME_ENTITIES
from .._findings import Finding
from .._normalize import lowered
from ._address import addresses, street_number
from ._forms import handles, listed, mentions
from ._gate import gate, lower_hot, windows
from ._judge import judge, speaker
from ._lexicon import Lexicon, lexicon
from ._orgs import firms, legal_form, org_tail
from ._slots import slots
from ._slugs import joints, slugs
from ._tokens import Memo, Word, joins, read_words
from ._widen import widen
from ._words import (
    CALL,
    FORM_HINTS,
    MODALS,
    MONTHS_DAYS,
    NOT_FIRM,
    NOT_NAMES,
    NOT_SURNAME,
    ORG_FIRST_WORDS,
    ORG_HEADS,
    ORG_LINKS,
    PARTICLES,
    PERSON_BEFORE,
    PERSON_STRONG,
    STREET_FIRST,
    TITLES,
    TO_PLACE,
)

__all__ = ["NameDetector"]


class NameDetector:
    """Finds `PERSON`, `LOCATION` and `ORGANIZATION` in free text (see the module)."""

    name = "names"

    def __init__(self, entities: Sequence[str] | None = None) -> None:
        wanted = NAME_ENTITIES if entities is None else tuple(entities)
        unknown = [e for e in wanted if e not in NAME_ENTITIES]
        if unknown:
            raise ValueError(f"the name detector finds {', '.join(NAME_ENTITIES)}, not {unknown}")
        self.entities = frozenset(wanted)
        self._lex: Lexicon = lexicon()
        gate(self._lex)  # its word sets: made now, with the lists, not in the first call

    def detect(self, text: str) -> Iterator[Finding]:
        found = _find(text, self._lex)
        if found:
            widen(text, found)
        want = self.entities
        for kind, start, end, score in found:
            if kind in want:
                yield Finding(kind, start, end, score, self.name)


_LONGEST_RUN = 12  # words: no name is longer, and a run of "The The The ..." stays cheap


def _find(text: str, lex: Lexicon) -> list[tuple[str, int, int, float]]:
    """Every name in `text`: (type, start, end, score), the walk described in the module,
    over the windows where a name can be (`_gate`)."""
    spans, numbers = windows(text, gate(lex), lex)
    out: list[tuple[str, int, int, float]] = []
    taken: list[tuple[int, int]] = []
    if numbers:
        for start, end in addresses(text, numbers):
            out.append(("LOCATION", start, end, 0.85))
            taken.append((start, end))
    mentions(text, lex, out)
    joined = joints(text)  # where a handle's shape shows: read once, for both passes
    slugs(text, lex, out, numbers, joined)
    if not spans:
        return out
    for ws, we in spans:
        if text.find(", ", ws, we) >= 0:
            for start, end in firms(text, lex, ws, we):
                out.append(("ORGANIZATION", start, end, 0.8))
                taken.append((start, end))
    taken.sort()
    seen: list[Word] = []  # every window's words, in order
    local: Memo = {}  # what each word of this text is, once per distinct word
    hands = handles(text, spans, lex, joined)  # by window
    for k, (ws, we) in enumerate(spans):
        forms = _forms_near(text, ws, we)
        words = read_words(text, lex, ws, we, local)
        _walk(text, words, lex, taken, forms, out)
        if k in hands:
            out += hands[k]
        seen += words
    slots(text, lex, out, seen)
    if out:
        _echoes(text, lex, out, seen, local)
        _lists(text, out)
        listed(text, lex, out, seen)
    return out


# what every legal form of FORM_HINTS holds: a dot, a slash, or one of these words
_FORM_WORDS = ("sp", "pvt", "pty", "sdn", "gmbh")
assert all("." in h or "/" in h or any(w in h for w in _FORM_WORDS) for h in FORM_HINTS)
_FORM_WORD = re.compile("|".join(_FORM_WORDS)).search  # any of them, in one search


def _forms_near(text: str, start: int, end: int) -> bool:
    """Whether a legal form ("S.r.l.", "A/S", "Pty Ltd") may end a run in this window."""
    if text.find(".", start, end + 16) >= 0 or text.find("/", start, end + 16) >= 0:
        return True
    return _FORM_WORD(text[start : end + 16].lower()) is not None


def _walk(
    text: str,
    words: list[Word],
    lex: Lexicon,
    taken: list[tuple[int, int]],
    forms: bool,
    out: list[tuple[str, int, int, float]],
) -> None:
    """One window's words, judged in order (see the module)."""
    t = 0  # the first taken span that may still hold a word
    nt = len(taken)
    n = len(words)
    i = 0
    while i < n:
        w = words[i]
        while t < nt and taken[t][1] <= w.start:
            t += 1
        if t < nt and taken[t][0] <= w.start:
            i += 1  # inside an address or a firm already found
            continue
        if not w.cap:
            if w.word:  # most words: an English word in lower case
                if (  # "call john smith": a first name that is a word, a cue, a surname
                    i > 0
                    and words[i - 1].low in CALL
                    and w.key in lex.first
                    and w.low not in NOT_SURNAME
                ):
                    i = _lower_name(text, words, i, out, lex, cued=True)
                else:
                    i += 1
                continue
            nxt = words[i + 1] if i + 1 < n else None
            if w.low in STREET_FIRST and nxt and nxt.cap and joins(text, w, nxt):
                j = i + 1
                while j + 1 < n and words[j + 1].cap and joins(text, words[j], words[j + 1]):
                    j += 1
                out.append(("LOCATION", w.start, street_number(text, words[j].end), 0.75))
                i = j + 1
                continue
            if w.first and len(w.low) > 2 and w.low.isalpha():
                i = _lower_name(text, words, i, out, lex)
            else:
                if i > 0 and words[i - 1].low in TO_PLACE and w.key in lex.places:
                    out.append(("LOCATION", w.start, w.end, 0.6))  # "moving to leeds"
                i += 1
            continue
        j = i + 1  # the run: capitalised words, with particles and links between them
        limit = taken[t][0] if t < nt else len(text)  # up to what was found
        while j < n and j - i < _LONGEST_RUN:
            nxt = words[j]
            if nxt.start >= limit or not joins(text, words[j - 1], nxt):
                break
            if nxt.cap:
                j += 1
                continue
            if nxt.low in PARTICLES or nxt.low in ORG_LINKS:  # "van der Berg", "Bank of"
                k = j + 1
                while (
                    k < n
                    and k - j < 4  # "van der", "de los": never more than a few
                    and words[k].low in PARTICLES
                    and joins(text, words[k - 1], words[k])
                ):
                    k += 1
                if k < n and words[k].cap and joins(text, words[k - 1], words[k]):
                    j = k + 1
                    continue
            break
        while j > i + 1 and not words[j - 1].cap:
            j -= 1
        end = legal_form(text, words, i, j) if forms else 0
        if end:  # "Polar Trans Sp. z o.o.": up to the end of the form
            while i < j - 1 and words[i].low in NOT_FIRM:
                i += 1  # "Then Acme Inc.", "Customer Acme Ltd."
            out.append(("ORGANIZATION", words[i].start, end, 0.85))
            while j < n and words[j].start < end:
                j += 1
        elif j > i + 1 or not w.plain or w.upper:  # "The", "Please": nothing to judge
            judge(text, words, i, j, lex, out)
        i = j


def _echoes(
    text: str,
    lex: Lexicon,
    out: list[tuple[str, int, int, float]],
    seen: list[Word],
    local: Memo,
) -> None:
    """A name found in full is the same name where a part of it recurs alone: "Grace
    Whitfield ... Grace to chase", "Kessler Maschinenbau GmbH ... send it to Kessler".
    Linear: the windows' words are walked once, and rare parts found in one pass."""
    known: dict[str, str] = {}  # a word, in lower case: what it names
    starts = [w.start for w in seen]
    ascii_only = text.isascii()  # (then a word in lower case is as long as it is written)
    alone = {(w.start, w.end) for w in seen}  # a finding that is one word holds no part
    for kind, start, end, score in out:
        if score < 0.8 or kind == "LOCATION" or (start, end) in alone:
            continue
        if ascii_only and _THREE(text, start, end) is None:
            continue  # no word of three letters or more: none to know ("Ab, Ab")
        inside = _words_in(text, lex, seen, starts, start, end, local)
        if len(inside) < 2:
            continue
        if kind == "PERSON":
            for w in inside:  # not a word found beside a name in capitals ("THE")
                if (
                    len(w.low) > 2
                    and w.low not in TITLES
                    and w.low not in PARTICLES
                    and (not w.word or (w.named and not w.upper))
                ):
                    known.setdefault(w.low, kind)
        elif (
            (head := inside[0]).cap
            and not head.word
            and len(head.low) > 2
            and not org_tail(head.low)
            and head.low not in ORG_FIRST_WORDS | ORG_HEADS
        ):
            known.setdefault(head.low, kind)
    if not known:
        return
    spans = sorted((s, e) for _, s, e, score in out if score >= 0.5)
    span_starts = [s for s, _ in spans]
    reach = list(accumulate((e for _, e in spans), max))  # the furthest end so far
    # where a part recurs: among the windows' words (every word that can recur as a name
    # is a candidate there), and, for a part no list knows in lower case ("okonkwo"), by
    # one Aho-Corasick pass over the text: linear however many names were found
    places = [(w.start, w.end, w.low, w.cap, w.word) for w in seen if w.low in known]
    rare = [p for p, kind in known.items() if kind == "PERSON" and not _hot_in_lower(p, lex)]
    if rare:
        low_text = lowered(text)
        got = {(s, e) for s, e, *_ in places}
        for at, end in _occurrences(low_text, rare):
            if (at, end) not in got and _alone(low_text, at, end):
                part = low_text[at:end]
                word = part in lex.words or part in MONTHS_DAYS or part in NOT_NAMES
                places.append((at, end, part, text[at].isupper(), word))
    for at, end, part, cap, word in places:
        echo = known[part]
        c = bisect_left(span_starts, end)  # found spans that start before it ends
        if (
            (cap or (not word and echo == "PERSON"))  # "grace" in lower case: a word
            and not (c > 0 and reach[c - 1] > at)
            and not (part in MODALS and not _next_capitalised(text, end))
        ):  # "Will do", beside "Will Tanaka"
            out.append((echo, at, end, 0.8))


_THREE = re.compile(r"[\w'’\-]{3}").search  # where a word of three characters may be


def _hot_in_lower(part: str, lex: Lexicon) -> bool:
    """Whether `part` in lower case is a candidate of `_gate` (so in a window)."""
    return part in lex.words or part in MONTHS_DAYS or part in NOT_NAMES or lower_hot(part, lex)


def _occurrences(low: str, parts: list[str]) -> set[tuple[int, int]]:
    """Where any of `parts` (lower case) stands in `low` (a text in lower case), in one
    pass."""
    if len(parts) <= 4:
        out = set()
        for part in parts:
            at = low.find(part)
            while at != -1:
                out.add((at, at + len(part)))
                at = low.find(part, at + 1)
        return out
    automaton = ahocorasick.Automaton()
    for part in parts:
        automaton.add_word(part, len(part))
    automaton.make_automaton()
    return {(last - size + 1, last + 1) for last, size in automaton.iter(low)}


def _words_in(
    text: str,
    lex: Lexicon,
    seen: list[Word],
    starts: list[int],
    start: int,
    end: int,
    local: Memo,
) -> list[Word]:
    """The words of ``text[start:end]``: from the windows' words where they hold it."""
    k = bisect_left(starts, start)
    inside = []
    while k < len(seen) and seen[k].end <= end:
        inside.append(seen[k])
        k += 1
    if inside and inside[0].start == start and inside[-1].end >= end - 1:
        return inside
    return [w for w in read_words(text, lex, start, end, local) if w.end <= end]


def _word_char(c: str) -> bool:
    return c.isalnum()


def _alone(low: str, start: int, end: int) -> bool:
    """Whether ``low[start:end]`` is a word of the text whole (perhaps with "'s"), as
    `_tokens.WORD` cuts it."""
    if start > 0:
        before = low[start - 1]
        if _word_char(before):
            return False
        if before in "'\u2019-" and start > 1 and _word_char(low[start - 2]):
            return False
    if end < len(low):
        after = low[end]
        if _word_char(after):
            return False
        if after in "'\u2019-" and end + 1 < len(low) and _word_char(low[end + 1]):
            if after != "-" and low[end + 1] == "s" and end - start > 1:
                return end + 2 == len(low) or not (
                    _word_char(low[end + 2]) or low[end + 2] in "'\u2019-"
                )
            return False
    return True


_NEXT_WORD = re.compile(r"[\W_]*([^\W_])")


def _next_capitalised(text: str, end: int) -> bool:
    m = _NEXT_WORD.match(text, end)
    return m is not None and m.group(1).isupper()


# "Ethan Marsh, Priyanka Iyer and Chen Xiaoling": a name beside names is one too
_LIST_GAP = re.compile(r"(?:,|;|/|,? and|,? or|,? &|,? und|,? et|,? y|,? e)? ?")


def _lists(text: str, out: list[tuple[str, int, int, float]]) -> None:
    """Raise an unsure finding (a person or a firm? 0.45) listed beside sure ones of
    the same type."""
    if not any(0.4 <= score < 0.5 for _, _, _, score in out):
        return  # (the cheap test first: most texts have none)
    ordered = sorted(range(len(out)), key=lambda k: out[k][1])
    for pos, k in enumerate(ordered):
        kind, start, end, score = out[k]
        if not 0.4 <= score < 0.5:
            continue
        for near in (pos - 1, pos + 1):
            if not 0 <= near < len(ordered):
                continue
            other = out[ordered[near]]
            if other[0] != kind or other[3] < 0.7:
                continue
            gap = text[other[2] : start] if near < pos else text[end : other[1]]
            if 0 < len(gap) <= 6 and _LIST_GAP.fullmatch(gap):
                out[k] = (kind, start, end, 0.7)
                break


def _lower_name(
    text: str,
    words: list[Word],
    i: int,
    out: list[tuple[str, int, int, float]],
    lex: Lexicon,
    cued: bool = False,
) -> int:
    """A name written in lower case: a first name that is no English word (or, `cued`,
    one after "call", "email", "dear"), then perhaps particles and a surname ("ask priya
    sharma", "please email jane smith", "hans van der berg")."""
    w = words[i]
    before = words[i - 1].low if i > 0 else ""
    k = i + 1
    while k < len(words) and k - i < 4 and words[k].low in PARTICLES:
        k += 1
    if (
        k < len(words)
        and text[w.end : words[i + 1].start] == " "  # (most often no particle: k is i + 1)
        and all(text[words[m - 1].end : words[m].start] == " " for m in range(i + 2, k + 1))
    ):
        nxt = words[k]
        if (
            not nxt.cap
            and len(nxt.low) > 2
            and nxt.key in lex.last
            and nxt.low not in NOT_SURNAME
            and (not nxt.word or not cued or k == i + 1)
        ):
            out.append(("PERSON", w.start, nxt.end, 0.8))
            return k + 1
    if not cued and (before in PERSON_BEFORE or w.poss or speaker(text, w)):
        out.append(("PERSON", w.start, w.end, 0.65))
    elif cued and before in PERSON_STRONG and text[w.end : w.end + 1] in (",", "\n", "!", ""):
        out.append(("PERSON", w.start, w.end, 0.65))  # "thanks grace,"
    return i + 1
