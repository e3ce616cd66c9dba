"""Where in a text a name can be, found without an object per word.

The text is split once, in C (`str.translate` or one `re.sub`, and `str.split`); its
distinct pieces minus those that can neither be nor start a name (English words in lower
case, capitalised common words with no other role: "Please", "Budget") leave the
candidates. Clean prose leaves none, and the detector stops there. Around each candidate
a window reaches back and forward to a safe word: a whole lower-case English word that
is no name, particle or link. No run of names crosses one, and what follows it does not
depend on what came before it, so judging the windows finds what judging every word of
the text would. Street addresses need a digit: where a text has none, they are not
looked for.

A few candidates are placed by `str.find` (one scan of the text in C each); many, by
one pass over the list of the text's pieces (a membership test and a running sum of
lengths per piece, in C), from which the walks to the safe words go by index. Either
way the cost is linear in the text, and the windows are the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, compress, count

from ._lexicon import Lexicon, WordSet, word_set
from ._words import (
    CALL,
    MONTHS_DAYS,
    NOT_NAMES,
    ORG_FIRST_WORDS,
    ORG_HEADS,
    ORG_LINKS,
    ORG_TAILS,
    PARTICLES,
    STREET_FIRST,
    STREET_TAILS,
    TITLES,
    TOWN_HEADS,
)

__all__ = ["Gate", "gate", "lower_hot", "windows"]

# every ASCII character that is not a letter or a digit, and the common typographic ones:
# what `_tokens.WORD` never holds inside a word (apostrophes and hyphens split it too, so
# a piece is never more than a word)
_PUNCT = "".join(chr(c) for c in range(128) if not chr(c).isalnum())
_SPACES = "\x85\u00a0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    map(chr, range(0x2000, 0x200B))
)
_TYPOGRAPHIC = "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00ab\u00bb\u00b7"
_SEPARATORS = str.maketrans(dict.fromkeys(_PUNCT + _SPACES + _TYPOGRAPHIC, " "))
# the same, for a text that is not all ASCII: `str.translate` has a fast path for ASCII
# only (else one dictionary look-up per character); one substitution is twice as fast
_SEPARATOR = re.compile(f"[{re.escape(_PUNCT + _SPACES + _TYPOGRAPHIC)}]")
_HAS_DIGIT = re.compile(r"\d").search
_NEXT_PIECE = re.compile(" *([^ ]*)").match  # the piece after a place of the text
_JOINERS = "-'\u2019"
_NEAR = 16  # characters: windows closer than this (a word or two) are walked as one


@dataclass(frozen=True, slots=True)
class Gate:
    """The word sets of the gate, made once per lexicon (set algebra and `map`, in C)."""

    boring: WordSet  # English words in lower case (not "call", "email": cues), and
    # capitalised common words with no other role (`set.difference` with a dictionary costs
    # ~1.5 us more per KiB than with a frozenset; a frozenset this size costs ~18 ms more
    # at every full collection of the host process: see `_lexicon`)
    safe: WordSet  # lower-case words no name, run or look-back crosses
    first: WordSet  # first names, places (as looked up), street words
    call: frozenset[str]
    named_words: frozenset[str]  # the words of `boring` in lower case that are first names
    # as a cue reads them ("will", "mark"): a cue counts only before one of these or a
    # lower-case first name that is no word


@cache
def gate(lex: Lexicon) -> Gate:
    words = {*lex.words, *MONTHS_DAYS, *NOT_NAMES}
    lower = set(filter(str.isalpha, words))
    lower.difference_update(CALL)
    unnamed = set(map(str.capitalize, lower))
    unnamed.difference_update(lex.first, lex.last, lex.places)
    roles = (
        ORG_TAILS | ORG_HEADS | ORG_FIRST_WORDS | STREET_TAILS | STREET_FIRST | TITLES
        | TOWN_HEADS | {"ville", "city", "town"}
    )  # fmt: skip
    title = unnamed.difference(map(str.capitalize, roles))
    # a place of several words each of them common ("Long Beach", "The Colony"): its
    # last word is a candidate, so that a window holds the place whole
    for place in lex.places:
        if " " in place or "-" in place:
            parts = place.replace("-", " ").split()
            if all(p in title for p in parts):
                title.discard(parts[-1])
    title.difference_update(map(chr, range(ord("A"), ord("Z") + 1)))  # initials ...
    title.update(("I", "A"))  # ... but these
    safe = set(map(str.lower, unnamed))
    safe.difference_update(PARTICLES, ORG_LINKS, STREET_FIRST)
    named = frozenset(w for w in lower if w.islower() and w[:1].upper() + w[1:] in lex.first)
    return Gate(word_set(lower | title), word_set(safe), lex.first, CALL, named)


def lower_hot(piece: str, lex: Lexicon) -> bool:
    """Whether a lower-case piece that is no English word can be or start a name."""
    key = piece[:1].upper() + piece[1:]
    return key in lex.first or key in lex.places or piece in STREET_FIRST


Spans = list[tuple[int, int]]

_DIGITS, _HOT, _CUE = 0, 1, 2  # what a candidate is: a word with a digit, one that can
# be or start a name, a cue ("call", "Hi") that counts before a first name in lower case

# up to this many candidates are placed by `str.find` (a scan of the text in C each);
# more, in one pass over the list of all the text's pieces (in C), by index, which also
# makes the walks to the safe words cheap (a look-up in the list per word)
_FEW = 8


def windows(text: str, g: Gate, lex: Lexicon) -> tuple[Spans, Spans]:
    """The stretches of `text` worth judging (in order, apart), and the places of its
    words that hold a digit (where a street address may be)."""
    trans = text.translate(_SEPARATORS) if text.isascii() else _SEPARATOR.sub(" ", text)
    every = trans.split(" ")
    pieces = set(every)
    rest = pieces.difference(g.boring)
    rest.discard("")
    if not rest:
        return [], []
    kinds = _kinds(rest, pieces, text.isascii(), g, lex)
    if len(kinds) > _FEW:
        return _by_index(text, every, kinds, g, lex)
    return _by_find(text, trans, kinds, g, lex)


def _kinds(rest: set[str], pieces: set[str], ascii: bool, g: Gate, lex: Lexicon) -> dict[str, int]:
    """What each of `rest` (the text's `pieces` that are no English words) is, if a
    candidate."""
    kinds: dict[str, int] = {}
    cues: list[str] = []
    call = g.call
    first = lex.first
    named = False  # whether a piece is a first name in lower case, which a cue may call
    for piece in rest:
        if piece.isalpha():
            if piece.islower():
                key = piece[:1].upper() + piece[1:]
                named = named or key in first
                if piece in call:
                    cues.append(piece)
                elif key in first or key in lex.places or piece in STREET_FIRST:
                    kinds[piece] = _HOT  # (`lower_hot`)
            elif piece.lower() in call:
                cues.append(piece)
            else:
                kinds[piece] = _HOT
        elif ascii or _HAS_DIGIT(piece):  # (in ASCII, a piece not all letters has a digit)
            kinds[piece] = _DIGITS  # (no name holds a digit)
        else:
            kinds[piece] = _HOT
            named = named or (piece.islower() and piece[:1].upper() + piece[1:] in first)
    if cues and (named or not pieces.isdisjoint(g.named_words)):  # "call john", "call will"
        kinds.update(dict.fromkeys(cues, _CUE))
    return kinds


def _called(nxt: str, first: WordSet) -> bool:
    """Whether a cue before the piece `nxt` counts: a first name in lower case."""
    return nxt.islower() and nxt[:1].upper() + nxt[1:] in first


def _by_find(
    text: str, trans: str, kinds: dict[str, int], g: Gate, lex: Lexicon
) -> tuple[Spans, Spans]:
    """`windows` for a few candidates, each placed by `str.find` (`trans`: the text with
    a space for each separator) and walked to the safe words around it."""
    padded = f" {trans} "
    digits: Spans = []
    starts: Spans = []
    first = lex.first
    for piece, kind in kinds.items():
        needle = f" {piece} "
        at = padded.find(needle)
        while at != -1:
            end = at + len(piece)  # the piece's place in the text: at, end
            if kind == _DIGITS:
                digits.append((at, end))
            elif kind == _HOT:
                starts.append((at, end))
            else:  # a cue: the piece after it
                after = _NEXT_PIECE(trans, end)
                if after and _called(after[1], first):
                    starts.append((at, end))
            at = padded.find(needle, at + 1)
    digits.sort()
    if not starts:
        return [], digits
    starts.sort()
    out: Spans = []
    safe = g.safe
    size = len(text)
    for start, end in starts:
        if out and start < out[-1][1]:
            continue  # inside the window before
        floor = out[-1][1] if out else 0
        left = _left(text, trans, start, floor, safe)
        right = _right(text, trans, end, size, safe)
        if out and left <= out[-1][1] + _NEAR:  # one walk costs less than two here
            out[-1] = (out[-1][0], right)
        else:
            out.append((left, right))
    return out, digits


def _by_index(
    text: str, every: list[str], kinds: dict[str, int], g: Gate, lex: Lexicon
) -> tuple[Spans, Spans]:
    """`windows` for many candidates: the text's pieces (`every`, split at each
    separator, so piece `k` starts at the lengths of those before it plus `k`) are
    looked at once, in C, for the candidates among them; from each, the walk to the
    safe words goes by index in the list. Linear in the text, however many candidates."""
    before = list(accumulate(map(len, every), initial=0))  # piece k starts at before[k] + k
    safe = g.safe
    first = lex.first
    n = len(every)
    size = len(text)
    digits: Spans = []
    out: Spans = []
    floor = 0  # the first piece a window may reach back to: after the window before
    for k in compress(count(), map(kinds.__contains__, every)):
        piece = every[k]
        start = before[k] + k
        kind = kinds[piece]
        if kind == _DIGITS:
            digits.append((start, start + len(piece)))
            continue
        if k < floor:
            continue  # inside the window before
        if kind == _CUE:
            j = k + 1
            while j < n and not every[j]:
                j += 1
            if not _called(every[j] if j < n else "", first):
                continue
        j = k - 1
        while j >= floor:
            if every[j] in safe and _whole(text, before[j] + j, before[j + 1] + j):
                break
            j -= 1
        left = before[j] + j if j >= floor else (out[-1][1] if out else 0)
        j = k + 1
        while j < n:
            if every[j] in safe and _whole(text, before[j] + j, before[j + 1] + j):
                break
            j += 1
        right = before[j + 1] + j if j < n else size
        if out and left <= out[-1][1] + _NEAR:  # one walk costs less than two here
            out[-1] = (out[-1][0], right)
        else:
            out.append((left, right))
        floor = j + 1
    return out, digits


def _whole(text: str, s: int, e: int) -> bool:
    """Whether the piece ``text[s:e]`` is a word whole (no apostrophe or hyphen joins it)."""
    return (s == 0 or text[s - 1] not in _JOINERS) and (e == len(text) or text[e] not in _JOINERS)


def _left(text: str, trans: str, pos: int, floor: int, safe: WordSet) -> int:
    """Where a window that holds the piece at `pos` starts: at the nearest safe word
    before it, or at `floor` (the end of the window before, or the text's start)."""
    e = pos
    while True:
        while e > floor and trans[e - 1] == " ":
            e -= 1
        if e <= floor:
            return floor
        s = trans.rfind(" ", floor, e) + 1 or floor  # (-1 + 1: none, from the floor)
        if trans[s:e] in safe and _whole(text, s, e):
            return s
        e = s


def _right(text: str, trans: str, pos: int, size: int, safe: WordSet) -> int:
    """Where a window that holds the piece ending at `pos` ends: after the nearest safe
    word after it, or at the end of the text."""
    s = pos
    while True:
        while s < size and trans[s] == " ":
            s += 1
        if s >= size:
            return size
        e = trans.find(" ", s)
        e = size if e == -1 else e
        if trans[s:e] in safe and _whole(text, s, e):
            return e
        s = e
