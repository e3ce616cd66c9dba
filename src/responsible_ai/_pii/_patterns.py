"""Built-in detectors of structured identifiers and secrets.

Each rule is a regex plus a validator (checksum, range rules) and context words that
raise or lower its score, as Presidio's pattern recognizers do. Speed comes from gates:
a rule only runs when the text contains what every match of it must contain (an ``@``,
a digit, a ``://``, a key prefix), checked with C-speed substring tests, so a 1 KB text
with no PII costs a handful of scans.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import re2

from .._entities import BUILTIN_ENTITIES
from ._context import CONTEXT, NO_CONTEXT, WINDOWS, ContextIndex
from ._dates import date_spans
from ._email_forms import LOOSE_EMAIL_GATES, loose_emails
from ._findings import Finding
from ._iban import iban_at
from ._network import ipv4_spans, ipv6_spans
from ._normalize import lowered
from ._numbers import read_run, runs
from ._separators import TRIGGERS, reread
from ._validators import jwt_valid

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


_HOST_END = re.compile(r"[/:?#]")
# the top-level domains a bare domain name is read with (a file name is not one: "main.py",
# "README.md", "node.js" end in none of them)
_DOMAIN_TLDS = ("com", "org", "net", "edu", "gov", "io", "co", "info", "biz", "app", "dev")


def _url(value: str) -> float | None:
    """A URL names a host: "www." then a domain with a dot, or a scheme and a host with
    a dot or something after it (``http://intranet/x``; never ``http://microsoft``)."""
    low = value.lower()
    if low.startswith("www."):
        host = _HOST_END.split(value[4:], 1)[0]
        return 0.6 if "." in host.strip(".") else None
    rest = value.split("://", 1)[-1]
    host = _HOST_END.split(rest, 1)[0]
    return 0.6 if "." in host or len(host) < len(rest) else None


def _valid(check: Callable[[str], bool], score: float) -> Check:
    return lambda value: score if check(value) else None


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
        "EMAIL_ADDRESS",  # spaced, with comments, spelled out: see _email_forms
        None,
        1.0,
        gate=LOOSE_EMAIL_GATES,
        finder=lambda text: loose_emails(text),
    ),
    PatternRule(
        "URL",
        re.compile(r"(?i)\b(?:https?://|ftp://|www\.)[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]}]"),
        0.6,
        gate=("://", "www.", "WWW."),
        check=lambda v: _url(v),
    ),
    PatternRule(
        "URL",  # a bare domain name: "microsoft.com", "google.co.il"
        re.compile(
            r"(?i)(?<![\w@./:-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
            rf"(?:{'|'.join(_DOMAIN_TLDS)})(?:\.[a-z]{{2}})?(?![\w@-]|\.[a-z0-9])"
        ),
        0.5,
        gate=tuple(f".{t}" for t in _DOMAIN_TLDS),
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

# Numbers: IP addresses, dates and IBANs found whole first, then every run of digits
# read as the identifiers it may hold (`_numbers`).
DIGIT_ENTITIES = (
    "IBAN_CODE",
    "CREDIT_CARD",
    "US_SSN",
    "IP_ADDRESS",
    "PHONE_NUMBER",
    "DATE_OF_BIRTH",
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-zé]*\.?"
_MONTH_NEAR = re.compile(r"(?i)jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
_DATE_PUNCT = re.compile(r"[-/.]")
_MONTH_BEFORE_YEAR = re.compile(
    rf"(?i)(?:\b\d{{1,2}}(?:st|nd|rd|th)?\.?\s{_MONTH}|\b{_MONTH}\s\d{{1,2}}(?:st|nd|rd|th)?,?)\s$"
)


_LOCAL_PART = re.compile(r"[\w.%+-]{1,64}")
_DOMAIN = re.compile(
    r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,24}|xn--[a-z0-9-]{2,59})(?![\w-])"
)
# the top-level domains an address written with spaces around its "@" must end in (any
# two-letter country code, or one of these): "jane @ roe.example", never "me @ team.lead"
_SPACED_TLDS = frozenset({
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "io", "co", "ai", "app",
    "dev", "email", "mail", "online", "site", "cloud", "example", "test", "invalid", "local",
})  # fmt: skip


def _emails(text: str) -> Iterator[tuple[int, int]]:
    """Email addresses, found from each "@" (a C-speed find) with small anchored matches
    (the domain first: most "@"s have none), instead of a scan that tries every position.
    Spaces around the "@" (``jane @ roe.example``) and a quoted local part
    (``"jane doe"@roe.example``) are read too."""
    at = text.find("@")
    while at != -1:
        after = at + 1
        while after < len(text) and after - at <= 2 and text[after] in " \t":
            after += 1
        domain = _DOMAIN.match(text, after)
        if domain is None:
            at = text.find("@", at + 1)
            continue
        end = at  # where the local part ends
        while end > 0 and at - end < 2 and text[end - 1] in " \t":
            end -= 1
        start = _local_start(text, end)
        if start is not None and (not (end < at or after > at + 1) or _spaced_ok(domain)):
            yield start, domain.end()
        at = text.find("@", domain.end())


