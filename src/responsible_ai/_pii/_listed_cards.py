"""When a row of numbers read through a list's separators is a card.

Through a list's separators (a comma, a semicolon, ``|``, a colon, a tab, a tag, other
punctuation) a row of numbers is as often data as a card: about one in thirty random rows
of four 4-digit numbers passes Luhn with an issuer's prefix. There a card needs a major
scheme's issuer prefix (`_ISSUER`) and either a card word near (`card_word_near`) or a
brand's own uneven grouping (`canonical`: Amex 4-6-5, Diners 4-6-4), which rows of numbers
of one size never have. Through the common card separators (a space, a dash, a dot, a
slash, none) the run reader's reading stands.
"""

from __future__ import annotations

import re

from ._numbers import Candidate

__all__ = ["canonical", "card_word_near", "tabbed_row"]

_ISSUER = re.compile(
    r"4|5[1-5]|2(?:22[1-9]|2[3-9][0-9]|[3-6][0-9]{2}|7[01][0-9]|720)|3[0478]|6011|64[4-9]"
    r"|65|35|36|38|62"
)
_CARD_WORD = re.compile(
    r"(?<![^\W\d_])(?:card|kart|k[aá]rty|kaart|kort|cart[aã]o|carte|carta|tarjeta|visa"
    r"|master ?card|amex|american express|credit|debit|kredit|cr[eé]dito"
    r"|(?:pan|cc|ccn|cvv|cvc)(?![^\W\d_]))",
    re.IGNORECASE,
)
_WORD_BEFORE = 64  # characters before the first group a card word anchors it from
_WORD_AFTER = 24  # ... and after the last


def tabbed_row(text: str, c: Candidate) -> bool:
    """Whether the run reader's card is groups joined by tabs (a row of a table) with no
    card word near: a tab is a list's separator (`card_word_near`)."""
    return (
        c[0] == "CREDIT_CARD" and "\t" in text[c[1] : c[2]] and not card_word_near(text, c[1], c[2])
    )


def canonical(digits: str, shape: list[int]) -> bool:
    """A brand's own uneven grouping: Amex 4-6-5 (34, 37), Diners 4-6-4 (30, 36, 38)."""
    if shape == [4, 6, 5]:
        return digits[:2] in ("34", "37")
    return shape == [4, 6, 4] and digits[:2] in ("30", "36", "38")


def card_word_near(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] holds a major scheme's card number (`_ISSUER`) with a card
    word a few words before or after it."""
    first = "".join(c for c in text[start : start + 24] if c.isdigit())
    if _ISSUER.match(first) is None:
        return False
    lo = max(0, start - _WORD_BEFORE)
    return (
        _CARD_WORD.search(text, lo, start) is not None
        or _CARD_WORD.search(text, end, end + _WORD_AFTER) is not None
    )
