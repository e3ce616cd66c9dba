"""Numbers: every run of digits in a text, read as the identifiers it may hold.

The rules, each over the whole class rather than a list of spellings:

- **Structure first.** IP addresses, dates and times and IBANs are found on their own
  (`_network`, `_dates`, `iban_spans`); their digits are taken out of the runs, so a
  date-time is never a phone number and ``Server 1: 10.20.30.40`` is an address.
- **Through any separator.** A run is digits joined by up to four separator characters
  (spaces, line breaks, tabs, dots, dashes, slashes, underscores, parentheses): a card
  split by dots, runs of spaces or line breaks is still one run. A colon, comma or
  semicolon ends a run (``Card 2: 4111...``).
- **A run that fails as a whole is read again in its parts**: every window of its
  digit groups up to 19 digits, left to right, the best reading of each start kept, so a
  neighbouring number (a list label, a second card, a stray group) never hides a value.
  Each window costs a few integer operations (the Luhn sum from prefix sums): linear.
- **Glued to a word** (``card4111111111111111``), a run is still read for checksummed
  cards and separated SSNs, never for phone numbers (``A4B1...``, hashes, codes).

A checksum decides for cards (Luhn) and IBANs (mod 97, any case, any separator); an SSN
needs its 3-2-4 shape with one separator (or context), a phone number its own shape.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from ._country_codes import COUNTRY_CODES
from ._validators import IBAN_LENGTHS, compact_iban_valid, ssn_valid

__all__ = ["Candidate", "iban_at", "read_run", "runs"]

Candidate = tuple[str, int, int, float]  # entity, start, end, base score

_SEP = " \t\r\n._/()-"
_RUN = re.compile(r"\d\d*(?:[ \t\r\n._/()\-]{1,4}\d+)*")
_GROUP = re.compile(r"\d\d*")  # led by one digit: the scan skips to digits at C speed
_EXT = re.compile(r"\s?(?:x|ext\.?|extension)\s?\d{1,6}\b", re.IGNORECASE)
STRONG = 0.5  # a reading this sure needs no second look at the run's parts
MAX_GROUPS = 8  # groups in one window of a run read in parts (a card in pairs: eight)


def runs(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    for m in _RUN.finditer(text, start, len(text) if end is None else end):
        yield m.span()


# --------------------------------------------------------------------------- checks


def card_score(digits: str) -> float | None:
    """A Luhn-valid number of 12 to 19 digits: its base score by issuer and length."""
    n = len(digits)
    if not 12 <= n <= 19 or not _luhn(digits) or digits.count(digits[0]) == n:
        return None
    first, two = digits[0], digits[:2]
    if two in ("30", "36", "38", "39") and n == 14:
        return 0.85  # Diners Club
    if first == "1" and n == 15:
        return 0.6  # UATP
    if first in "3456" or two in ("22", "23", "24", "25", "26", "27"):
        return 0.85 if n >= 15 else 0.45
    return 0.3


def _luhn(digits: str) -> bool:
    raw = digits.encode()
    total = sum(raw[-1::-2]) + sum(raw[-2::-2].translate(_DOUBLED)) - 48 * len(raw)
    return total % 10 == 0


_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")


def ssn_score(text: str, groups: list[tuple[int, int]]) -> float | None:
    """Nine digits as 3-2-4 with one separator between the groups (``-``, ``.``, a space
    or a run of spaces), or bare (context decides)."""
    if len(groups) == 1:
        s, e = groups[0]
        return 0.3 if e - s == 9 and ssn_valid(text[s:e]) else None
    if len(groups) != 3 or [e - s for s, e in groups] != [3, 2, 4]:
        return None
    sep1 = text[groups[0][1] : groups[1][0]]
    sep2 = text[groups[1][1] : groups[2][0]]
    if sep1 != sep2 or sep1.strip(" -.") != "" or len(set(sep1)) != 1:
        return None
    digits = "".join(text[s:e] for s, e in groups)
    return 0.85 if ssn_valid(digits) else None


def phone_score(value: str) -> float | None:
    """A phone number's base score from its shape (None: not one)."""
    if ":" in value or "/" in value or "_" in value or "\n" in value:
        return None  # times, dates, fractions, identifiers, table rows
    number = value.split("x")[0].split("X")[0].split("ext")[0]
    groups = _GROUP.findall(number)
    digits = sum(map(len, groups))
    if value.startswith("+"):
        d = "".join(groups)[:3]
        if not (d[:1] in COUNTRY_CODES or d[:2] in COUNTRY_CODES or d in COUNTRY_CODES):
            return None
        return 0.75 if 8 <= digits <= 15 else None
    if value.startswith("00") and 10 <= digits <= 15:
        return 0.6
    if len(groups) > 1 and groups[0] in COUNTRY_CODES and digits - len(groups[0]) == 10:
        rest = phone_score(value[len(groups[0]) :].lstrip(" .-"))
        return rest if rest is not None and rest >= 0.45 else None  # "91-415-555-0132"
    if not 7 <= digits <= 12:
        return None
    if len(groups) > 1 and min(map(len, groups[1:])) < 2:
        return None  # 1.2.3 or 1 2 3 4 5 6 7: versions, amounts, counts
    if "." in number and len(groups[0]) < 2:
        return None
    if len(groups) > 1:
        if number.lstrip("(").startswith("0") or "(" in number or digits == 10:
            return 0.6
        return 0.45
    if number.startswith("0") and digits >= 9:
        return 0.5  # a national number with its trunk prefix
    return 0.15  # other bare digits: a phone only with phone context


