"""Numbers: every run of digits in a text, read as the identifiers it may hold.

The rules, each over the whole class rather than a list of spellings:

- **Structure first.** IP addresses, dates and times and IBANs are found on their own
  (`_network`, `_dates`, `_iban`); their digits are taken out of the runs, so a
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
from itertools import accumulate, chain, compress, filterfalse, repeat
from operator import add, and_, eq, ne, or_

from ._country_codes import COUNTRY_CODES
from ._validators import luhn_digits, luhn_sums, ssn_valid

__all__ = ["Candidate", "read_run", "runs"]

Candidate = tuple[str, int, int, float]  # entity, start, end, base score

_SEP = " \t\r\n._/()-"
_RUN = re.compile(r"\d\d*(?:[ \t\r\n._/()\-]{1,4}\d+)*")
# the same on ASCII text (where \d is [0-9]): a character class is scanned for about half
# the cost of the Unicode digit category (str.isascii is a flag: free)
_RUN_ASCII = re.compile(r"[0-9][0-9]*(?:[ \t\r\n._/()\-]{1,4}[0-9]+)*")
_GROUP = re.compile(r"\d\d*")  # led by one digit: the scan skips to digits at C speed
_EXT = re.compile(r"\s?(?:x|ext\.?|extension)\s?\d{1,6}\b", re.IGNORECASE)
_EXT_FIRST = frozenset("xXeE")  # an extension's first letter (after one space at most)
STRONG = 0.5  # a reading this sure needs no second look at the run's parts
MAX_GROUPS = 8  # groups in one window of a run read in parts (a card in pairs: eight)


def runs(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """The runs of digits in text[start:end], left to right."""
    end = len(text) if end is None else end
    if not text.isascii():
        for m in _RUN.finditer(text, start, end):
            yield m.span()
        return
    # each run's first digit found with a C-speed `bytes.find` on the text's digits marked
    # (a regex scan looks at every character in Python's matcher: several times the cost
    # between runs far apart; runs close together, it costs less per run: it takes over)
    marks = text[start:end].encode().translate(_DIGIT_MARKS)
    match = _RUN_ASCII.match
    at = marks.find(48)
    count = 0
    while at != -1:
        run = match(text, start + at, end)
        assert run is not None
        stop = run.end()
        yield start + at, stop
        count += 1
        if count == _DENSE_RUNS and stop - start < _DENSE_RUNS * 32:
            for m in _RUN_ASCII.finditer(text, stop, end):  # (no digit at `stop`)
                yield m.span()
            return
        at = marks.find(48, stop - start)


_DENSE_RUNS = 64  # runs after which a text with one every 32 characters or less is scanned


_DIGIT_MARKS = bytes(48 if 48 <= c <= 57 else 32 for c in range(256))  # a digit: "0"


# --------------------------------------------------------------------------- checks


def card_score(digits: str) -> float | None:
    """A Luhn-valid number of 12 to 19 digits: its base score by issuer and length."""
    n = len(digits)
    if not 12 <= n <= 19 or not luhn_digits(digits) or digits.count(digits[0]) == n:
        return None
    first, two = digits[0], digits[:2]
    if two in ("30", "36", "38", "39") and n == 14:
        return 0.85  # Diners Club
    if first == "1" and n == 15:
        return 0.6  # UATP
    if first in "3456" or two in ("22", "23", "24", "25", "26", "27"):
        return 0.85 if n >= 15 else 0.45
    return 0.3


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
    return _phone_groups(value, number, _GROUP.findall(number))


def _phone_groups(value: str, number: str, groups: list[str]) -> float | None:
    """`phone_score` of `value` (no ":/_" nor line break in it), its `number` without an
    extension and the number's groups of digits."""
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
    if _EXT_FIRST.isdisjoint(text[end : end + 2]):
        return start, end  # no extension starts here (a regex match costs more)
    ext = _EXT.match(text, end)
    return start, (ext.end() if ext is not None else end)


