"""IP addresses, each found whole wherever it stands: IPv4 with its CIDR suffix
(``10.0.0.0/8``), beside any other number (``Server 1: 10.20.30.40``); IPv6 in every
form the standard allows — compressed, with an embedded IPv4 (``::ffff:192.0.2.1``,
``64:ff9b::198.51.100.1``: one address, redacted whole), with a zone (``fe80::1%eth0``)
and a prefix length (``2001:db8::/32``).

An IPv6 candidate is a maximal run of hex digits, colons and dots (one scan of a
character class: linear), validated by `ipaddress`; an address glued to a word
(``text2001:db8::1``) is not one, nor is the unspecified address ``::`` (it names no
host: ``std::cout``, ``a :: b``)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

__all__ = ["ipv4_spans", "ipv6_spans"]

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
        try:
            ipaddress.IPv6Address(token)
        except ValueError:
            continue
        zone = _ZONE.match(text, end)
        if zone is not None:
            end = zone.end()
        prefix = _PREFIX.match(text, end)
        if prefix is not None:
            end = prefix.end()
        yield start, end
