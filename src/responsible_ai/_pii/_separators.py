"""Numbers in the spellings the run reader (`_numbers`) does not take, and the numbers it
takes that are no phone numbers. One entry, `reread`, called once per scanned text with
what the run reader found:

- **Checksummed identifiers through any separator.** Digit groups joined by up to 32
  separator atoms — any character that is neither a letter nor a digit (quotes, commas,
  ``|``, ``·``, ``•``, vertical tab, form feed, NEL...), a markup tag (``<b>``,
  ``</span>``) or a backslash escape typed as text (``\\n``, ``\\t``) — are read as a
  card (Luhn, issuer prefix, the groups a card is written in); an IBAN's characters
  through up to 32 of any non-alphanumeric characters, written in its groups of four
  (``DE89|3704|...``, ``DE89,3704,...``).
- **A long group of digits that fails as a whole is read in its parts**: a card at its
  start (after any leading zeros) with an expiry, a CVV or a second card after it, or at
  its end after zeros or a short prefix; an SSN in its first or last nine digits (with an
  SSN word near, as a bare nine digits needs).
- **Context-anchored identifiers through the common separators**: with an SSN word
  before it (``SSN``, ``social security``, glued: ``SSN234567890``), nine digits in any
  grouping through spaces, dashes, dots, slashes, underscores or line breaks
  (``234/56/7890``, ``234 - 56 - 7890``, ``2345-6-7890``, ``2 3 4 5 6 7 8 9 0``), and
  every SSN of a list after one word; a phone number through slashes (``+44/20/7946/0958``,
  ``030/12345678``); an IPv4 address with zero-padded octets (``192.168.001.001``).
- **Dates and codes are no phone numbers**: a date or date-time with spaces or a year in
  parentheses (``2000 04 16 11 34 35``, ``(2000) 04-16``), a dotted tariff code
  (``8471.30.0100``).

Every pattern is a bounded repetition with one way to match (no nested quantifiers that
can backtrack over each other), and each group of digits is looked at a bounded number of
times: linear in the text's length.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

from ._context import CONTEXT, Words
from ._country_codes import COUNTRY_CODES
from ._listed_cards import canonical, card_word_near, tabbed_row
from ._normalize import lowered
from ._numbers import Candidate, card_score
from ._validators import IBAN_LENGTHS, compact_iban_valid, ssn_valid

__all__ = ["TRIGGERS", "reread"]

# one separator atom: a character that is no letter, digit or "_" ... or "_", a markup
# tag, a backslash escape typed as text; each alternative starts with its own character
_ATOM = (  # (a tag with its attributes: `<span class="x">`)
    r"(?:[^\w<\\]|[_\u30fc\uff70]|<(?:/?[A-Za-z][A-Za-z0-9]{0,7}(?:[ ][^<>]{0,80})?/?>)?"
    r"|\\(?:[nrtfvb]|u00[0-9A-Fa-f]{2})?)"
)
# (led by a digit, no look-behind: the scan skips to digits at C speed; a match ends at
# the end of a run of digits, so the next starts at the start of one)
_CHAIN = re.compile(rf"[0-9]+(?:{_ATOM}{{1,32}}[0-9]+)*")
_GROUP = re.compile(r"[0-9]+")
_THREE = re.compile(r"[0-9]{3}")
_LONG_GROUP = re.compile(r"[0-9]{10,}")  # `_LONG` digits or more
# what the run reader does not take between two groups: another character, or a run of
# five of its own
_ODD_GAP = re.compile(r"[^0-9 \t\r\n._/()\-]|[ \t\r\n._/()\-]{5}")
# what the run reader takes between two groups: one to four of these
_COMMON = re.compile(r"[ \t\r\n._/()\-]{1,4}")
# what an SSN's groups may be written with (an SSN word before them)
_SSN_GAP = re.compile(r"(?:[ \t\r\n]|\\[nrt]){0,3}[-./_]?(?:[ \t\r\n]|\\[nrt]){0,3}")
# ... right after the word ("SSN: 234,567,890", "SSN 2|3|4|..."): any one or two marks
_SSN_GAP_NEAR = re.compile(
    r"(?:[ \t\r\n]|\\[nrt]){0,3}(?:[^\w\s]|_){0,2}(?:[ \t\r\n]|\\[nrt]){0,3}"
)
# the SSN words written glued or in German ("SocialSecurityNumber", "sozialversicherungsnummer")
_SSN_GLUED = re.compile(r"socialsecurity|sozialversicherung")
_NEAR_BEFORE = 16  # characters: the word is right before the number
_LONG = 10  # a group of this many digits or more that fails as a whole is read in parts
_LONGEST = 48  # ... up to this many (two cards and an expiry); longer: a blob, not a value
_WINDOW_BEFORE = 48  # an SSN word this close before a list anchors the whole list


def reread(
    text: str, found: list[Candidate], wanted: frozenset[str], hits: Collection[int]
) -> list[Candidate]:
    """`found` (the run reader's candidates in `text`) without the phone numbers that are
    dates or codes, and with what the spellings above hold. `hits`: the indexes of the
    `TRIGGERS` that match in the text (the caller's RE2 set finds them in the same pass
    as its own literals)."""
    out = found
    if "PHONE_NUMBER" in wanted and any(c[0] == "PHONE_NUMBER" for c in found):
        out = [c for c in found if c[0] != "PHONE_NUMBER" or not _not_phone(text, c)]
    if "\t" in text and any(c[0] == "CREDIT_CARD" and "\t" in text[c[1] : c[2]] for c in out):
        out = [c for c in out if not tabbed_row(text, c)]
    if not hits:
        return out  # nothing the run reader has not read (most texts: one DFA pass)
    more: list[Candidate] = []
    card = "CREDIT_CARD" in wanted
    ssn = "US_SSN" in wanted
    iban = "IBAN_CODE" in wanted
    low: str | None = None
    heads: list[int] = []  # where a chain starts after two letters: an IBAN's check digits
    if ssn and _SSN_WORD in hits:
        low = lowered(text)
    if (card or ssn or iban) and (low is not None or _WORTH in hits):
        for s, e in _all_chains(text) if low is not None else _worth_chains(text):
            if iban and s >= 2 and text[s - 1].isalpha():
                heads.append(s - 2)
            if e - s < 9 or not (card or ssn):
                continue  # fewer than nine digits: no card, no SSN
            more += _chain(text, s, e, card, low if ssn else None)
    if heads:
        more += _ibans(text, heads)
    if iban and _SPELLED_IBAN in hits:
        more += _spelled_ibans(text)
    if "PHONE_NUMBER" in wanted and _SLASH in hits:
        more += _slashed_phones(text)
    if "PHONE_NUMBER" in wanted and _ODD_PHONE in hits:
        more += _odd_phones(text)
    if "IP_ADDRESS" in wanted and _PADDED in hits:
        more += _padded_ipv4(text)
    return out + more if more else out


# What may hold a reading of this module (`TRIGGERS`), found by the caller in one pass of
# an RE2 set (a DFA) over the text's UTF-8 bytes: a digit, then a separator the run reader
# does not take (another character, a tag, an escape, five of its own; a comma, unless it
# groups thousands: "12,000") and more digits or an IBAN's letters, or ten digits in a row;
# an SSN word; a slash between digits; a zero-padded octet.
_WORTH_PATTERN = (
    r"[0-9](?:[^\w \t\r\n.()/\-,][^A-Za-z0-9]{0,31}[0-9]|,[^A-Za-z0-9]{1,31}[0-9]"
    r"|[ \t\r\n.()/\-]{1,31}[^\w \t\r\n.()/\-][^A-Za-z0-9]{0,31}[0-9A-Za-z]"
    r"|,[0-9]{4}|,[0-9]{1,2}(?:[^0-9]|$)|[^\w \t\r\n.()/\-]{1,4}[A-Za-z]|<|\\"
    r"|[\s._/()\-]{5}|[0-9]{9}|(?:,[0-9]{3}){4})"
)
_SPELLED_IBAN_PATTERN = (  # an IBAN written one character at a time: "d e 8 9 3 7 ..."
    r"[A-Za-z]([ \t._,|:/-]{1,3})[A-Za-z][ \t._,|:/-]{1,3}[0-9][ \t._,|:/-]{1,3}[0-9]"
)
_ODD_PHONE_PATTERN = r"\+[0-9]{1,3}[ ]{0,2}[^\w\s+()./\-][ ]{0,2}[0-9]"
_WORTH, _SSN_WORD, _SLASH, _PADDED, _SPELLED_IBAN, _ODD_PHONE = range(6)
TRIGGERS = (
    _WORTH_PATTERN,
    r"(?i:ssn|social.?security|ss#|taxpayer|sozialversicherung)",
    r"[0-9] ?/ ?[0-9]",
    r"[0-9]\.0[0-9]",
    _SPELLED_IBAN_PATTERN,
    _ODD_PHONE_PATTERN,
)
_WORTH_AT = re.compile(_WORTH_PATTERN, re.ASCII)  # where they are, in the text


# --------------------------------------------------------------------------- chains


def _all_chains(text: str) -> Iterator[tuple[int, int]]:
    for m in _CHAIN.finditer(text):
        yield m.span()


def _worth_chains(text: str) -> Iterator[tuple[int, int]]:
    """The chains that hold what the run reader has not read (`_WORTH_AT`), each with the
    chains up to `_BACK` characters before it (a chain read from there on)."""
    pos = 0
    for hit in _WORTH_AT.finditer(text):
        h = hit.start()
        if h < pos:
            continue
        lo = max(pos, h - _BACK)
        while lo > pos and text[lo - 1].isdigit():
            lo -= 1  # from the start of a group
        for m in _CHAIN.finditer(text, lo):
            pos = m.end()
            yield m.span()
            if pos > h:
                break


_BACK = 128  # characters: more than a card's groups and separators take


def _chain(text: str, start: int, end: int, card: bool, low: str | None) -> list[Candidate]:
    """Cards and SSNs in the chain of digit groups text[start:end]."""
    out: list[Candidate] = []
    if card:
        for m in _LONG_GROUP.finditer(text, start, end):
            s, e = m.span()
            if e - s <= _LONGEST and not _glued(text, s, e):
                out += _long_group(text, s, e, low)
        # (single digits: read whole, up to 19 of them)
        if _ODD_GAP.search(text, start, end) and (
            end - start <= 40 or _THREE.search(text, start, end)
        ):
            out += _separated_cards(text, [m.span() for m in _GROUP.finditer(text, start, end)])
    words = CONTEXT["US_SSN"].positive
    if low is not None and words is not None and _ssn_word(low, words, start):
        tight = (
            words.near(low, start - _NEAR_BEFORE, start)
            or _SSN_GLUED.search(low, max(0, start - _NEAR_BEFORE - 16), start) is not None
        )
        groups = [m.span() for m in _GROUP.finditer(text, start, end)]
        out += _anchored_ssns(text, groups, _SSN_GAP_NEAR if tight else _SSN_GAP)
    return out


def _glued(text: str, s: int, e: int) -> bool:
    return (s > 0 and text[s - 1].isalpha()) or (e < len(text) and text[e].isalpha())


def _separated_cards(text: str, groups: list[tuple[int, int]]) -> list[Candidate]:
    """Cards whose groups are joined by what the run reader does not take as a separator
    (a comma, a quote, a tag, ``|``, a run of five spaces...): each window of groups of
    three digits or more, of one size (the last may be shorter) or a card's own layout
    (4-6-5, 4-6-4), 12 to 19 digits, with one such separator in it; and a chain of single
    digits joined by one separator throughout (``4|1|1|1...``), read whole."""
    n = len(groups)
    gaps = [text[groups[k][1] : groups[k + 1][0]] for k in range(n - 1)]
    odd = [_COMMON.fullmatch(g) is None for g in gaps]
    if not any(odd):
        return []  # the run reader has read it
    lens = [e - s for s, e in groups]
    # the first and the last group of the stretch of groups of one size, joined by one
    # separator, that each group is in
    first = list(range(n))
    for k in range(1, n):
        if lens[k] == lens[k - 1] and (k < 2 or gaps[k - 1] == gaps[k - 2]):
            first[k] = first[k - 1]
    last = list(range(n))
    for k in range(n - 2, -1, -1):
        if first[k + 1] == first[k]:
            last[k] = last[k + 1]
    out: list[Candidate] = []
    for i in range(n):
        if lens[i] < 3 or last[i] - first[i] >= 18:
            continue  # (in a list of more than 18 numbers of one size: no card, below)
        size = lens[i]
        any_odd = False
        for j in range(i + 1, min(n, i + 7)):
            any_odd = any_odd or odd[j - 1]
            if lens[j] < 3:
                break
            size += lens[j]
            if size > 19:
                break
            shape = lens[i : j + 1]
            even = all(x == lens[i] for x in shape[:-1]) and shape[-1] <= lens[i]
            if size < 12 or not any_odd or not (even or shape in ([4, 6, 5], [4, 6, 4])):
                continue
            if even and not _bounded(lens, gaps, i, j):
                # a stretch of a longer list of numbers of one size: read only as cards
                # side by side, filling a list of up to three of them from its start, or
                # a card in fours with a number on either side
                a, b, w = first[i], last[j], j - i + 1
                side = (b - a + 1) % w == 0 and (i - a) % w == 0 and b - a + 1 <= 3 * w
                if first[j] != a or not (side or (lens[i] == 4 and b - a + 1 <= w + 2)):
                    continue
            digits = "".join(text[s:e] for s, e in groups[i : j + 1])
            score = card_score(digits)
            if score is not None and score >= 0.45:
                shaped = canonical(digits, shape) and _bounded(lens, gaps, i, j)
                if shaped or card_word_near(text, groups[i][0], groups[j][1]):
                    out.append(("CREDIT_CARD", groups[i][0], groups[j][1], score))
    if 12 <= sum(lens) <= 19 and ((len(set(gaps)) == 1 and odd[0]) or max(lens) <= 4):
        digits = "".join(text[s:e] for s, e in groups)
        score = card_score(digits)
        if (
            score is not None
            and score >= 0.85
            and card_word_near(text, groups[0][0], groups[-1][1])
        ):
            out.append(("CREDIT_CARD", groups[0][0], groups[-1][1], score))
    return out


def _bounded(lens: list[int], gaps: list[str], i: int, j: int) -> bool:
    """Whether groups i..j (of one size) stand apart from the groups beside them: each
    neighbour has another size, or another separator when one joins all of i..j."""
    inner = set(gaps[i:j])
    one = gaps[i] if len(inner) == 1 else None
    size = lens[i]
    left = i == 0 or lens[i - 1] != size or (one is not None and gaps[i - 1] != one)
    right = j == len(lens) - 1 or lens[j + 1] != lens[j] or (one is not None and gaps[j] != one)
    return left and right


def _long_group(text: str, s: int, e: int, low: str | None) -> list[Candidate]:
    """A card (and an SSN, with an SSN word near) inside one long group of digits that
    fails as a whole: at its start after leading zeros, followed by an expiry, a CVV or
    a second card (`_card_prefix`); at its end after zeros or up to three digits."""
    digits = text[s:e]
    n = len(digits)
    whole = card_score(digits) if 12 <= n <= 19 else None
    if whole is not None and whole >= 0.45:
        return []  # a card as a whole: the run reader's
    out: list[Candidate] = []
    z = len(digits) - len(digits.lstrip("0"))
    head = _card_prefix(digits, z)
    if head is not None:
        w, score = head
        out.append(("CREDIT_CARD", s + z, s + z + w, score))
        rest = digits[z + w :]
        if len(rest) >= 12:
            tail = _card_prefix(rest, 0, whole=True)
            if tail is not None:
                out.append(("CREDIT_CARD", e - len(rest), e, tail[1]))
    else:
        for w in range(min(19, n), 11, -1):
            if digits[n - w] not in _ISSUER_FIRST:
                continue
            prefix = digits[: n - w]
            if len(prefix) > 3 and prefix.strip("0"):
                continue
            end_score = card_score(digits[n - w :])
            if end_score is not None and end_score >= 0.85:
                out.append(("CREDIT_CARD", e - w, e, end_score))
                break
    if low is not None and n <= 13:
        for a in (0, n - 9):  # an SSN word decides (the context raises a bare SSN's 0.3)
            if ssn_valid(digits[a : a + 9]):
                out.append(("US_SSN", s + a, s + a + 9, 0.3))
    return out


_ISSUER_FIRST = frozenset("23456")  # what a card `card_score` is sure of starts with


def _card_prefix(digits: str, z: int, whole: bool = False) -> tuple[int, float] | None:
    """The longest card that starts at digit `z` and leaves after it at most four digits
    (a CVV, an expiry), an expiry and a CVV (``MMYY`` and three or four digits) or a
    second card (`whole`: the card must end where the digits do)."""
    n = len(digits)
    if digits[z : z + 1] not in _ISSUER_FIRST:
        return None
    for w in range(min(19, n - z), 11, -1):
        rest = n - z - w
        if whole and rest:
            continue
        score = card_score(digits[z : z + w])
        if score is None or score < 0.85:
            continue  # an issuer's own length and prefix: cut from a longer number
        after = digits[z + w :]
        if (
            rest <= 4
            or (rest in (7, 8) and "01" <= after[:2] <= "12")
            or (12 <= rest <= 19 and card_score(after) is not None)
        ):
            return w, score
    return None


def _ssn_word(low: str, words: Words, start: int) -> bool:
    """An SSN word up to `_WINDOW_BEFORE` characters before `start`, also glued."""
    lo = start - _WINDOW_BEFORE
    return words.near(low, lo, start) or _SSN_GLUED.search(low, max(0, lo), start) is not None


def _anchored_ssns(
    text: str, groups: list[tuple[int, int]], gap: re.Pattern[str] = _SSN_GAP
) -> list[Candidate]:
    """After an SSN word: nine digits in any grouping through the common separators (the
    word raises the bare score of 0.3 past the threshold), each of a list."""
    out: list[Candidate] = []
    n = len(groups)
    for i in range(n):
        size = 0
        for j in range(i, min(n, i + 9)):
            if j > i and gap.fullmatch(text, groups[j - 1][1], groups[j][0]) is None:
                break
            size += groups[j][1] - groups[j][0]
            if size >= 9:
                if size == 9:
                    digits = "".join(text[s:e] for s, e in groups[i : j + 1])
                    if ssn_valid(digits):
                        out.append(("US_SSN", groups[i][0], groups[j][1], 0.5))
                break
    return out


# --------------------------------------------------------------------------- IBAN

_IBAN_HEAD = re.compile(r"[A-Za-z]{2}[0-9]{2}")
_IBAN_ODD = {
    n: re.compile(rf"(?:[^A-Za-z0-9]{{0,32}}[A-Za-z0-9]){{{n}}}")
    for n in sorted({length - 4 for length in IBAN_LENGTHS.values()})
}
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_IBAN_SEP = re.compile(r"[ \t\r\n./_-]{0,4}")


def _ibans(text: str, heads: list[int]) -> Iterator[Candidate]:
    """IBANs written in groups of four through separators the run reader does not take
    (``DE89|3704|0044|...``, ``DE89,3704,...``), from each of `heads` (two letters, then
    digits): mod 97 decides."""
    for head in heads:
        m = _IBAN_HEAD.match(text, head)
        if m is None or (head > 0 and text[head - 1].isalnum()):
            continue
        want = IBAN_LENGTHS.get(m.group()[:2].upper())
        if want is None or _ODD_GAP.search(text, m.end(), m.end() + 33 * want) is None:
            continue  # (only the run reader's separators near: `iban_at` reads it)
        body = _IBAN_ODD[want - 4].match(text, m.end())
        if body is None:
            continue
        value = body.group()
        if not compact_iban_valid((m.group() + _NOT_ALNUM.sub("", value)).upper()):
            continue
        end = body.end()
        seps = _NOT_ALNUM.findall(value)
        if all(_IBAN_SEP.fullmatch(g) for g in seps) or (end < len(text) and text[end].isalnum()):
            continue  # only the run reader's separators (`iban_at` reads it), or in a word
        # in groups of four: each separator after a multiple of four characters
        count, pos = 4, m.end()
        for x in _NOT_ALNUM.finditer(text, m.end(), end):
            count += x.start() - pos
            pos = x.end()
            if count % 4:
                break
        else:
            yield "IBAN_CODE", m.start(), end, 1.0


_SPELLED_IBAN_AT = re.compile(_SPELLED_IBAN_PATTERN)


def _spelled_ibans(text: str) -> Iterator[Candidate]:
    """IBANs written one character at a time, one separator between every two of them
    (``d e 8 9 3 7 0 4 ...``, ``D-E-8-9-...``): mod 97 decides."""
    for m in _SPELLED_IBAN_AT.finditer(text):
        start = m.start()
        if start > 0 and text[start - 1].isalnum():
            continue
        want = IBAN_LENGTHS.get((text[start] + m.group()[len(m.group(1)) + 1]).upper())
        if want is None:
            continue
        sep = re.escape(m.group(1))
        body = re.compile(rf"(?:{sep}[A-Za-z0-9]){{{want - 1}}}").match(text, start + 1)
        if body is None or (body.end() < len(text) and text[body.end()].isalnum()):
            continue
        compact = (text[start] + body.group()).replace(m.group(1), "").upper()
        if compact_iban_valid(compact):
            yield "IBAN_CODE", start, body.end(), 1.0


# --------------------------------------------------------------------------- phones, IPs

_SLASHED = re.compile(  # (led by a character class: the scan skips at C speed)
    r"(?:\+(?P<cc>[0-9]{1,3})|(?P<trunk>0[0-9]{1,4}))"
    r"(?P<rest>(?:[ ]?/[ ]?[0-9]{2,8}){1,4})(?![\w/]|[.,][0-9])"
)


def _slashed_phones(text: str) -> Iterator[Candidate]:
    """Phone numbers with slashes between their groups: international (``+44/20/7946/0958``)
    or an area code with its trunk 0 and one slash (``030/12345678``): never a date."""
    for m in _SLASHED.finditer(text):
        if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_/+."):
            continue
        rest = m.group("rest")
        digits = sum(c.isdigit() for c in rest)
        cc = m.group("cc")
        if cc is not None:
            code_ok = cc[:1] in COUNTRY_CODES or cc[:2] in COUNTRY_CODES or cc in COUNTRY_CODES
            if code_ok and 8 <= digits + len(cc) <= 15:
                yield "PHONE_NUMBER", m.start(), m.end(), 0.75
        elif rest.count("/") == 1 and digits >= 5 and 9 <= digits + len(m.group("trunk")) <= 12:
            yield "PHONE_NUMBER", m.start(), m.end(), 0.5


_ODD_PHONE_AT = re.compile(  # "+44 | 20 | 7946 | 0958", "+44·20·7946·0958"
    r"\+(?P<cc>[0-9]{1,3})(?P<rest>(?:[ ]{0,2}[^\w\s+()./\-][ ]{0,2}[0-9]{1,8}){1,6})"
    r"(?![\w]|[.,][0-9])"
)


def _odd_phones(text: str) -> Iterator[Candidate]:
    """International numbers (a ``+`` and a country code) with one punctuation character
    other than the run reader's between their groups: ``|``, ``·``, ``•``, ``:``..."""
    for m in _ODD_PHONE_AT.finditer(text):
        if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_/+."):
            continue
        cc = m.group("cc")
        groups = _GROUP.findall(m.group("rest"))
        digits = sum(map(len, groups))
        code_ok = cc[:1] in COUNTRY_CODES or cc[:2] in COUNTRY_CODES or cc in COUNTRY_CODES
        # (fewer digits, or a group of one: a table's signed numbers)
        size = digits + len(cc)
        if code_ok and len(groups) >= 2 and min(map(len, groups)) >= 2 and 10 <= size <= 15:
            yield "PHONE_NUMBER", m.start(), m.end(), 0.75


_PADDED_IPV4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?![\w]|\.[0-9])")


