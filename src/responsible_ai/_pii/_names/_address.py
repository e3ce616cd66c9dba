"""Street addresses in free text: a number and a street ("12 Harbour Road", "Via Roma 12",
"Hauptstraße 12"), what follows it (a unit, the town, a postcode) and what leads it
("Unit 4, ..."). One regex pass; a look-ahead at the first character keeps it to one
test per position."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache

from ._lexicon import lexicon
from ._words import GLUED_STREET, STREET_ABBREVIATIONS

__all__ = ["ADDRESS_TAIL", "addresses", "street_number"]


@cache
def _pattern() -> re.Pattern[str]:
    suffixes = sorted(lexicon().street_suffixes - {"via"}, key=len, reverse=True)  # "by way of"
    words = "|".join(suffixes)
    # the forms that start with a number, then those that start with a letter: a look
    # ahead at the first character keeps the scan of the text to one test per position
    return re.compile(
        r"(?=[\dA-ZÄÖÜÅp])\b(?:(?=\d)(?<!\d[\-./:])(?:"  # not in a date: "1980-03-12 Main St"
        # number, then one to five capitalised words, then a street word (English order);
        # not a date ("2 March via Madrid")
        r"\d{1,6}[A-Za-z]?(?:[-/]\d{1,5})?,?[ \t]+(?!(?:January|February|March|April|May|"
        r"June|July|August|September|October|November|December)\b)"
        r"(?:[A-Z][\w'’.\-]{0,40}[ \t]+){1,5}?"
        rf"(?:(?i:{words}|{STREET_ABBREVIATIONS})|Via)\b\.?"
        # ... or a street word first (rue, via, calle ...) and then words
        r"|\d{1,6}[A-Za-z]?,?[ \t]+(?:[Rr]ue|[Aa]venue|[Aa]v\.|Via|Viale|[Cc]alle|[Aa]venida|"
        r"[Rr]ua|[Cc]arrer|[Pp]laza|[Pp]aseo|[Bb]oulevard|[Cc]hemin|[Aa]llée|[Ii]mpasse|Piazza|"
        r"Corso|Largo)[ \t]+"
        r"(?:(?:de|du|des|la|le|del|di|da|do|dos|das|l')[ \t]+)*[A-Z][\w'’\-]{0,40}"
        r"(?:[ \t]+[A-Z][\w'’\-]{0,40}){0,3}"
        # Japanese order: block numbers, the district, the ward ("3-5-12 Meieki, Nakamura-ku")
        r"|\d{1,4}-\d{1,4}(?:-\d{1,4})?[ \t]+[A-Z][a-z]+,[ \t]*[A-Z][a-z]+-"
        r"(?:ku|shi|cho|machi|gun)\b"
        # in lower case, with a word only streets end in: "18 carr house road"
        r"|\d{1,5}[a-z]?[ \t]+(?:[a-z][a-z'’\-]{1,30}[ \t]+){1,3}"
        r"(?:street|road|lane|avenue|crescent|terrace|boulevard)\b"
        r")|(?:"
        # a street word glued to the name, then the number: "Hauptstraße 12"
        rf"[A-ZÄÖÜÅ][\w\-]{{0,40}}(?:{GLUED_STREET})[ \t]+\d{{1,5}}[a-z]?\b"
        r"|(?i:P\.?[ \t]?O\.?[ \t]?Box|Postfach)[ \t]+\d{1,8}\b"
        # a unit, plot or house first: "Plot 17, MIDC Hingna", "House No. 14, Prempeh II Street"
        r"|(?:Unit|Flat|Plot|Suite|Apt\.?|Apartment|House[ \t]+No\.?|Block|Shop)[ \t]+"
        r"\d{1,5}[A-Za-z]?(?=,[ \t]*[A-Z])"
        r"))"
    )


ADDRESS_TAIL = re.compile(
    r"(?:[ \t]+(?:N|S|E|W|NE|NW|SE|SW)\b)?"
    r"(?:,?[ \t]+(?i:apt|apartment|suite|ste|unit|flat|floor|fl|room|#)\.?[ \t]*#?[\w\-]{1,6})?"
    # ", Kilbarry Business Park, Cork", ", MIDC Hingna", ", Nakamura-ku"
    r"(?:,[ \t]*(?:[A-Z][a-z]|[A-Z]{2,}[ \t]+[A-Z][a-z])[\w'’\-]{0,40}"
    r"(?:[ \t]+(?:(?:am|an|im|upon|on|sur|de|del|da|do)[ \t]+)?"
    r"(?:[A-Z][a-z][\w'’\-]{0,40}|[A-Z]{1,4}\b(?![ \t]?\d))){0,3}){0,3}"
    r"(?:,?[ \t]+[A-Z]{2}\b(?![ \t]?\d[A-Z]))?"
    # a postcode and then the town: "75001 Paris", "54-203 Wrocław", "1012 AB Amsterdam",
    # "73730 Esslingen am Neckar"
    r"(?:,?[ \t]+(?:\d{2}-\d{3}|\d{4}[ \t]?[A-Z]{2}|\d{3}[ \t]\d{2}|\d{4,5})[ \t]+"
    r"[A-Z][\w'’\-]{0,40}(?:[ \t]+(?:am|an|im|upon|on|sur|bei)[ \t]+[A-Z][\w'’\-]{0,40})?"
    # or just a postcode: "OH 43228", "SN1 4AB", "K1A 0B1", "440016"
    r"|,?[ \t]+(?:\d{5}(?:-\d{4})?|\d{6}|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}|"
    r"[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)\b)?"
)


_ADDRESS_HEAD = re.compile(
    r"\b(?:Unit|Flat|Plot|Suite|Apt\.?|Apartment|House[ \t]+No\.?|Block|Shop|Building)"
    r"[ \t]+\d{1,5}[A-Za-z]?,?[ \t]+$"
)


_NUMBER_AFTER = re.compile(
    r",?[ \t]+(?:(?i:no|nr|n°|núm|num)\.?[ \t]*)?\d{1,5}[A-Za-z]?(?:/\d{1,5})?\b"
)


def street_number(text: str, end: int) -> int:
    """Where a street named before its number ends: after the number, if one follows."""
    m = _NUMBER_AFTER.match(text, end)
    if m is None:
        return end
    return ADDRESS_TAIL.match(text, m.end()).end()  # type: ignore[union-attr]


# where an address can start: at a number, or at one of the three words before it (a
# street glued to its name, "Unit", "P.O. Box", "House No.") no further than this
_REACH = 64
_STARTS = re.compile(r"\b[A-ZÄÖÜÅp]")
# what must follow a number for an address to start at it: a word ("12 Harbour Road",
# "12a, Rue ..."), or a block number ("3-5-12 Meieki")
_NUMBER_GOES_ON = re.compile(r"\d*[A-Za-z]?(?:[-/]\d{1,5})?,?[ \t]+[^\W\d_]|\d*-\d")


def _goes_on(text: str, end: int) -> bool:
    """Whether what follows a number may go on into an address (a letter, a range, a
    comma, or spaces and then a letter): a quick look before the pattern's."""
    if end >= len(text):
        return False
    c = text[end]
    if c == " " or c == "\t":
        k = end + 1
        while k < len(text) and k - end < 8 and text[k] in " \t":
            k += 1
        return k < len(text) and text[k].isalpha()
    return c.isalpha() or c in ",-/"