def _spaced_ok(domain: re.Match[str]) -> bool:
    """Whether an address with spaces around its "@" may end in this domain."""
    tld = domain.group().rsplit(".", 1)[-1].lower()
    return len(tld) == 2 or tld in _SPACED_TLDS


def _local_start(text: str, end: int) -> int | None:
    """Where the local part that ends at `end` starts (None: there is none)."""
    if end > 0 and text[end - 1] == '"':  # a quoted local part, on one line
        quote = text.rfind('"', max(0, end - 66), end - 1)
        if quote != -1 and "\n" not in text[quote:end]:
            return quote
    # the longest run of a local part's characters (at most 64) that ends at `end`,
    # matched forwards on the reversed window (a search would try every start)
    local = _LOCAL_PART.match(text[max(0, end - 64) : end][::-1])
    if local is None:
        return None
    start = end - local.end()
    while start < end and not text[start].isalnum() and text[start] != "_":
        start += 1  # an address starts with a letter, digit or underscore
    before = text[max(0, start - 1) : start]
    lo = max(0, start - _AUTHORITY_BACK)  # bounded: linear with no whitespace
    authority = text.find("://", max(lo, text.rfind(" ", lo, start)), start) != -1
    if start == end or (before and (before.isalnum() or before in "._%+-")) or authority:
        return None
    return start


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
        self._gated = tuple(r for r in self.rules if r.gate)
        gates = []
        for rule in self._gated:
            # a rule that matches any case ("BEarer", "PassWord=") is gated in any case
            fold = rule.pattern is not None and "(?i" in rule.pattern.pattern
            gate = "|".join(map(re.escape, rule.gate))
            gates.append(f"(?i:{gate})" if fold else gate)
        self._gate_set = _search_set(gates) if gates else None
        # for a text with a digit, the same pass finds the triggers of the numbers'
        # second look (`_separators`) after the gates: one pass, not two
        self._digit_set = _search_set([*gates, *TRIGGERS]) if self.digits else None

    def detect(self, text: str) -> Iterator[Finding]:
        has_digit = any(d in text for d in "0123456789")
        hits: list[int] = []
        triggers: list[int] = []
        if has_digit and self._digit_set is not None:
            matched = self._digit_set.Match(text.encode("utf-8", "surrogatepass")) or ()
            gated = len(self._gated)
            hits = [i for i in matched if i < gated]
            triggers = [i - gated for i in matched if i >= gated]
        elif self._gate_set is not None:
            hits = self._gate_set.Match(text.encode("utf-8", "surrogatepass")) or []
        ipv6 = "IP_ADDRESS" in self.digits and text.count(":") >= 2
        if not hits and not has_digit and not ipv6:
            return  # no literal gate, no digit, no address: nothing can match
        rules = [self._gated[i] for i in sorted(hits)]
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
        if self.digits and (has_digit or ipv6):
            yield from self._numbers(text, has_digit, ipv6, triggers)

    def _numbers(
        self, text: str, has_digit: bool, ipv6: bool, triggers: list[int]
    ) -> Iterator[Finding]:
        """IP addresses, dates and IBANs found whole, then every run of digits read
        outside them. One pass over the runs: each run is checked for what may start or
        lie in it (a dotted quad, a date or time, an IBAN's check digits) with small
        anchored matches, then read as the identifiers it may hold."""
        wanted = self.digits
        found: list[tuple[str, int, int, float]] = []
        ip = "IP_ADDRESS" in wanted
        v6: list[tuple[int, int]] = []
        if ip and ipv6:
            v6 = list(ipv6_spans(text))
            found += [("IP_ADDRESS", s, e, 0.8) for s, e in v6]
        if not has_digit:
            yield from self._scored(text, found)
            return
        iban = "IBAN_CODE" in wanted
        dob = "DATE_OF_BIRTH" in wanted
        v6_starts = [s for s, _ in v6]
        claimed_to = 0  # a date-time claims the runs of its time after its own run
        for start, end in runs(text):
            taken: list[tuple[int, int]] = []
            if end <= claimed_to:
                continue
            if start < claimed_to:
                taken.append((start, claimed_to))
            if v6:
                i = bisect.bisect_right(v6_starts, end)
                taken += [(s, e) for s, e in v6[max(0, i - 2) : i] if s < end and e > start]
            after = text[end : end + 1]
            if ip and text.count(".", start, end) >= 3:
                for s, e in ipv4_spans(text, start, end):
                    found.append(("IP_ADDRESS", s, e, 0.75))
                    taken.append((s, e))
            if (
                after == ":" and text[end + 1 : end + 3].isdigit() and _may_tell(text, start, end)
            ) or (end - start >= 6 and _DATE_PUNCT.search(text, start, end)):
                # the dates that start in this run (a later one belongs to a later run)
                for s, date_end, e in date_spans(text, start, min(len(text), end + 40), end):
                    if date_end > s:
                        found.append(("DATE_OF_BIRTH", s, date_end, 0.3))
                    taken.append((s, e))
                    claimed_to = max(claimed_to, e)
            if iban and start >= 2 and text[start - 1].isalpha():
                span = iban_at(text, start)
                if span is not None:
                    found.append(("IBAN_CODE", span[0], span[1], 1.0))
                    taken.append(span)
                    claimed_to = max(claimed_to, span[1])
            if not taken:
                pieces = [(start, end)]
            else:  # a piece shorter than a year is nothing: its gap is not read
                pieces = list(_outside(text, start, end, taken, 4 if dob else 7))
            for s, e in pieces:
                if e - s < 7:  # fewer than seven digits: no identifier, perhaps a year
                    if dob and e - s == 4:
                        year = self._year(text, s, e)
                        if year is not None:
                            found.append(year)
                    continue
                whole, parts = read_run(text, s, e)
                found += whole
                found += parts
        found = reread(text, found, wanted, triggers)  # other spellings; dates, codes no phones
        yield from self._scored(text, found)

    def _year(self, text: str, start: int, end: int) -> tuple[str, int, int, float] | None:
        """A bare year after a day and a month ("12 March 1965"): a date (of birth, when
        a birth-date word is near)."""
        if not text[start:end].isdigit() or not _MONTH_NEAR.search(text, max(0, start - 24), start):
            return None
        m = _MONTH_BEFORE_YEAR.search(text, max(0, start - 24), start)
        return ("DATE_OF_BIRTH", m.start(), end, 0.3) if m is not None else None

    def _scored(self, text: str, found: list[tuple[str, int, int, float]]) -> Iterator[Finding]:
        wanted = self.digits
        low: str | None = None
        # so many matches that their windows would read more than the text: its context
        # words are found once, in one pass (the same scores, linear in the text)
        bulk = len(found) * WINDOWS > len(text)
        indexes: dict[str, ContextIndex] = {}
        for entity, s, e, score in found:
            if entity not in wanted:
                continue
            if entity != "IBAN_CODE":
                if low is None:
                    low = lowered(text)
                context = CONTEXT.get(entity, NO_CONTEXT)
                index = None
                if bulk:
                    index = indexes.get(entity)
                    if index is None:
                        index = indexes[entity] = context.index(low)
                score = context.score(low, s, e, score, index)
            yield Finding(entity, s, e, score, "builtin")