def _balanced(value: str) -> int:
    """Length of `value` up to an opening parenthesis never closed in it."""
    depth_at: list[int] = []
    for i, c in enumerate(value):
        if c == "(":
            depth_at.append(i)
        elif c == ")" and depth_at:
            depth_at.pop()
    if not depth_at:
        return len(value)
    return len(value[: depth_at[0]].rstrip(_SEP))


# --------------------------------------------------------------------------- a run


def _phone_span(text: str, start: int, end: int) -> tuple[int, int]:
    """A leading ``+`` or ``(`` and a trailing extension belong to the number."""
    if start > 0 and text[start - 1] in "+(":
        start -= 1
        if text[start] == "(" and start > 0 and text[start - 1] == "+":
            start -= 1
    ext = _EXT.match(text, end)
    return start, (ext.end() if ext is not None else end)


def read_window(
    text: str, groups: list[tuple[int, int]], digits: str, glued: bool
) -> Iterator[Candidate]:
    """What the digit groups `groups` (their digits `digits`) may be, as one value."""
    start, end = groups[0][0], groups[-1][1]
    n = len(digits)
    if n == 9 or len(groups) == 3:
        score = ssn_score(text, groups)
        if score is not None and (not glued or len(groups) == 3):
            yield "US_SSN", start, end, score
    if 12 <= n <= 19 and (digits[0] in "123456" or len(groups) == 1):
        score = card_score(digits)
        if score is not None:  # glued to a word: a card still, less sure (a code may win)
            yield "CREDIT_CARD", start, end, min(score, 0.6) if glued else score
    if not glued and 7 <= n <= 15:
        p_start, p_end = _phone_span(text, start, end)
        score = phone_score(text[p_start:p_end])
        if score is not None:
            yield "PHONE_NUMBER", p_start, p_end, score


def read_run(text: str, start: int, end: int) -> tuple[list[Candidate], list[Candidate]]:
    """The readings of the run text[start:end] as a whole, and (when none of them is
    sure) the best reading of its parts, left to right."""
    value = text[start:end]
    if "(" in value:
        end = start + _balanced(value)
    groups = [m.span() for m in _GROUP.finditer(text, start, end)]
    if not groups:
        return [], []
    end = groups[-1][1]
    glued_left = start > 0 and text[start - 1].isalpha()
    glued_right = end < len(text) and text[end].isalpha() and text[end] not in "xXe"
    digits = "".join(text[s:e] for s, e in groups)
    whole = list(read_window(text, groups, digits, glued_left or glued_right))
    if len(groups) < 2 or any(c[3] >= STRONG for c in whole):
        return whole, []
    return whole, _parts(text, groups, digits, glued_left, glued_right)