def read_run(text: str, start: int, end: int) -> tuple[list[Candidate], list[Candidate]]:
    """The readings of the run text[start:end] (it starts and ends with a digit) as a
    whole, and (when none of them is sure) the best reading of its parts, left to right."""
    value = text[start:end]
    if "(" in value:
        value = value[: _balanced(value)]  # still ends with a digit
        end = start + len(value)
    parts = _GROUP.findall(value)  # the groups of digits
    if not parts:
        return [], []
    glued_left = start > 0 and text[start - 1].isalpha()
    glued_right = end < len(text) and text[end].isalpha() and text[end] not in "xXe"
    glued = glued_left or glued_right
    digits = "".join(parts)
    n = len(digits)
    count = len(parts)
    # as one value: an SSN, a card, a phone number
    whole: list[Candidate] = []
    strong = False  # a reading that needs no second look at the parts
    if n == 9 or count == 3:
        score = ssn_score(text, _spans(text, start, end))
        if score is not None and (not glued or count == 3):
            whole.append(("US_SSN", start, end, score))
            strong = score >= STRONG
    if 12 <= n <= 19 and (digits[0] in "123456" or count == 1):
        score = card_score(digits)
        if score is not None:  # glued to a word: a card still, less sure (a code may win)
            score = min(score, 0.6) if glued else score
            whole.append(("CREDIT_CARD", start, end, score))
            strong = strong or score >= STRONG
    if not glued and 7 <= n <= 15:
        p_start, p_end = _phone_span(text, start, end)
        phone = text[p_start:p_end]
        if ":" in phone or "/" in phone or "_" in phone or "\n" in phone:
            score = None  # times, dates, fractions, identifiers, table rows
        elif p_end == end:  # no extension: the number is the run, after its lead
            score = _phone_groups(phone, phone, parts)
        else:
            score = phone_score(phone)
        if score is not None:
            whole.append(("PHONE_NUMBER", p_start, p_end, score))
            strong = strong or score >= STRONG
    if count < 2 or strong:
        return whole, []
    return whole, _parts(text, start, end, parts, digits, glued_left, glued_right)