def _padded_ipv4(text: str) -> Iterator[Candidate]:
    """Dotted quads with zero-padded octets (``192.168.001.001``): each octet up to 255."""
    for m in _PADDED_IPV4.finditer(text):
        if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_."):
            continue
        octets = m.group().split(".")
        padded = any(len(o) > 1 and o[0] == "0" for o in octets)
        if padded and all(int(o) <= 255 for o in octets):
            yield "IP_ADDRESS", m.start(), m.end(), 0.75


# --------------------------------------------------------------------------- not phones

_HOUR = r"(?:[01]?[0-9]|2[0-4])"
_TIME = (
    r"(?:(?:[01]?[0-9]|2[0-4])(?:[ :.h_-][0-5][0-9]){1,2}(?:[.,][0-9]{1,6})?"
    r"|(?:[01][0-9]|2[0-4])[0-5][0-9](?:[0-5][0-9])?)"
)
_D = r"(?:0?[1-9]|[12][0-9]|3[01])"
_M = r"(?:0?[1-9]|1[0-2])"
_Y = r"(?:19|20)[0-9]{2}"
_MON = r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?"
_SEP = r"[ ]?[-/._ ][ ]?"
_DAY = (
    rf"(?:\(?{_Y}\)?{_SEP}{_M}{_SEP}{_D}"  # year first: "2000 04 16", "(2000) 04-16"
    rf"|\(?{_D}\)?{_SEP}{_D}{_SEP}{_Y}"  # day or month first: "16 04 2000", "04 16 2000"
    rf"|{_D}[ ]{_MON}[ ]{_Y}|{_MON}[ ]{_D},?[ ]{_Y})"  # "16 Apr 2000", "Apr 16, 2000"
)
_SPACED_DATE = re.compile(
    rf"(?<![0-9])(?:{_DAY}(?:(?:[ T_-]{{1,2}}|,[ ]?|[ ]at[ ]){_TIME})?|{_TIME}[ ,]{{1,2}}{_DAY})"
    r"(?![0-9])"
)
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")
_CODE = re.compile(r"[1-9][0-9]{3}\.[0-9]{2}(?:\.[0-9]{2,4}){1,2}")  # "8471.30.0100"


def _not_phone(text: str, c: Candidate) -> bool:
    """Whether a phone reading is a date (with its time) or a dotted tariff code."""
    _, s, e, _ = c
    value = text[s:e]
    if _CODE.fullmatch(value):
        return True
    lo = max(0, s - 24)  # the date may start before the reading (a year, a month name)
    hi = min(len(text), e + 24)
    if _YEAR.search(text, lo, hi) is None:
        return False  # every date read here has a year of four digits
    dates = _SPACED_DATE.finditer(text, lo, hi)
    return any(m.start() <= s + 1 and m.end() >= e - 1 for m in dates)
