"""A name belongs to the conversation: once found, found again wherever it recurs.

`NameMemory` is the part of a `PIISession` that remembers the people, places and
organisations found in it (by the name detector, a client record, a JSON key or any
plugged-in detector), each with its parts: "Hope Okonkwo" is remembered whole and as
"Hope" and "Okonkwo". Every later text of the session is searched for them in one
Aho-Corasick pass (in C) over its lower-case form, so a part recurs as the same
placeholder in any case ("OKONKWO"), at any place, inside a handle or a slug
("hope.okonkwo", "@HopeOkonkwo", "/home/okonkwo/") and glued ("hopeokonkwo").

A part that is an English word ("Hope", "Will", "Mark") is the name when it is
capitalised or part of a handle, not when it is the word in running lower-case text ("I
hope so"). A part two names share ("Smith" of Jane Smith and of John Smith) stands for
neither: alone it gets a placeholder of its own. Nothing here is logged or copied; the
memory goes with its session (`PIISession.drop`).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Mapping
from typing import Any

import ahocorasick

from .._entities import NAME_ENTITIES
from ._findings import Finding, resolve_overlaps
from ._names import NAME_DROPS, is_english_word
from ._normalize import lowered

__all__ = ["SESSION_DETECTOR", "NameMemory", "unallowed", "uncovered"]

SESSION_DETECTOR = "session"
WHOLE_SCORE = 0.9  # a name found again whole
PART_SCORE = 0.88  # one part of it
_LIMIT = 4096  # parts remembered per conversation: past this, new names are not added

_PARTS = re.compile(r"[^\W\d_]+")  # the letters of a value, in runs
_HUMP = re.compile(r"(?<=[a-z\u00df-\u00ff])(?=[A-Z\u00c0-\u00de])")  # JaneSmith: Jane|Smith
_SLUG = "._-@/\\:+#~=|"  # what joins a name's parts in a handle, a path or an address
_GLUED = 40  # the longest word read as glued parts ("hopeokonkwo")


def _split(value: str) -> list[str]:
    return [p for run in _PARTS.findall(value) for p in _HUMP.split(run) if p]


class NameMemory:
    """The names of one conversation and their parts (see the module)."""

    __slots__ = ("_automaton", "_canonical", "_index", "_initials", "_parts",
                 "_remembered")  # fmt: skip

    def __init__(self) -> None:
        self._parts: dict[str, tuple[str, int, bool]] = {}  # key: (type, canonical ref, whole)
        self._canonical: list[str] = []  # the full values, in memory only
        self._index: dict[str, int] = {}
        self._initials: list[frozenset[str]] = []  # of each full value's words
        self._automaton: Any = None
        self._remembered: set[tuple[str, str, str | None]] = set()  # `remember` is idempotent

    def __len__(self) -> int:
        return len(self._parts)

    def clear(self) -> None:
        self._parts.clear()
        self._canonical.clear()
        self._index.clear()
        self._initials.clear()
        self._automaton = None
        self._remembered.clear()

    def since(self, count: int) -> list[str]:
        """The parts (lower case) remembered after the first `count`, in order."""
        return list(self._parts)[count:] if count < len(self._parts) else []

    def canonical(self, ref: int) -> str | None:
        """The full name a finding's `ref` stands for (None: a part two names share)."""
        return self._canonical[ref] if 0 <= ref < len(self._canonical) else None

    def remember(self, kind: str, value: str, canonical: str | None = None) -> None:
        """Remember a name found in this conversation (`canonical`: the full name a
        client record gives it) and its parts."""
        if kind not in NAME_ENTITIES or len(self._parts) >= _LIMIT:
            return
        asked = (kind, value, canonical)
        if asked in self._remembered:  # the same name again (it is in every turn): no change
            return
        if len(self._remembered) >= _LIMIT:
            self._remembered.clear()
        self._remembered.add(asked)
        full = " ".join((canonical if canonical is not None else value).split())
        if len(full) < 2:
            return
        key = lowered(full)
        ref = self._index.get(key)
        if ref is None:
            ref = len(self._canonical)
            self._canonical.append(full)
            self._initials.append(frozenset(w[0] for w in key.split()))
            self._index[key] = ref
        added = self._add(key, kind, ref, whole=True)
        seen = {key}
        for source in (value,) if value == full else (value, full):  # (the same: once)
            spaced = lowered(" ".join(source.split()))
            if spaced not in seen:
                seen.add(spaced)
                added |= self._add(spaced, kind, ref, whole=True)
            for part in _split(source):
                low = lowered(part)
                if low in seen or not self._keeps(kind, low):
                    continue
                seen.add(low)
                added |= self._add(low, kind, ref, whole=False)
        if added:
            self._automaton = None

    @staticmethod
    def _keeps(kind: str, low: str) -> bool:
        """Whether a part is worth finding alone: a name's own word (not a title, particle
        or company word); for a place or a firm, no English word either ("New", "Bank")."""
        if len(low) < 2 or low in NAME_DROPS:
            return False
        return kind == "PERSON" or not is_english_word(low)

    def _add(self, key: str, kind: str, ref: int, whole: bool) -> bool:
        had = self._parts.get(key)
        if had is None:
            self._parts[key] = (kind, ref, whole)
            return True
        if had[1] != ref and had[1] != -1 and not had[2]:
            self._parts[key] = (had[0], -1, False)  # a part two names share: neither's
            return True
        return False

    def _built(self) -> Any:
        automaton = self._automaton
        if automaton is None:
            automaton = ahocorasick.Automaton()
            for key in self._parts:
                automaton.add_word(key, key)
            automaton.make_automaton()
            self._automaton = automaton
        return automaton

    def find(self, text: str, handle: bool = False) -> list[Finding]:
        """Where the names of this conversation recur in `text` (positions in `text`).
        With `handle`, `text` is a handle (a `user` or `name` field, a login): every part
        counts in any case, and a part glued to an initial of its name ("hokonkwo")."""
        if not self._parts or not text:
            return []
        low = lowered(text)
        parts = self._parts
        found: list[Finding] = []
        glued: dict[int, bool] = {}  # by where a word starts (as it always was read)
        words: dict[str, bool] = {}  # each glued word's reading, once per text
        size = len(low)
        for last, key in self._built().iter(low):
            start, end = last - len(key) + 1, last + 1
            kind, ref, whole = parts[key]
            # a word's edges, the common case inline: no letter or digit beside the part
            if not (
                (start == 0 or not low[start - 1].isalnum() or _edge(text, low, start, True))
                and (end == size or not low[end].isalnum() or _edge(text, low, end, False))
            ):
                at = self._glued_at(low, start, end, ref, glued, words)
                if at is None:
                    continue
                start, end = at
            if not whole and not handle and not self._stands(key, text, start, end):
                continue
            score = WHOLE_SCORE if whole else PART_SCORE
            found.append(Finding(kind, start, end, score, SESSION_DETECTOR, ref))
        if len(found) < 2:
            return found
        return _joined(resolve_overlaps(found), text)

    def outside(self, text: str, parts: list[str], found: list[Finding]) -> bool:
        """Whether one of `parts` occurs in `text` outside every one of `found` where
        `find` may find it (`PIISession.names_outside`)."""
        low = lowered(text)
        size = len(low)
        covered: _Covered | None = None
        # what `_may_glue` read, by the window it reads (a word seen again: "frida" in each
        # "Friday"), and each glued word's reading: once per text
        seen: dict[tuple[str, int, str, str], bool] = {}
        words: dict[str, bool] = {}
        for key in parts:
            at = low.find(key)
            while at >= 0:
                end = at + len(key)
                if covered is None:
                    covered = _Covered(found)
                if covered(at, end):
                    pass  # inside a finding
                elif (
                    (at == 0 or not low[at - 1].isalnum() or _edge(text, low, at, True))
                    and (end == size or not low[end].isalnum() or _edge(text, low, end, False))
                ) or self._may_glue(text, low, at, end, key, seen, words):
                    return True
                at = low.find(key, at + 1)
        return False

    def _may_glue(
        self,
        text: str,
        low: str,
        start: int,
        end: int,
        key: str,
        seen: dict[tuple[str, int, str, str], bool],
        words: dict[str, bool],
    ) -> bool:
        """Whether `find` may find part `key` glued at ``low[start:end]``, not between a
        word's edges (to other parts or an initial: "hopeokonkwo", "hokonkwo")."""
        had = self._parts.get(key)
        if had is None:
            return False
        if not key.isalpha():  # ("jane roe"): `find` may take its glue from the word of a
            return True  # part that starts where it does (its memo): not judged alone here
        lo, hi = max(0, start - _GLUED - 2), end + _GLUED + 2  # what the verdict reads
        window = (key, start - lo, low[lo:hi], text[lo:hi])
        verdict = seen.get(window)
        if verdict is None:
            verdict = seen[window] = self._glued_at(low, start, end, had[1], {}, words) is not None
        return verdict

    def _glued_at(
        self,
        low: str,
        start: int,
        end: int,
        ref: int,
        memo: dict[int, bool],
        words: dict[str, bool],
    ) -> tuple[int, int] | None:
        """The span of a part that does not stand between a word's edges, when it is
        glued to other parts ("hopeokonkwo") or to an initial ("hokonkwo"): else None."""
        if self._glued(low, start, end, memo, words):
            return start, end
        return self._initialled(low, start, end, ref)

    def _initialled(self, low: str, start: int, end: int, ref: int) -> tuple[int, int] | None:
        """A part with one letter glued before or after it that is the initial of
        another part of the same name ("hokonkwo", "okonkwoh"), or any letter before a
        part of five letters or more that is no English word ("jokonkwo"; not "Janet"
        beside Jane): the span with it."""
        if ref < 0:
            return None
        a = start - 1 if start > 0 and low[start - 1].isalpha() else start
        b = end + 1 if end < len(low) and low[end].isalpha() else end
        glue = low[a:start] + low[end:b]
        if len(glue) != 1:
            return None
        if glue not in self._initials[ref] and (
            a == start or end - start < 5 or is_english_word(low[start:end])
        ):
            return None  # any one letter before a part that is no word ("jokonkwo")
        if not (_edge(low, low, a, True) and _edge(low, low, b, False)):
            return None
        return a, b

    def _stands(self, key: str, text: str, start: int, end: int) -> bool:
        """Whether a part found alone is the name here: a word that is also an English
        word only when capitalised or inside a handle; two letters only capitalised."""
        if len(key) < 3:
            return text[start].isupper()
        if not is_english_word(key):
            return True
        if text[start].isupper():
            return True
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        return before in _SLUG or after in _SLUG or before.isalnum() or after.isalnum()

    def _glued(
        self, low: str, start: int, end: int, memo: dict[int, bool], words: dict[str, bool]
    ) -> bool:
        """Whether the word around ``low[start:end]`` is made of this conversation's
        parts only ("hopeokonkwo", "janesmith2"): then each is the name."""
        a = start
        while a > 0 and low[a - 1].isalpha() and start - a <= _GLUED:
            a -= 1
        b = end
        while b < len(low) and low[b].isalpha() and b - end <= _GLUED:
            b += 1
        if b - a > _GLUED or (a > 0 and low[a - 1].isalpha()):
            return False
        if b < len(low) and low[b].isalpha():
            return False
        cached = memo.get(a)
        if cached is None:
            word = low[a:b]
            cached = words.get(word)
            if cached is None:
                cached = words[word] = _segments(word, self._parts)
            memo[a] = cached
        return cached


