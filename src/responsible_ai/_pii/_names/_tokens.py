"""The text cut into words, and what each word is: a known first name, a surname, a
place, an English word, capitalised or in capitals, possessive. What a dictionary word is
does not change, so it is remembered (never a name, nor anything else of the text)."""

from __future__ import annotations

import re
from functools import cache

from .._normalize import folded
from ._lexicon import Lexicon
from ._words import MONTHS_DAYS, NOT_NAMES, STREET_FIRST, TITLES, TOWN_HEADS

__all__ = ["WORD", "Memo", "Word", "common", "joins", "read_words"]

WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# the same words in a text that is all ASCII, where a letter or digit is one of 62
# characters: a test of three ranges per character, not of Unicode categories
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+(?:['\-][A-Za-z0-9]+)*")

# what one word is, then whether it is a name and whether it is common (`_described`)
_Described = tuple[str, bool, bool, bool, str, bool, bool, bool, bool, int, bool, bool]
Memo = dict[str, _Described]  # what each word of one text is: made per scan, then dropped
# a capital inside a word, not after the prefixes of names (McDonald, DeShawn, O'Neill)
_CAMEL = re.compile(r"(?!(?:Mc|Mac|Fitz|De|Di|Da|Du|La|Le|Van|Von|St)[A-Z])[A-Z][a-z]+[A-Z]")
_HUMPS = re.compile(r"[A-Z][a-z]+")
_HAS_DIGIT = re.compile(r"\d").search
_AFTER_APOSTROPHE = re.compile(r"(?<=['’])\w")
_MC = re.compile(r"(?:Mc|Mac)[A-Z][a-z]{2,}$")  # McAllister, MacLeod: a surname's shape


_KEEP = TITLES | TOWN_HEADS | STREET_FIRST  # words that are never common (see `common`)


def _described(tok: str, lex: Lexicon) -> _Described:
    """What one word is: (lower case, capitalised, all capitals, an English word, the key
    it is looked up by, a first name, a surname, a place, possessive, its length), then
    what follows from them: a name (a first name or a surname), and a common word (see
    `common`), decided once per word rather than at each look."""
    if tok.isdecimal():  # "4111", "32": a number (no case, no apostrophe), never a name
        return (tok, False, False, True, tok, False, False, False, False, len(tok), False, True)
    poss = False
    if len(tok) > 3 and tok[-2] in "'’" and tok[-1] in "sS":
        tok = tok[:-2]
        poss = True
    low = tok.lower()
    cap = tok[0].isupper()
    upper = len(tok) > 1 and tok.isupper()
    if not tok.isalpha() and _HAS_DIGIT(tok):  # "DE89", "Q3", "4B": a code, never a name
        return (low, cap, upper, True, tok, False, False, False, poss, len(tok), False,
                low not in _KEEP)  # fmt: skip
    word = low in lex.words or low in MONTHS_DAYS or low in NOT_NAMES
    if not cap:  # most words: only a lower-case name matters ("ask priya sharma")
        key = low[:1].upper() + low[1:]
        if word:
            return (low, False, upper, True, key, False, False, False, poss, len(tok), False,
                    low not in _KEEP)  # fmt: skip
        first = key in lex.first
        last = key in lex.last
        return (low, False, upper, False, key, first, last, False, poss, len(tok),
                first or last, False)  # fmt: skip
    if len(tok) == 1:  # an initial ("Anna H."), but not "I" or "A"
        word = tok in "IA"
        return (low, cap, False, word, tok, False, False, False, poss, 1, False,
                word and low not in _KEEP)  # fmt: skip
    # JOHN, john: as a name is written; John, McDonald, DeShawn: as they are
    key = tok[0].upper() + tok[1:].lower() if tok.isupper() or tok.islower() else tok
    if "'" in key or "’" in key:  # O'BRIEN, d'angelo: O'Brien, D'Angelo
        key = _AFTER_APOSTROPHE.sub(lambda m: m.group().upper(), key)
    if not key.isascii():
        key = folded(key)
    first = key in lex.first
    last = key in lex.last or (key.startswith(("Mc", "Mac")) and _MC.match(key) is not None)
    if not (first or last) and not key[1:].islower() and _CAMEL.match(key):  # (a capital inside)
        plain = key[0] + key[1:].lower()  # "JaNe": Jane, in a case meant to hide it
        if plain in lex.first or plain in lex.last:
            key, first, last = plain, plain in lex.first, plain in lex.last
        else:  # "JaneSmith", "@JaneSmith": two names glued; SharePoint: a product
            parts = _HUMPS.findall(key)
            named = len(parts) > 1 and parts[0] in lex.first and parts[-1] in lex.last
            return (low, cap, upper, not named, key, named, named, False, poss, len(tok),
                    named, not named and low not in _KEEP)  # fmt: skip
    if not (first or last) and "-" in key:  # Jean-Luc, García-López
        parts = [p[:1].upper() + p[1:] for p in key.split("-") if p]
        first = all(p in lex.first for p in parts)
        last = all(p in lex.last or p in lex.first for p in parts)
    place = key in lex.places
    named = first or last
    return (low, cap, upper, word, key, first, last, place, poss, len(tok), named,
            word and not named and not place and low not in _KEEP)  # fmt: skip


class Word:
    """One word of a text: where it is and what it is (see `_described`)."""

    __slots__ = ("cap", "end", "first", "key", "last", "low", "named", "place", "plain", "poss",
                 "start", "upper", "word")  # fmt: skip

    def __init__(self, start: int, features: _Described) -> None:
        self.start = start
        (self.low, self.cap, self.upper, self.word, self.key, self.first, self.last,
         self.place, self.poss, size, self.named, self.plain) = features  # fmt: skip
        self.end = start + size


def joins(text: str, a: Word, b: Word) -> bool:
    """Whether word `b` goes on the run that `a` ends."""
    gap = text[a.end : b.start]
    if a.poss:
        return False
    if gap == " ":
        return True
    if gap in (". ", "."):  # "Dr. Okafor", "J. R. Smith", "S.A."
        return a.low in TITLES or len(a.low) == 1 or a.low in ("st", "ste", "mt", "ft")
    if gap == " & " or gap == "-":
        return True
    if len(gap) <= 4 and not gap.strip(" \t"):  # "Jane  Smith", "Name:\tJane\tSmith"
        return "\t" not in gap or (a.first and b.named)
    return gap == "\n" and a.first and b.last and b.cap  # a name broken over two lines


def common(w: Word) -> bool:
    """A common English word that is no name, place, title or street word ("The", "Please")."""
    return w.plain


_MEMO_SIZE = 50_000  # English words; what a word is does not change, and most recur


@cache
def _memo(lex: Lexicon) -> Memo:
    return {}


def _learn(tok: str, lex: Lexicon, memo: Memo, local: Memo) -> _Described:
    """What `tok` is; kept for the rest of the scan (`local`), and for next time
    (`memo`) only when it is a dictionary word, never a name nor anything else of the
    text (a code or a number counts as a word here, "4111", "GB82": never kept)."""
    features = _described(tok, lex)
    local[tok] = features
    if (
        features[3]
        and not (features[5] or features[6] or features[7])
        and (tok.isalpha() or not _HAS_DIGIT(tok))
    ):
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[tok] = features
    return features


def read_words(
    text: str, lex: Lexicon, start: int = 0, end: int | None = None, local: Memo | None = None
) -> list[Word]:
    """The words of ``text[start:end]``, in order, each with what it is. `local`: what
    the words of this text already read are (a word that recurs is looked up once)."""
    memo = _memo(lex)
    get = memo.get
    if local is None:
        local = {}
    here = local.get
    cut = _ASCII_WORD if text.isascii() else WORD
    found = cut.finditer(text, start) if end is None else cut.finditer(text, start, end)
    words = []
    for m in found:
        tok = m[0]
        words.append(Word(m.start(), get(tok) or here(tok) or _learn(tok, lex, memo, local)))
    return words