def _parts(
    text: str, groups: list[tuple[int, int]], digits: str, glued_left: bool, glued_right: bool
) -> list[Candidate]:
    """The best reading of the windows of groups from each start, then the surest of
    them that do not overlap. A window is read only when its group sizes allow a
    reading (integer tests first)."""
    n = len(groups)
    lens = [e - s for s, e in groups]
    offsets = [0]
    short = [0]  # groups of one digit so far (a phone number's groups after its first)
    for size in lens:
        offsets.append(offsets[-1] + size)
        short.append(short[-1] + (size < 2))
    next_short = [n] * (n + 1)  # the first group of one digit at or after each index
    for k in range(n - 1, -1, -1):
        next_short[k] = k if lens[k] < 2 else next_short[k + 1]
    out: list[tuple[Candidate, int, int]] = []
    i = 0
    while i < n:
        base = offsets[i]
        lo = bisect.bisect_left(offsets, base + 7, i + 1) - 1  # the first end of 7 digits
        hi = min(n, i + MAX_GROUPS, bisect.bisect_right(offsets, base + 19, i + 1) - 1) - 1
        if (
            lo > hi
            or (
                next_short[i + 1] <= lo  # no phone: a group of one digit inside
                and offsets[hi + 1] - base < 12  # no card: too short
                and lens[i] != 9
                and lens[i : i + 3] != [3, 2, 4]  # no SSN
            )
        ):
            i += 1
            continue  # nothing can start here (integer tests only)
        best: Candidate | None = None
        best_j = i
        for j in range(lo, hi + 1):
            size = offsets[j + 1] - base
            if i == 0 and j == n - 1:
                continue
            phone = size <= 15 and short[j + 1] == short[i + 1]
            ssn = size == 9 and (i == j or (j == i + 2 and lens[i : i + 3] == [3, 2, 4]))
            card = size >= 12 and (i == j or _card_shaped(lens[i : j + 1]))
            if not (phone or ssn or card):
                continue
            glued = (i == 0 and glued_left) or (j == n - 1 and glued_right)
            window = digits[offsets[i] : offsets[j + 1]]
            for c in read_window(text, groups[i : j + 1], window, glued):
                if best is None or (c[3], c[2] - c[1]) > (best[3], best[2] - best[1]):
                    best, best_j = c, j
        if best is not None and best[3] >= 0.45:
            out.append((best, i, best_j))
        i += 1
    return _strongest(out, n)


def _strongest(candidates: list[tuple[Candidate, int, int]], n: int) -> list[Candidate]:
    """Candidates (each with its first and last group) that share no group, the surest
    first (then the earliest, as a text is read): a weak reading of a label and the start
    of a card never eclipses the card, and of two values side by side the first is not
    cut by a window astride. A window spans at most eight groups: linear after the sort."""
    used = [False] * n
    kept: list[Candidate] = []
    for c, i, j in sorted(candidates, key=lambda t: (-t[0][3], t[0][1], t[0][1] - t[0][2])):
        if any(used[i : j + 1]):
            continue
        used[i : j + 1] = [True] * (j + 1 - i)
        kept.append(c)
    kept.sort(key=lambda c: c[1])
    return kept


def _card_shaped(lens: list[int]) -> bool:
    """Groups a card is written in, when it is read out of a longer run: groups of one
    size (4-4-4-4, pairs), 4-4-4-4-3, or American Express's and Diners' 4-6-5, 4-6-4."""
    return len(set(lens)) == 1 or lens in ([4, 4, 4, 4, 3], [4, 6, 5], [4, 6, 4])


# --------------------------------------------------------------------------- IBAN

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