def unallowed(
    found: list[Finding], text: str, allow: Mapping[str, frozenset[str]]
) -> list[Finding]:
    """The conversation's names found again, but for a term ``pii.allow`` lets through
    (under any name type: "Lyon" the town stays though Ms Lyon is remembered)."""
    if not allow or not found:
        return found
    return [
        f
        for f in found
        if not any(text[f.start : f.end].casefold() in terms for terms in allow.values())
    ]


def uncovered(names: list[Finding], findings: list[Finding]) -> bool:
    """Whether any of `names` (where the conversation's names stand in a text) lies
    outside every one of `findings` (what was found there before): one bisection per
    name (`_Covered`), so a text dense with both stays linear-logarithmic."""
    if not names:
        return False
    if len(findings) <= 4:
        return any(not any(f.start <= n.start and n.end <= f.end for f in findings) for n in names)
    covered = _Covered(findings)
    return not all(covered(n.start, n.end) for n in names)


class _Covered:
    """Whether a span lies inside one of `found`: inside when the furthest end of the
    findings that start at or before it reaches its end (one bisection per question)."""

    __slots__ = ("reach", "starts")

    def __init__(self, found: list[Finding]) -> None:
        spans = sorted((f.start, f.end) for f in found)
        self.starts = [start for start, _ in spans]
        self.reach = list(itertools.accumulate((end for _, end in spans), max, initial=-1))

    def __call__(self, start: int, end: int) -> bool:
        return self.reach[bisect.bisect_right(self.starts, start)] >= end