def _search_set(patterns: list[str]) -> re2.Set:
    """An RE2 set of `patterns`, searched for in a text's UTF-8 bytes (the gates are
    ASCII: the bytes hold one exactly where the text does)."""
    found = re2.Set.SearchSet()
    for pattern in patterns:
        found.Add(pattern.encode())
    found.Compile()
    return found


def _may_tell(text: str, start: int, end: int) -> bool:
    """Whether the run text[start:end], before a colon and a digit, may hold a date or
    a time its punctuation does not announce: a time's hour (its last group, of one or
    two digits, with no colon or dot before it: the pattern's look-behind) or a compact
    date (eight digits: ``20000416 11:34``, ``20000416113435:00``)."""
    first = end - 1  # the last group's first digit (three back at most)
    while first > start and end - first < 3 and text[first - 1].isdigit():
        first -= 1
    if end - first <= 2 and (first == 0 or text[first - 1] not in ":."):
        return True
    return _EIGHT_DIGITS.search(text, start, end) is not None


_EIGHT_DIGITS = re.compile(r"\d{8}")


def _outside(
    text: str, start: int, end: int, taken: list[tuple[int, int]], shortest: int = 1
) -> Iterator[tuple[int, int]]:
    """The runs of digits in text[start:end] outside the `taken` spans (those in a gap
    shorter than `shortest` characters are not looked for)."""
    pos = start
    for ts, te in sorted(taken):
        if min(ts, end) - pos >= shortest:
            yield from runs(text, pos, min(ts, end))
        if te > pos:
            pos = te
        if pos >= end:
            return
    if end - pos >= shortest:
        yield from runs(text, pos, end)
