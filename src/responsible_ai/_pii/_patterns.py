"""Built-in detectors of structured identifiers and secrets.

Each rule is a regex plus a validator (checksum, range rules) and context words that
raise or lower its score, as Presidio's pattern recognizers do. Speed comes from gates:
a rule only runs when the text contains what every match of it must contain (an ``@``,
a digit, a ``://``, a key prefix), checked with C-speed substring tests, so a 1 KB text
with no PII costs a handful of scans.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import re2

from .._entities import BUILTIN_ENTITIES
from ._context import CONTEXT, DOB_STEMS, NO_CONTEXT, WINDOW_BEFORE
from ._country_codes import COUNTRY_CODES
from ._findings import Finding
from ._normalize import lowered
from ._validators import (
    IBAN_LENGTHS,
    compact_iban_valid,
    digits_of,
    ipv6_valid,
    jwt_valid,
    luhn_valid,
    ssn_valid,
)

__all__ = ["BUILTIN_ENTITIES", "PEM_FOOT", "PEM_HEAD", "BuiltinDetector", "PatternRule"]

Check = Callable[[str], float | None]


@dataclass(frozen=True, slots=True)
class PatternRule:
    """A rule gated by literal substrings: a regex whose `check(value)` returns the base
    score (None rejects the match), or a `finder` that yields spans itself."""

    entity_type: str
    pattern: re.Pattern[str] | None
    score: float
    gate: tuple[str, ...] = ()  # substrings, one of which every match contains
    check: Check | None = None
    group: int = 0
    finder: Callable[[str], Iterator[tuple[int, int]]] | None = None  # instead of `pattern`


# --------------------------------------------------------------------------- checks

_DATE_LIKE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")


def _phone(value: str) -> float | None:
    if ":" in value or "/" in value:
        return None  # times, dates, fractions
    digits = sum(map(str.isdigit, value.split("x")[0].split("ext")[0]))
    if _DATE_LIKE.match(value.strip()):
        return None
    if value.startswith("+"):
        d = "".join(filter(str.isdigit, value[1:4]))
        if not (d[:1] in COUNTRY_CODES or d[:2] in COUNTRY_CODES or d[:3] in COUNTRY_CODES):
            return None
        return 0.75 if 8 <= digits <= 15 else None
    if value.startswith("00") and 10 <= digits <= 15:
        return 0.6
    if not 7 <= digits <= 12:
        return None
    formatted = any(c in value for c in " -.()")
    if "." in value and "(" not in value and value.count(".") != 2:
        return None  # 1.2.3.4 style: versions, IPs
    if formatted:
        return 0.6 if value.lstrip("(").startswith("0") or "(" in value or digits == 10 else 0.45
    if value.startswith("0") and digits >= 9:
        return 0.5  # a national number with its trunk prefix
    return 0.15  # other bare digits: a phone only with phone context


def _card(value: str) -> float | None:
    digits = digits_of(value)
    if not 12 <= len(digits) <= 19 or not luhn_valid(digits):
        return None
    if len(set(digits)) == 1:
        return None  # 0000 0000 0000 0000
    known_iin = digits[0] in "3456" or digits[:2] in ("22", "23", "24", "25", "26", "27")
    if not known_iin:
        return 0.3
    return 0.85 if len(digits) >= 15 else 0.45


def _ssn(value: str) -> float | None:
    if not ssn_valid(value):
        return None
    return 0.85 if ("-" in value or " " in value) else 0.3


def _valid(check: Callable[[str], bool], score: float) -> Check:
    return lambda value: score if check(value) else None


_IPV6_GATE = ("::", ":")

# Literal-gated rules: each runs only when the text contains one of its gates.
RULES: tuple[PatternRule, ...] = (
    PatternRule(
        "EMAIL_ADDRESS",
        None,  # see _emails: found from each "@", not scanned for
        1.0,
        gate=("@",),
        finder=lambda text: _emails(text),
    ),
    PatternRule(
        "URL",
        re.compile(r"(?i)\b(?:https?://|ftp://|www\.)[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]}]"),
        0.6,
        gate=("://", "www.", "WWW."),
    ),
    PatternRule(
        "IP_ADDRESS",
        re.compile(r"[0-9A-Fa-f:][0-9A-Fa-f]{0,3}:[0-9A-Fa-f:]{2,37}"),
        0.8,
        gate=_IPV6_GATE,
        check=_valid(ipv6_valid, 0.8),
    ),
    PatternRule(
        "API_KEY",
        re.compile(
            r"\b(?:sk-(?:ant-(?:api|admin)\d{2}-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"
            r"|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"
            r"|(?:AKIA|ASIA)[0-9A-Z]{16}"
            r"|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}"
            r"|xox[baprs]-[A-Za-z0-9-]{10,}"
            r"|AIza[0-9A-Za-z_-]{35}"
            r"|glpat-[A-Za-z0-9_-]{20,}"
            r"|hf_[A-Za-z0-9]{30,})"
        ),
        1.0,
        gate=(
            "sk-",
            "sk_",
            "rk_",
            "AKIA",
            "ASIA",
            "ghp_",
            "gho_",
            "ghu_",
            "ghs_",
            "ghr_",
            "github_pat_",
            "xox",
            "AIza",
            "glpat-",
            "hf_",
        ),
    ),
    PatternRule(
        "JWT",
        # RE2: from every "eyJ" in a long base64url run, a backtracking {8,} scans to the
        # run's end (quadratic in "eyJ-eyJ-eyJ-...")
        re2.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"),
        1.0,
        gate=("eyJ",),
        check=_valid(jwt_valid, 1.0),
    ),
    PatternRule(
        "PRIVATE_KEY",
        None,  # see _pem_blocks
        1.0,
        gate=("-----BEGIN",),
        finder=lambda text: _pem_blocks(text),
    ),
    PatternRule(
        "BEARER_TOKEN",
        re.compile(r"(?i:\bbearer)\s+([A-Za-z0-9._~+/-]*[A-Za-z0-9_~+/-]=*)"),
        1.0,
        gate=("earer", "EARER"),
        group=1,
        check=lambda v: 1.0 if len(v) >= 16 else None,
    ),
    PatternRule(
        "PASSWORD",
        re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@]{1,128}:([^\s@/]{1,256})@"),
        1.0,
        gate=("://",),
        group=1,
    ),
    PatternRule(
        "PASSWORD",
        re.compile(r"(?i)\b(?:password|passwd|pwd)\s*[=:]\s*([^\s;'\",]{4,128})"),
        1.0,
        gate=("assw", "ASSW", "pwd", "PWD", "Pwd"),
        group=1,
    ),
)

# Numbers: one scan finds every run of 4+ digits (with separators); each run is then
# classified (IP, date, SSN, card, phone, IBAN) by small anchored checks.
DIGIT_ENTITIES = (
    "IBAN_CODE",
    "CREDIT_CARD",
    "US_SSN",
    "IP_ADDRESS",
    "PHONE_NUMBER",
    "DATE_OF_BIRTH",
)
_DROP_SEPARATORS = str.maketrans("", "", " ().:/-")
_RUN = re.compile(r"\d(?:[ ().:/-]{0,2}\d){3,}")
_IPV4 = re.compile(
    r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}([./-])\d{1,2}\1(?:\d{4}|\d{2})|\d{4}/\d{2}/\d{2}")
_SSN = re.compile(r"\d{3}([- ]?)\d{2}\1\d{4}")
_CARD = re.compile(r"\d{4}([ -]?)\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -]?)\d{6}\2\d{4,5}|\d{12,19}")
# digits in groups of any size (a dropped zero-width character or surrogate can join two
# groups of a card number: "4111\u200b1111 1111 1111"); the card's Luhn check decides
_GROUPS = re.compile(r"\d{4,}(?:[ -]\d{4,})*")
_EXT = re.compile(r"\s?(?:x|ext\.?|extension)\s?\d{1,6}\b", re.IGNORECASE)
_IBAN_BACK = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){0,30}[ ]?$")
_IBAN = re.compile(r"[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){8,30}")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-zé]*\.?"
_MONTH_BEFORE_YEAR = re.compile(
    rf"(?i)(?:\b\d{{1,2}}(?:st|nd|rd|th)?\.?\s{_MONTH}|\b{_MONTH}\s\d{{1,2}}(?:st|nd|rd|th)?,?)\s$"
)


_LOCAL_PART = re.compile(r"[\w.%+-]{1,64}")
_DOMAIN = re.compile(r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,24}(?![\w-])")


def _emails(text: str) -> Iterator[tuple[int, int]]:
    """Email addresses, found from each "@" (a C-speed find) with two small anchored
    matches, instead of a scan that tries every position of the text."""
    at = text.find("@")
    while at != -1:
        # the local part: the longest run of its characters (at most 64) that ends at the
        # "@", matched forwards on the reversed window (a search would try every start)
        local = _LOCAL_PART.match(text[max(0, at - 64) : at][::-1])
        domain = _DOMAIN.match(text, at + 1)
        if local is not None and domain is not None:
            start = at - local.end()
            while start < at and not text[start].isalnum() and text[start] != "_":
                start += 1  # an address starts with a letter, digit or underscore
            before = text[max(0, start - 1) : start]
            lo = max(0, start - _AUTHORITY_BACK)  # bounded: linear with no whitespace
            authority = text.find("://", max(lo, text.rfind(" ", lo, start)), start) != -1
            if (
                start < at
                and not (before and (before.isalnum() or before in "._%+-"))
                and not authority
            ):
                yield start, domain.end()
        at = text.find("@", (domain.end() if domain is not None else at + 1))


_IBAN_HINT = re.compile(r"[A-Z]{2}\d{2}")
_AUTHORITY_BACK = 160  # characters before an address where "scheme://" makes it userinfo

PEM_HEAD = re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")
PEM_FOOT = re.compile(r"-----END (?:[A-Z]+ )?PRIVATE KEY-----")
_PEM_BODY = re.compile(r"[A-Za-z0-9+/=\s:,.-]*")
PEM_MAX_BODY = 16384


def _pem_blocks(text: str) -> Iterator[tuple[int, int]]:
    """PEM private-key blocks, found with C-speed `find`: linear even for text made of
    nothing but BEGIN lines (the next END is looked up once, not once per BEGIN)."""
    pos = 0
    next_end = -2
    while True:
        begin = text.find("-----BEGIN", pos)
        if begin == -1:
            return
        head = PEM_HEAD.match(text, begin)
        if head is None:
            pos = begin + 10
            continue
        if next_end != -1 and next_end < head.end():
            next_end = text.find("-----END", head.end())
        if next_end == -1:
            return  # no END anywhere after: no block can close
        foot = PEM_FOOT.match(text, next_end)
        body_ok = next_end - head.end() <= PEM_MAX_BODY and (
            _PEM_BODY.fullmatch(text, head.end(), next_end) is not None
        )
        if foot is not None and body_ok:
            yield begin, foot.end()
            pos = foot.end()
        else:
            pos = head.end()


def _balanced(value: str) -> int:
    """Length of `value` up to an opening parenthesis that is never closed in it:
    "0161 496 0000 (24/7" -> "0161 496 0000"."""
    depth_at: list[int] = []
    for i, c in enumerate(value):
        if c == "(":
            depth_at.append(i)
        elif c == ")" and depth_at:
            depth_at.pop()
    if not depth_at:
        return len(value)
    return len(value[: depth_at[0]].rstrip(" .-/:"))


def _classify(text: str, start: int, end: int) -> Iterator[tuple[str, int, int, float]]:
    """What a run of digits text[start:end] may be: (entity, start, end, base score)."""
    value = text[start:end]
    digits = sum(map(str.isdigit, value))
    if _IPV4.fullmatch(value):
        yield "IP_ADDRESS", start, end, 0.75
        return
    if _DATE.fullmatch(value):
        yield "DATE_OF_BIRTH", start, end, 0.3
        return
    if digits == 4 and value.isdigit():
        m = _MONTH_BEFORE_YEAR.search(text, max(0, start - 24), start)
        if m is not None:
            yield "DATE_OF_BIRTH", m.start(), end, 0.3
        return
    if _SSN.fullmatch(value):
        score = _ssn(value)
        if score is not None:
            yield "US_SSN", start, end, score
    if 12 <= digits <= 19 and (_CARD.fullmatch(value) or _GROUPS.fullmatch(value)):
        score = _card(value)
        if score is not None:
            yield "CREDIT_CARD", start, end, score
    # phones: a leading + or ( and a trailing extension belong to the number
    p_start, p_end = start, end
    if p_start > 0 and text[p_start - 1] in "+(":
        p_start -= 1
        if text[p_start] == "(" and p_start > 0 and text[p_start - 1] == "+":
            p_start -= 1
    ext = _EXT.match(text, p_end)
    if ext is not None:
        p_end = ext.end()
    score = _phone(text[p_start:p_end])
    if score is not None:
        yield "PHONE_NUMBER", p_start, p_end, score


_GROUP = re.compile(r"\d+")
_EDGE_ENTITIES = frozenset({"CREDIT_CARD", "PHONE_NUMBER", "US_SSN"})


def _at_the_edges(text: str, start: int, end: int) -> list[tuple[str, int, int, float]]:
    """A run that is no identifier as a whole may be one with a stray group of digits
    before or after it ("card 4012 8888 8888 1881 0"): try it without up to two groups
    at either end (at most eight tries, so still linear). Only checksummed or strongly
    shaped types (card, phone, SSN) are taken from such a part."""
    groups = [m.span() for m in _GROUP.finditer(text, start, end)]
    n = len(groups)
    best: list[tuple[str, int, int, float]] = []
    for head in range(3):
        for tail in range(n - 1, n - 4, -1):
            if (head, tail) == (0, n - 1) or tail - head < 1:
                continue
            s, e = groups[head][0], groups[tail][1]
            for f in _classify(text, s, e):
                if f[0] in _EDGE_ENTITIES and (not best or f[3] > best[0][3]):
                    best = [f]
    return best


def _iban_at(text: str, start: int) -> tuple[int, int] | None:
    if _IBAN_HINT.search(text, max(0, start - 34), start + 2) is None:
        return None  # no "CCdd" country code and check digits nearby: not an IBAN
    back = _IBAN_BACK.search(text, max(0, start - 34), start)
    begin = back.start() if back is not None else start - 2
    if begin < 0 or not text[begin : begin + 2].isupper():
        return None
    m = _IBAN.match(text, begin)
    if m is None:
        return None
    length = _trim_iban(m.group())
    return (begin, begin + length) if length is not None else None


class BuiltinDetector:
    """Runs the built-in rules (or a subset of entity types) over a text."""

    name = "builtin"

    def __init__(self, entities: Sequence[str] | None = None) -> None:
        wanted = set(BUILTIN_ENTITIES if entities is None else entities)
        self.rules = tuple(r for r in RULES if r.entity_type in wanted)
        self.digits = frozenset(e for e in DIGIT_ENTITIES if e in wanted)
        self.entities = tuple(e for e in BUILTIN_ENTITIES if e in wanted)
        # One pass of an RE2 set (a DFA of every rule's literal gates) says which rules'
        # gates the text holds; most texts hold none. The gates are ASCII, so the UTF-8
        # bytes hold one exactly where the text does. (A regex search, or an Aho-Corasick
        # pass, per gate or for all of them, costs two to four times as much.)
        self._gated = tuple(r for r in self.rules if r.gate and r.gate != _IPV6_GATE)
        self._ipv6 = tuple(r for r in self.rules if r.gate == _IPV6_GATE)
        self._gate_set: re2.Set | None = None
        if self._gated:
            self._gate_set = re2.Set.SearchSet()
            for rule in self._gated:
                # a rule that matches any case ("BEarer", "PassWord=") is gated in any case
                fold = rule.pattern is not None and "(?i" in rule.pattern.pattern
                gate = "|".join(map(re.escape, rule.gate))
                self._gate_set.Add((f"(?i:{gate})" if fold else gate).encode())
            self._gate_set.Compile()

    def detect(self, text: str) -> Iterator[Finding]:
        has_digit = any(d in text for d in "0123456789")
        hits = None
        if self._gate_set is not None:
            hits = self._gate_set.Match(text.encode("utf-8", "surrogatepass"))
        if hits is None and not has_digit:
            return  # no literal gate and no digit (IPv6 needs digits too): nothing can match
        rules = [self._gated[i] for i in sorted(hits)] if hits is not None else []
        if self._ipv6 and has_digit and ":" in text:
            rules += self._ipv6
        for rule in rules:
            if rule.finder is not None:
                for start, end in rule.finder(text):
                    yield Finding(rule.entity_type, start, end, rule.score, "builtin")
                continue
            assert rule.pattern is not None
            for m in rule.pattern.finditer(text):
                start, end = m.span(rule.group)
                score = rule.check(m.group(rule.group)) if rule.check else rule.score
                if score is not None:
                    yield Finding(rule.entity_type, start, end, score, "builtin")
        if self.digits and has_digit:
            yield from self._numbers(text, None)

    def _numbers(self, text: str, low: str | None) -> Iterator[Finding]:
        wanted = self.digits
        iban = "IBAN_CODE" in wanted
        dob = "DATE_OF_BIRTH" in wanted
        dob_words = CONTEXT["DATE_OF_BIRTH"].positive
        last_iban_end = -1
        dob_in_text: bool | None = None
        for m in _RUN.finditer(text):
            start, end = m.span()
            if start < last_iban_end:
                continue
            value = text[start:end]
            if "(" in value:
                end = start + _balanced(value)
                value = text[start:end]
            digits = len(value.translate(_DROP_SEPARATORS))
            if digits < 7 and value.isdigit():
                # a short bare number ("2026", "12345"): only the year of a birth date, and
                # only near a birth-date word, can make it PII
                if not dob or digits != 4 or dob_words is None:
                    continue
                if low is None:
                    low = lowered(text)
                if dob_in_text is None:  # substring tests: far cheaper than a regex scan
                    dob_in_text = any(w in low for w in DOB_STEMS)
                if not dob_in_text:
                    continue
                if not dob_words.near(low, start - WINDOW_BEFORE - 24, start):
                    continue
            elif digits < 7 and not ("." in value or "/" in value or "-" in value):
                continue  # "3 2026", "12 34": too short for any identifier or date
            if iban and start >= 2:
                span = _iban_at(text, start)
                if span is not None:
                    last_iban_end = span[1]
                    yield Finding("IBAN_CODE", span[0], span[1], 1.0, "builtin")
                    continue
            inside_word = (start > 0 and text[start - 1].isalpha()) or (
                end < len(text) and text[end].isalpha() and text[end] not in "xXe"
            )  # (an extension, "x123" or "ext. 123", may follow a phone number)
            if inside_word:  # digits inside a word: a hash, a code, not an identifier ...
                if digits < 13 or value.isdigit():
                    continue
                # ... unless the word only touches a stray group: "A0 4012 8888 8888 1881"
                found = [
                    f for f in _at_the_edges(text, start, end)
                    if not (f[1] == start and text[start - 1 : start].isalpha())
                    and not (f[2] == end and text[end : end + 1].isalpha())
                ]  # fmt: skip
            else:
                found = list(_classify(text, start, end))
            if (
                not inside_word
                and digits >= 12
                and not value.isdigit()
                and all(f[3] < 0.5 for f in found)
            ):
                found += _at_the_edges(text, start, end)  # overlaps: the stronger one wins
            for entity, s, e, score in found:
                if entity not in wanted:
                    continue
                if low is None:
                    low = lowered(text)
                score = CONTEXT.get(entity, NO_CONTEXT).score(low, s, e, score)
                yield Finding(entity, s, e, score, "builtin")


def _trim_iban(value: str) -> int | None:
    """The IBAN at the start of `value` (which may run on into the next word): its length."""
    want = IBAN_LENGTHS.get(value[:2])
    if want is None:
        return None
    end = want  # the shortest prefix of `value` holding `want` characters besides spaces
    while end <= len(value) and end - value.count(" ", 0, end) < want:
        end += 1
    if end > len(value):
        return None
    return end if compact_iban_valid(value[:end].replace(" ", "")) else None