def _spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Where the groups of digits of text[start:end] stand."""
    return [m.span() for m in _GROUP.finditer(text, start, end)]


def _parts(
    text: str,
    start: int,
    end: int,
    parts: list[str],
    digits: str,
    glued_left: bool,
    glued_right: bool,
) -> list[Candidate]:
    """The best reading of the windows of groups from each start, then the surest of
    them that do not overlap.

    The rules are those of `read_run` (`card_score`, `ssn_score`, `phone_score`), put
    as integer tests on what the run says once: the sizes of its groups, prefix sums of
    what its separators hold (a slash, a dot, a parenthesis) and of its digits' Luhn
    weights. A window then costs a few list look-ups, no string is built for it, and
    only a group of two digits or more, or the one before it, can start a reading: every
    reading's groups after its first have two digits or more."""
    n = len(parts)
    lens = list(map(len, parts))
    two = list(map((1).__lt__, lens))  # groups of two digits or more
    starts = list(compress(range(n), map(or_, two, [*two[1:], False])))
    if not starts:
        return []
    off = [0, *accumulate(lens)]  # digits before each group
    seps = _GROUP.split(text[start:end])[1:-1]  # the n - 1 gaps
    # where each group starts and ends in the text
    firsts_at = list(accumulate(map(add, lens, map(len, seps)), initial=start))
    lasts_at = list(map(add, firsts_at, lens))
    flags = list(map(_SEP_FLAGS.__getitem__, seps))
    short = [0, *accumulate(map((2).__gt__, lens))]  # groups of one digit before each
    bad = [0, *accumulate(map(_BAD.__and__, flags))]  # gaps with ":/_" or a line break
    dot = [0, *accumulate(map(_DOT.__and__, flags))]  # gaps with a dot
    paren = [0, *accumulate(map(_PAREN.__and__, flags))]  # gaps with "("
    change = [0, *accumulate(map(ne, lens[1:], lens))]  # where a group's size changes
    ascii_digits = digits.isascii()
    luhn = luhn_sums(digits) if ascii_digits else ([], [])
    ext = _EXT.match(text, end) is not None  # an extension after the last group
    ends = frozenset(off)
    last = n - 1

    def luhn_ok(a: int, b: int) -> bool:
        if ascii_digits:
            weights = luhn[b & 1]
            valid = (weights[b] - weights[a]) % 10 == 0
        else:
            valid = luhn_digits(digits[a:b])
        return valid and digits.count(digits[a], a, b) != b - a

    ssn_known: dict[int, bool] = {}

    def ssn_at(i: int) -> bool:
        """Whether groups i..i+2 (3-2-4 digits) are an SSN (`_ssn_at`, worked out once)."""
        valid = ssn_known.get(i)
        if valid is None:
            valid = ssn_known[i] = _ssn_at(i, seps, flags, digits, off[i])
        return valid

    def card_window(i: int, j: int, size: int) -> bool:
        """Whether `read_run` reads the window i..j (`size` digits) as a card."""
        return size >= 12 and (
            i == j
            or (
                digits[off[i]] in "123456"
                and (
                    (size <= 15 and short[j + 1] == short[i + 1])
                    or change[j] == change[i]
                    or (j - i in (2, 4) and lens[i : j + 1] in _CARD_LENS)
                )
            )
        )

    def best_at(i: int, lo: int, hi: int) -> tuple[Candidate, int] | None:
        """The best reading of the windows i..lo to i..hi (`read_run`'s: a card before a
        phone number of the same score and length) scoring 0.45 or more, and its last
        group."""
        a = off[i]
        s = firsts_at[i]
        # a phone number's lead: "+", "(" or "+(" before it
        lead = text[s - 1] if s else ""
        p_start = s
        if lead == "(":
            p_start -= 1
            if s >= 2 and text[s - 2] == "+":
                lead, p_start = "+", p_start - 1
        elif lead == "+":
            p_start -= 1
        else:
            lead = ""
        best: Candidate | None = None
        best_key = (0.0, 0)
        best_j = i
        glued_first = i == 0 and glued_left
        # An SSN (groups i..i+2) first, then the longest window first: a reading at 0.85
        # (an SSN, a card: no reading scores more) leaves the shorter ones nothing to win.
        # (No two windows' readings are of one length and score: the order changes no
        # answer.)
        if lens[i] == 3 and i + 2 <= hi and lens[i + 1] == 2 and lens[i + 2] == 4 and ssn_at(i):
            e = lasts_at[i + 2]
            best, best_key, best_j = ("US_SSN", s, e, 0.85), (0.85, e - s), i + 2
        for j in range(hi, lo - 1, -1):
            if best_key[0] >= 0.85 and j <= best_j:
                break
            b = off[j + 1]
            size = b - a
            if size < 14 and best_key[0] >= 0.85:
                break  # a shorter card scores 0.45 at most, a phone number 0.75
            e = lasts_at[j]
            glued = glued_first or (j == last and glued_right)
            if size >= 12 and card_window(i, j, size):
                score = _card_class(digits, a, size)
                if glued and score > 0.6:
                    score = 0.6
                if score >= 0.45 and (score, e - s) > best_key and luhn_ok(a, b):
                    best, best_key, best_j = ("CREDIT_CARD", s, e, score), (score, e - s), j
            if glued or size > 15 or short[j + 1] != short[i + 1] or best_key[0] > 0.75:
                continue  # (a phone number scores 0.75 at most)
            if j == last and ext:  # the extension belongs to the number: read as a string
                ps, pe = _phone_span(text, s, e)
                phone = phone_score(text[ps:pe])
            else:
                ps, pe = p_start, e
                phone = _phone_parts(i, j, size, lead, digits, a, lens, off, seps, bad, dot, paren)
            if phone is not None and phone >= 0.45 and (phone, pe - ps) > best_key:
                best, best_key, best_j = ("PHONE_NUMBER", ps, pe, phone), (phone, pe - ps), j
        return None if best is None else (best, best_j)

    def bound(i: int) -> tuple[int, int, float] | None:
        """The windows i..lo to i..hi a reading from start i may take, and the most it
        may score, from integer tests (and the exact test of the surest readings, a
        checksum-valid card or SSN); None: no reading from i scores 0.45."""
        lo = los[i] - 1
        hi = his[i] - 2  # (his[i] - 1 is n and i + MAX_GROUPS at most: `_caps`)
        if i == 0:
            hi = min(hi, n - 2)  # the whole run was read already
        if lo > hi:
            return None
        a = off[i]
        first = firsts[i]
        two = digits[a : a + 2]
        phone = short[lo + 1] == short[i + 1] and bad[lo] == bad[i]  # may be a phone number
        card = off[hi + 1] - a >= 12 and (
            first in "3456"
            or two in _CARD_TWO
            or (first == "1" and a + 15 in ends and a + 15 <= off[hi + 1])
        )  # an issuer's digits: `_card_class` scores any other under 0.45
        ssn = lens[i] == 3 and i + 2 <= hi and lens[i + 1] == 2 and lens[i + 2] == 4
        if not (phone or card or ssn):
            return None  # no phone (a group of one digit, a slash...), card nor SSN
        if i == 0 or hi == n - 1:
            return lo, hi, 1.0  # a lead "+", a word glued, an extension
        if ssn and ssn_at(i):
            return lo, hi, 0.85
        if card and (first in "3456" or two in _CARD_TWO_85):
            least = a + (14 if two in _DINERS else 15)  # a card at 0.85: this many digits
            for j in range(hi, lo - 1, -1):
                b = off[j + 1]
                if b < least:
                    break
                # (the Luhn sum first, inline: nine windows in ten fail it)
                if ascii_digits and (luhn[b & 1][b] - luhn[b & 1][a]) % 10:
                    continue
                if card_window(i, j, b - a) and luhn_ok(a, b):
                    return lo, hi, 0.85
        if (
            first == "0"
            or text[firsts_at[i] - 1] == "("
            or paren[hi] != paren[i]
            or a + 10 in ends
            or digits[a : a + lens[i]] in COUNTRY_CODES
            or (first == "1" and a + 15 in ends)
        ):
            return lo, hi, 0.6
        return lo, hi, 0.45

    # the first and the last group of a window from each start: 7 and at most 19 digits
    # (searched among the next nine boundaries: seven digits take seven groups at most,
    # and a window takes MAX_GROUPS; a shorter search costs half as much)
    firsts_from = range(1, n + 1)
    los = list(map(bisect.bisect_left, repeat(off), map((7).__add__, off), firsts_from, _caps(n)))
    his = list(map(bisect.bisect_right, repeat(off), map((19).__add__, off), firsts_from, _caps(n)))
    # In bulk, the starts that may read as anything: a card (an issuer's first digit:
    # `_card_class` scores any other under 0.45) or an SSN (a group of three digits), and
    # of the others, those that may read as a phone number (its first seven digits hold
    # no group of one digit after the first, no ":/_" nor line break) or a card of
    # fifteen digits led by "1"; the rest cost no step of the loops below.
    firsts = list(map(digits.__getitem__, off[:n]))
    three = list(map((3).__eq__, lens))
    edge = list(map(or_, three, map(_ISSUER.__contains__, firsts)))
    others = list(filterfalse(edge.__getitem__, starts))
    lo1 = list(map(min, map(los.__getitem__, others), repeat(n)))  # lo + 1
    phone_may = map(
        and_,
        map(eq, map(short.__getitem__, lo1), map(short.__getitem__, map((1).__add__, others))),
        map(eq, map(bad.__getitem__, map((-1).__add__, lo1)), map(bad.__getitem__, others)),
    )
    fifteen = map(
        and_,
        map("1".__eq__, map(firsts.__getitem__, others)),
        map(ends.__contains__, map((15).__add__, map(off.__getitem__, others))),
    )
    may_starts = sorted(
        chain(
            compress(starts, map(edge.__getitem__, starts)),
            compress(others, map(or_, phone_may, fifteen)),
        )
    )
    # Only these may score 0.75 or more (the run's edges, an SSN's or a card's first
    # group); every bound is worked out when its start is first met free (a start a
    # surer reading took first costs nothing: in a list of cards, only each card's first
    # group is read).
    edge[0] = True
    edge[max(0, n - MAX_GROUPS) :] = [True] * min(n, MAX_GROUPS)
    high = list(compress(may_starts, map(edge.__getitem__, may_starts)))
    bounds: list[tuple[int, int, float] | None] = [None] * n
    read: list[tuple[Candidate, int] | None] = [None] * n
    done = bytearray(n)  # 1: bounds[i] worked out; 2: read[i] too

    # The surest readings first, then the earliest (as `_strongest`): a start is read
    # when its bound reaches the level and none of its groups is taken yet.
    used = bytearray(n)
    kept: list[Candidate] = []
    for level in _LEVELS:
        # (a start a reading took is passed over at C speed: `used` is read as it grows)
        for i in filterfalse(used.__getitem__, high if level >= 0.75 else may_starts):
            if not done[i]:
                bounds[i] = bound(i)
                done[i] = 1
            bounded = bounds[i]
            if bounded is None or bounded[2] < level:
                continue
            if done[i] == 1:
                read[i] = best_at(i, bounded[0], bounded[1])
                done[i] = 2
            found_at = read[i]
            if found_at is None or found_at[0][3] != level:
                continue
            c, j = found_at
            if used.find(1, i, j + 1) == -1:
                used[i : j + 1] = b"\x01" * (j + 1 - i)
                kept.append(c)
    kept.sort(key=_start)
    return kept