def _first_digit(text: str, start: int, end: int) -> int:
    return start + next((k for k, c in enumerate(text[start:end]) if c.isdigit()), 0)


# the words that a form starting before its number ends in, right before the number:
# a street glued to its name ("Hauptstraße 12"), "P.O. Box", "Postfach", "Unit", "No."
_GLUED = tuple(w.replace("\\.", ".") for w in GLUED_STREET.split("|"))
_KEYWORDS = (*_GLUED, "Unit", "Flat", "Plot", "Suite", "Apt", "Apt.", "Apartment", "No",
             "No.", "Block", "Shop")  # fmt: skip
_KEYWORDS_ANY_CASE = ("box", "postfach")
# the last characters of those words (in any case, the last two)
_LAST_CHARS = frozenset(w[-1] for w in _KEYWORDS) | frozenset(
    c for w in _KEYWORDS_ANY_CASE for c in (w[-1], w[-1].upper())
)


def _word_before(text: str, at: int) -> bool:
    """Whether a word (or a dot: "No. 14") ends right before `at`, spaces apart, that
    a form starting before its number can end in (`_KEYWORDS`): where none does, no form
    starts before the number (none reads the number glued to a word before it)."""
    k = at
    while k > 0 and text[k - 1] in " \t" and at - k < 8:
        k -= 1
    if k == 0:
        return False
    c = text[k - 1]
    if k == at:
        return c == "."
    if c != "." and not c.isalpha():
        return False
    if c not in _LAST_CHARS:
        return False  # no keyword ends in it ("WEST", "card"): the cheap test first
    return text.endswith(_KEYWORDS, max(0, k - 10), k) or text[max(0, k - 8) : k].lower().endswith(
        _KEYWORDS_ANY_CASE
    )


