"""Organisations: a run of words that ends in a company word ("Acme Ltd", "Deutsche
Bank") or a legal form written with dots ("Tessitura Valcava S.r.l."), starts with an
institution's ("University of Leeds"), or a firm named after its partners ("Ross, Rogers
and Jones")."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .._normalize import folded
from ._lexicon import Lexicon
from ._tokens import Word
from ._words import FORM_LETTERS, NOT_FIRM, ORG_FIRST, ORG_HEADS, ORG_TAILS

__all__ = ["before_tails", "firms", "legal_form", "org", "org_like", "org_tail"]

# "Ross, Rogers and Jones", "Fusani, Morricone e Telesio": a firm named after partners
_FIRM = re.compile(
    r"\b([A-Z][\w'’\-]{1,40}), ([A-Z][\w'’\-]{1,40}),? (?:and|&|e|y|und|et|og|och|en|ve) "
    r"([A-Z][\w'’\-]{1,40})\b"
)


def firms(text: str, lex: Lexicon, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Firms named after three partners whose names are all surnames, in ``text[start:end]``."""
    for m in _FIRM.finditer(text, start, end):
        names = [folded(m.group(k)) for k in (1, 2, 3)]
        if all(n in lex.last for n in names) and not _after_first_name(text, m.start(), lex):
            yield m.start(), m.end()


_LAST_WORD = re.compile(r"([A-Z][\w'’\-]{1,40})[ \t]$")


def _after_first_name(text: str, at: int, lex: Lexicon) -> bool:
    """Whether a first name stands right before `at`: "Priya Patel, Will and Hope" is
    a list of people, not a firm named after partners."""
    m = _LAST_WORD.search(text, max(0, at - 42), at)
    return m is not None and folded(m.group(1)) in lex.first


# legal forms written with dots, slashes or in several words, which the runs of words
# do not hold together: "Tessitura Valcava S.r.l.", "Polar Trans Sp. z o.o.", "A/S"
_LEGAL_FORM = re.compile(
    r",?[ \t]*(?i:"
    r"s\.r\.l\.|s\.p\.a\.|s\.a\.s\.|s\.a\.(?:[ \t]+de[ \t]+c\.v\.)?|s\.l\.|s\.r\.o\.|"
    r"sp\.[ \t]*z[ \t]*o\.o\.|spółka[ \t]+z[ \t]+o\.o\.|ltda\.|a/s|a\.s\.|b\.v\.|n\.v\.|"
    r"a\.ş\.|co\.,?[ \t]+ltd\.?|pvt\.?[ \t]+ltd\.?|pty\.?[ \t]+ltd\.?|sdn\.?[ \t]+bhd\.?|"
    r"k\.k\.|e\.v\.|gmbh[ \t]+&[ \t]+co\.[ \t]+kg|s\.c\.|s\.n\.c\.|l\.l\.c\.|"
    r"p\.l\.c\.|inc\.|ltd\.|corp\.)(?!\w)"
)


def legal_form(text: str, words: list[Word], i: int, j: int) -> int:
    """Where a legal form that ends the run ``words[i:j]`` (or follows it) ends, or 0."""
    for k in range(i + 1, j):
        w = words[k]
        if w.low[0] in FORM_LETTERS and (
            (text[w.end : w.end + 1] in "./" and w.end < len(text)) or w.low == "gmbh"
        ):
            m = _LEGAL_FORM.match(text, w.start)
            if m is not None:
                return m.end()
    end = words[j - 1].end
    after = text[end : end + 3].lstrip(", \t")[:1]
    if after and after in FORM_LETTERS and text[end : end + 1] in ", \t":
        m = _LEGAL_FORM.match(text, end)
        if m is not None and m.end() > end + 2:
            return m.end()
    return 0


def org_tail(low: str) -> bool:
    """Whether a word (lower case) is a company word: "ltd", "gmbh", "holdings", "S.A."."""
    return low.replace(".", "") in ORG_TAILS


def before_tails(run: list[Word]) -> int:
    """The last word of the run before its company words ("Acme" in "Acme Holdings Ltd")."""
    k = len(run) - 1
    while k > 0 and org_tail(run[k].low):
        k -= 1
    return k


def org_like(run: list[Word], lex: Lexicon) -> bool:
    """Whether a run ends in a company word or starts with an institution's."""
    return org_tail(run[-1].low) or run[0].low in ORG_HEADS


def org(run: list[Word], text: str, lex: Lexicon) -> tuple[str, int, int, float] | None:
    """An organisation: a run that ends in a company word ("Acme Ltd", "Deutsche Bank") or
    starts with an institution's ("University of Leeds", "Bank of Ireland")."""
    if len(run) < 2:
        return None
    if run[0].low in ORG_FIRST and run[0].upper:
        return ("ORGANIZATION", run[0].start, run[-1].end, 0.85)
    k = before_tails(run)
    first = 0
    while first < k and run[first].low in NOT_FIRM:
        first += 1  # "The Acme Group", "Then Acme Inc."
    if k < len(run) - 1 and k >= first:
        name = run[first : k + 1]
        if (
            all(w.plain for w in name)
            and len(run) - 1 - k < 2
            and run[-1].low not in ("inc", "llc", "ltd", "gmbh", "plc", "corp", "llp", "ag")
        ):
            return None  # "Customer Services", "Legal Department": not one company
        end = run[-1].end
        if text[end : end + 1] == "." and run[-1].low in ("inc", "ltd", "corp", "co"):
            end += 1
        return ("ORGANIZATION", run[first].start, end, 0.85)
    if run[0].low in ORG_HEADS and len(run) > 2 and run[1].low in ("of", "for"):
        return ("ORGANIZATION", run[0].start, run[-1].end, 0.85)
    return None