def _caps(n: int) -> Iterator[int]:
    """The end of the search of each start's window bounds: nine boundaries on (the
    boundary after the last group at most)."""
    return chain(range(MAX_GROUPS + 1, n + 1), repeat(n + 1, MAX_GROUPS))


def _start(c: Candidate) -> int:
    return c[1]


# every score a reading of a run's parts may have (0.45 and up), surest first
_LEVELS = (0.85, 0.75, 0.6, 0.5, 0.45)
_CARD_TWO_85 = frozenset({"22", "23", "24", "25", "26", "27", "30", "36", "38", "39"})
_CARD_LENS = ([4, 4, 4, 4, 3], [4, 6, 5], [4, 6, 4])  # cards' groups of mixed sizes
_DINERS = frozenset({"30", "36", "38", "39"})
_CARD_TWO = frozenset({"22", "23", "24", "25", "26", "27"})  # with 3, 4, 5, 6: `_card_class`
_ISSUER = frozenset("23456")  # a card's first digit (1: at fifteen digits only)


def _ssn_at(i: int, seps: list[str], flags: list[int], digits: str, a: int) -> bool:
    """Groups i..i+2 (3-2-4 digits from digit `a`): an SSN by `ssn_score`."""
    return seps[i] == seps[i + 1] and bool(flags[i] & _SSN_SEP) and ssn_valid(digits[a : a + 9])


