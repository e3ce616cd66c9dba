"""An IBAN found from its check digits: the run of digits after two letters (its country
code) is read on, in any case and through any separator, and checked with mod 97."""

from __future__ import annotations

import re

from ._validators import IBAN_LENGTHS, compact_iban_valid

__all__ = ["iban_at"]

_IBAN_BODY: dict[int, re.Pattern[str]] = {
    n: re.compile(rf"(?:[ \t\r\n./_-]{{0,4}}[A-Za-z0-9]){{{n}}}")
    for n in sorted({length - 4 for length in IBAN_LENGTHS.values()})
}  # the rest of an IBAN of n + 4 characters, each after up to four separators
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


def iban_at(text: str, digits: int) -> tuple[int, int] | None:
    """The IBAN whose check digits start at `digits` (its country code the two letters
    before), in any case and through any separator (up to four characters between two of
    its characters), glued to a word on one side at most; checked with mod 97."""
    start = digits - 2
    if start < 0 or not text[start:digits].isalpha() or not text[start:digits].isascii():
        return None
    want = IBAN_LENGTHS.get(text[start:digits].upper())
    check = text[digits : digits + 2]
    if want is None or not check.isdigit() or check in ("00", "01", "99"):
        return None
    body = _IBAN_BODY[want - 4].match(text, digits + 2)
    if body is None:
        return None
    end = body.end()
    compact = (text[start : digits + 2] + _NOT_ALNUM.sub("", body.group())).upper()
    if not compact_iban_valid(compact):
        return None
    left = start > 0 and text[start - 1].isalnum()
    right = end < len(text) and text[end].isalnum()
    if left and right:
        return None  # inside a longer word (a hash, a code): not an IBAN
    return start, end
