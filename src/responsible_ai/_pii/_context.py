"""Context words: what near a match raises its score ("phone: ...") or lowers it
("order 4821 5531 ..."), matched with one Aho-Corasick pass over a window; or, when a
text holds so many matches that their windows would read more than the text, with one
pass over the whole text and a look-up per match (`Context.index`): the same answers,
linear in the text."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import NamedTuple

import ahocorasick

__all__ = [
    "CONTEXT",
    "DOB_STEMS",
    "NO_CONTEXT",
    "WINDOWS",
    "WINDOW_BEFORE",
    "Context",
    "ContextIndex",
    "Words",
]

CONTEXT_BOOST = 0.35
NEGATIVE_PENALTY = 0.45
STRONG = 0.85  # a base score this high is a checksum plus a known shape
WINDOW_BEFORE = 48
WINDOW_AFTER = 24
NEGATIVE_BEFORE = 24
WINDOWS = NEGATIVE_BEFORE + WINDOW_BEFORE + WINDOW_AFTER  # characters read per match, at most

Spans = tuple[list[int], list[int]]  # where words start (sorted) and where each ends


class Words:
    """Context words, matched where a word starts: one Aho-Corasick pass over a window
    (a regex alternation tries every word at every position of it)."""

    __slots__ = ("_automaton",)

    def __init__(self, words: Sequence[str]) -> None:
        self._automaton = ahocorasick.Automaton()
        for w in {w.lower() for w in words if w}:
            self._automaton.add_word(w, len(w))
        self._automaton.make_automaton()

    def near(self, low: str, start: int, end: int) -> bool:
        """Whether a word lies in ``low[start:end]`` (`low` lower-cased) and starts a word
        there: the character before it, which may lie before `start`, is no letter."""
        start = max(0, start)
        # on the window's slice: the automaton reads the whole string it is given, even
        # between bounds (linear in the text per call: quadratic over a long text)
        for last, size in self._automaton.iter(low[start : max(start, end)]):
            first = start + last - size + 1
            if first == 0:
                return True
            c = low[first - 1]
            if not c.isalnum() or c.isdecimal():  # what (?<![^\W\d_]) lets through
                return True
        return False

    def spans(self, low: str) -> Spans:
        """Every word in `low` that starts a word (as `near` reads them), in one pass."""
        found = sorted(
            (last - size + 1, last + 1)
            for last, size in self._automaton.iter(low)
            if last < size or not (c := low[last - size]).isalnum() or c.isdecimal()
        )
        return [s for s, _ in found], [e for _, e in found]


def _near_in(spans: Spans, start: int, end: int) -> bool:
    """`Words.near` read from the words' `spans`: one lies wholly in [start, end)."""
    firsts, ends = spans
    i = bisect.bisect_left(firsts, start)
    while i < len(firsts) and firsts[i] < end:
        if ends[i] <= end:
            return True
        i += 1
    return False


def _words(words: Sequence[str]) -> Words | None:
    return Words(words) if any(words) else None


class Context:
    """Context words of one entity type, compiled once: one pass per window."""

    __slots__ = ("negative", "positive")

    def __init__(self, positive: Sequence[str] = (), negative: Sequence[str] = ()) -> None:
        self.positive = _words(positive)
        self.negative = _words(negative)

    def index(self, low: str) -> ContextIndex:
        """The words of `low`, found once: `score` then looks each match's windows up."""
        return ContextIndex(
            None if self.positive is None else self.positive.spans(low),
            None if self.negative is None else self.negative.spans(low),
        )

    def score(
        self, low: str, start: int, end: int, score: float, index: ContextIndex | None = None
    ) -> float:
        """Raise the score when a context word is near the match; lower it when a
        negative word comes just before it ("order 4821 5531 ..."). `low` is the
        lower-cased text (same length as the text); `index`, its words (`index`)."""
        if self.positive is None and self.negative is None:
            return score
        negative = self.negative is not None and (
            self.negative.near(low, start - NEGATIVE_BEFORE, start)
            if index is None or index.negative is None
            else _near_in(index.negative, start - NEGATIVE_BEFORE, start)
        )
        if negative:
            # a word before a number cannot talk away a checksum-strong match ("order
            # 4012 8888 8888 1881" is still a card): the penalty stops above the threshold
            score = (
                score - NEGATIVE_PENALTY if score < STRONG else max(score - NEGATIVE_PENALTY, 0.55)
            )
        elif self.positive is not None and (
            (
                self.positive.near(low, start - WINDOW_BEFORE, start)
                or self.positive.near(low, end, end + WINDOW_AFTER)
            )
            if index is None or index.positive is None
            else (
                _near_in(index.positive, start - WINDOW_BEFORE, start)
                or _near_in(index.positive, end, end + WINDOW_AFTER)
            )
        ):
            score += CONTEXT_BOOST
        return max(0.0, min(1.0, score))


class ContextIndex(NamedTuple):
    """Where one entity type's context words stand in a text (`Context.index`)."""

    positive: Spans | None
    negative: Spans | None


# --------------------------------------------------------------------------- the words

_PHONE_CONTEXT = (
    "phone", "tel", "mobile", "cell", "call", "reach", "fax", "whatsapp", "contact", "ring",
    "dial", "telefon", "téléphone", "teléfono", "telefono", "handy", "numéro", "sms",
    "number", "landline", "hotline", "helpline"
)  # fmt: skip
_ID_NEGATIVE = (
    "order", "invoice", "tracking", "ref ", "ref.", "ref:", "ref#", "reference", "version",
    "isbn", "serial", "ticket", "sku", "po number", "case", "build", "release", "id ", "id:",
    "id#", "id no", "customer no", "customer number", "member no", "licence", "license",
    "permit", "passport", "plate", "registration", "policy", "member", "employee", "patient",
    "claim", "contract", "badge", "student", "routing", "nhs", "vat", "tax id", "tin ", "ein ",
    "dl ", "dl:", "dl#", "vin ", "vin:", "part no", "model no", "batch", "lot "
)  # fmt: skip
CONTEXT = {
    "PHONE_NUMBER": Context(
        _PHONE_CONTEXT,
        (*_ID_NEGATIVE, "account", "iban", "card", "ssn", "hs code", "hts", "tariff", "commodity"),
    ),
    "CREDIT_CARD": Context(
        ("card", "credit", "debit", "visa", "mastercard", "amex", "cc", "payment", "karte",
         "carte", "tarjeta", "carta"),
        _ID_NEGATIVE,
    ),
    "US_SSN": Context(
        ("ssn", "social security", "social-security", "taxpayer", "ss#"),
        (*_ID_NEGATIVE, "phone", "tel"),
    ),
    "IP_ADDRESS": Context(
        ("ip", "address", "host", "server", "client"), ("version", "v.", "release", "build")
    ),
    "DATE_OF_BIRTH": Context(
        ("born", "birth", "dob", "d.o.b", "geboren", "né le", "née le", "nacido", "nacida",
         "nata", "nato", "geburtsdatum", "naissance", "nacimiento", "age"),
    ),
}  # fmt: skip
NO_CONTEXT = Context()
# stems of the birth-date words: a text that holds none of them skips the search for the words
DOB_STEMS = ("born", "birth", "dob", "d.o.b", "geboren", "geburt", "naissance", "né", "nacid",
             "nacimiento", "nat", "age")  # fmt: skip