def _phone_parts(
    i: int,
    j: int,
    size: int,
    lead: str,
    digits: str,
    a: int,
    lens: list[int],
    off: list[int],
    seps: list[str],
    bad: list[int],
    dot: list[int],
    paren: list[int],
) -> float | None:
    """`phone_score` of groups i..j of a run (`size` digits from digit `a`, after `lead`:
    "", "(" or "+"), none of them after the first of one digit, as integer tests."""
    if bad[j] != bad[i]:
        return None  # ":/_" or a line break between two of its groups
    if lead == "+":
        d = digits[a : a + 3]
        if d[:1] in COUNTRY_CODES or d[:2] in COUNTRY_CODES or d in COUNTRY_CODES:
            return 0.75 if size >= 8 else None
        return None
    size_i = lens[i]
    if not lead and size_i >= 2 and size >= 10 and digits[a : a + 2] == "00":
        return 0.6
    if j > i and size - size_i == 10 and size_i <= 3 and digits[a : a + size_i] in COUNTRY_CODES:
        # "91-415-555-0132": the rest after the country code, read on its own
        if not lead:
            return _after_code(i, j, digits, off, seps)
        last = digits[a + size_i - 1]  # "(" leads: `phone_score` reads from the code's last digit
        if last in COUNTRY_CODES:
            return _after_code(i, j, digits, off, seps)
        if dot[j] != dot[i]:
            return None
        return 0.6 if last == "0" or paren[j] != paren[i] else 0.45
    if size > 12:
        return None
    if dot[j] != dot[i] and size_i < 2:
        return None
    if j > i:
        if digits[a] == "0" or lead == "(" or paren[j] != paren[i] or size == 10:
            return 0.6
        return 0.45
    return 0.5 if not lead and digits[a] == "0" and size >= 9 else None


def _after_code(i: int, j: int, digits: str, off: list[int], seps: list[str]) -> float | None:
    """`phone_score` of the ten digits of groups i+1..j after a country code (group i)."""
    lead = seps[i].lstrip(" .-")
    a = off[i + 1]
    if not lead and digits[a : a + 2] == "00":
        return 0.6
    if j > i + 1:
        return 0.6
    return 0.5 if not lead and digits[a] == "0" else None


def _card_class(digits: str, a: int, size: int) -> float:
    """`card_score` of the `size` digits from `a`, were they Luhn-valid."""
    first, two = digits[a], digits[a : a + 2]
    if size == 14 and two in ("30", "36", "38", "39"):
        return 0.85  # Diners Club
    if first == "1" and size == 15:
        return 0.6  # UATP
    if first in "3456" or two in ("22", "23", "24", "25", "26", "27"):
        return 0.85 if size >= 15 else 0.45
    return 0.3


_BAD, _DOT, _PAREN, _SSN_SEP = 1, 2, 4, 8


class _SepFlags(dict[str, int]):
    """What a separator between two groups holds, as bits (at most 16,104 separators:
    one to four of eleven characters)."""

    def __missing__(self, sep: str) -> int:
        flags = (
            _BAD * any(c in sep for c in ":/_\n")
            | _DOT * ("." in sep)
            | _PAREN * ("(" in sep)
            | _SSN_SEP * (sep.strip(" -.") == "" and len(set(sep)) == 1)
        )
        self[sep] = flags
        return flags


_SEP_FLAGS = _SepFlags()