# what stands right before a number where a form starts before it (`_word_before`), and
# right after a number's word where one starts at it (`_goes_on`: no letter, since a
# word with a digit ends at a separator); "" (the text's start or end) is neither
_BEFORE_CHARS = frozenset(" \t.")
_AFTER_CHARS = frozenset(" \t,-/")


def _matches(text: str, numbers: Sequence[tuple[int, int]]) -> Iterator[re.Match[str]]:
    """What ``_pattern().finditer(text)`` finds, tried only where it can start: every
    form holds a number (the words that hold a digit, `numbers`, in order), and starts
    at it, when a word follows it, or at one of the three words before it, when a word
    ends right before it."""
    pattern = _pattern()
    resume = 0  # where the scan goes on after a match (as finditer's does)
    floor = 0  # the first position not tried yet
    for start, end in numbers:
        at_digit = start if text[start].isdigit() else _first_digit(text, start, end)
        tries: list[int] = []
        # the quick looks first, for most numbers stand between numbers ("4111 1111 ..."):
        # before the number, a space, a tab or a dot, and no digit before that; after its
        # word, a space, a tab, a comma or a range, and no digit after a space or a tab
        before = text[max(0, at_digit - 2) : at_digit]
        if (
            before[-1:] in _BEFORE_CHARS
            and not before[:1].isdigit()
            and floor < at_digit > resume
            and _word_before(text, at_digit)
        ):
            lo = max(start - _REACH, floor, resume)
            tries = [m.start() for m in _STARTS.finditer(text, lo, at_digit)][-3:]
        after = text[end : end + 2]
        if (
            after[:1] in _AFTER_CHARS
            and not (after[1:].isdigit() and after[0] in " \t")
            and at_digit >= floor
            and at_digit >= resume
            and _goes_on(text, end)
            and _NUMBER_GOES_ON.match(text, at_digit)
        ):
            tries.append(at_digit)
        for at in tries:
            if at < resume:
                continue
            m = pattern.match(text, at)
            if m is not None and m.end() > at:
                resume = m.end()
                yield m
        floor = max(floor, end)


def addresses(text: str, numbers: Sequence[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The street addresses in `text` (whose words with a digit are `numbers`), in order,
    none overlapping the one before."""
    last_end = -1
    for m in _matches(text, numbers):
        end = ADDRESS_TAIL.match(text, m.end()).end()  # type: ignore[union-attr]
        start = m.start()
        head = _ADDRESS_HEAD.search(text, max(0, start - 16), start)  # "Unit 4, ..."
        if head is not None:
            start = head.start()
        if last_end > start:
            continue
        yield start, end
        last_end = end
