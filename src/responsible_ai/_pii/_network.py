"""IP addresses, each found whole wherever it stands: IPv4 with its CIDR suffix
(``10.0.0.0/8``), beside any other number (``Server 1: 10.20.30.40``); IPv6 in every
form the standard allows — compressed, with an embedded IPv4 (``::ffff:192.0.2.1``,
``64:ff9b::198.51.100.1``: one address, redacted whole), with a zone (``fe80::1%eth0``)
and a prefix length (``2001:db8::/32``).

An IPv6 candidate is a maximal run of hex digits, colons and dots (one scan of a
character class: linear), valid by `ipaddress`'s rules (`ipv6_valid`); an address glued
to a word (``text2001:db8::1``) is not one, nor is the unspecified address ``::`` (it names no
host: ``std::cout``, ``a :: b``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["ipv4_spans", "ipv6_spans", "ipv6_valid"]

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(
    rf"(?<![\w.])(?:{_OCTET}\.){{3}}{_OCTET}(?:/(?:3[0-2]|[12]?\d)(?!\d))?(?![\w]|\.\d{{1,3}}\.)"
)
# from a colon (found with `str.find`, at C speed), the rest of its run of hex digits,
# colons and dots; the run's start is found backwards, at most an address long: linear
_FROM_COLON = re.compile(r":[0-9A-Fa-f:.]*")
_HEX = frozenset("0123456789abcdefABCDEF:.")
_ZONE = re.compile(r"%[0-9A-Za-z_.-]{1,32}")
_PREFIX = re.compile(r"/(?:12[0-8]|1[01]\d|[1-9]?\d)(?!\d)")
_MAX_ADDRESS = 45  # the longest IPv6 text form (with an embedded IPv4)


def ipv4_spans(text: str, lo: int = 0, hi: int | None = None) -> Iterator[tuple[int, int]]:
    """Dotted quads in text[lo:hi], with a CIDR suffix when one follows; not inside a word."""
    for m in _IPV4.finditer(text, lo, len(text) if hi is None else hi):
        yield m.span()


def ipv6_valid(token: str) -> bool:
    """Whether `ipaddress.IPv6Address(token)` accepts `token` (hex digits, colons and
    dots only), by its own rules (one ``::`` at most, eight groups of one to four hex
    digits, the last two may be a dotted quad without leading zeros), without building
    the address: its parser costs ten times as much, once per address of a text."""
    parts = token.split(":")
    if len(parts) < 3:
        return False
    if "." in parts[-1]:
        if not _quad_valid(parts.pop()):
            return False
        parts += ("0", "0")  # the quad's two groups
    if len(parts) > 9:
        return False
    inner = parts[1:-1]
    skip = inner.count("")
    if skip > 1:
        return False
    if skip:
        hi = inner.index("") + 1  # groups before the "::"
        lo = len(parts) - hi - 1  # groups after it
        if not parts[0]:
            hi -= 1
            if hi:
                return False  # a leading ":" not part of "::"
        if not parts[-1]:
            lo -= 1
            if lo:
                return False  # a trailing ":" not part of "::"
        if 8 - (hi + lo) < 1:
            return False
        groups = [g for g in parts if g]
    else:
        if len(parts) != 8:
            return False
        groups = parts
    return all(0 < len(g) <= 4 for g in groups) and _HEX_DIGITS.issuperset("".join(groups))


def _quad_valid(quad: str) -> bool:
    """`ipaddress.IPv4Address`'s rules: four decimal octets up to 255, no leading zero."""
    octets = quad.split(".")
    return len(octets) == 4 and all(
        o.isdecimal()
        and o.isascii()
        and len(o) <= 3
        and (o == "0" or o[0] != "0")
        and int(o) <= 255
        for o in octets
    )


_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _word(c: str) -> bool:
    return c.isalnum() or c == "_"


def ipv6_spans(text: str) -> Iterator[tuple[int, int]]:
    """IPv6 addresses: each run of hex digits, colons and dots with two colons or more,
    its trailing sentence punctuation dropped, valid as a whole; then its zone and its
    prefix length."""
    pos = text.find(":")
    while pos != -1:
        m = _FROM_COLON.match(text, pos)
        assert m is not None
        start, end = pos, m.end()
        pos = text.find(":", end)
        while start > 0 and end - start <= _MAX_ADDRESS and text[start - 1] in _HEX:
            start -= 1
        while end > start and text[end - 1] == ".":
            end -= 1
        if end > start + 1 and text[end - 1] == ":" and text[end - 2] != ":":
            end -= 1  # "address: fe80::1:" -- a colon that ends a clause
        if start < end and text[start] == ":" and text[start + 1 : start + 2] != ":":
            start += 1  # "host:2001:db8::1"
        token = text[start:end]
        colons = token.count(":")
        if colons < 2 or token == "::" or end - start > _MAX_ADDRESS:
            continue
        if colons < 6 and "::" not in token:
            continue  # too few groups to be an address: times (11:34:35), ratios
        if (start > 0 and _word(text[start - 1])) or (end < len(text) and _word(text[end])):
            continue  # glued to a word: not an address
        if not ipv6_valid(token):
            continue
        zone = _ZONE.match(text, end)
        if zone is not None:
            end = zone.end()
        prefix = _PREFIX.match(text, end)
        if prefix is not None:
            end = prefix.end()
        yield start, end