def _joined(found: list[Finding], text: str) -> list[Finding]:
    """Parts of one name side by side, glued or joined as in a handle, are one finding
    ("@HopeOkonkwo", "hope.okonkwo"): one placeholder, restored to the name once."""
    out = [found[0]]
    for f in found[1:]:
        last = out[-1]
        gap = text[last.end : f.start]
        if (
            f.ref == last.ref
            and f.ref >= 0
            and f.entity_type == last.entity_type
            and len(gap) <= 1
            and all(c in _SLUG for c in gap)
        ):
            out[-1] = Finding(
                f.entity_type, last.start, f.end, WHOLE_SCORE, SESSION_DETECTOR, f.ref
            )
        else:
            out.append(f)
    return out


def _edge(text: str, low: str, at: int, left: bool) -> bool:
    """Whether position `at` bounds a word: no letter or digit beyond it, or a digit, or
    a hump of camel case ("JaneSmith", "@JaneSmith")."""
    if at == 0 or at == len(low):
        return True
    before, after = low[at - 1], low[at]
    if not (before.isalnum() and after.isalnum()):
        return True
    if before.isdigit() != after.isdigit():
        return True  # "jane2", "2jane"
    return text[at - 1].islower() and text[at].isupper()  # a camel hump


def _segments(word: str, parts: dict[str, tuple[str, int, bool]]) -> bool:
    """Whether `word` is a concatenation of `parts` keys (at least two)."""
    n = len(word)
    reach = [False] * (n + 1)
    reach[0] = True
    count = [0] * (n + 1)
    for i in range(n):
        if not reach[i]:
            continue
        for j in range(i + 2, n + 1):
            if word[i:j] in parts:
                reach[j] = True
                count[j] = max(count[j], count[i] + 1)
    return reach[n] and count[n] >= 2
