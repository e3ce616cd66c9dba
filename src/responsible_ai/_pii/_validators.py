"""Checksums and range rules that turn a pattern match into a validated identifier."""

from __future__ import annotations

import base64
import ipaddress
import json
from itertools import accumulate

__all__ = [
    "VALIDATORS",
    "iban_valid",
    "jwt_valid",
    "luhn_digits",
    "luhn_sums",
    "luhn_valid",
    "ssn_valid",
]

# IBAN lengths by country (ISO 13616 registry).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


def digits_of(text: str) -> str:
    """The decimal digits of `text` (what ``\\d`` matches: any script's, never ``²``)."""
    return "".join(filter(str.isdecimal, text))


def luhn_valid(text: str) -> bool:
    digits = digits_of(text)
    if not digits:
        return False
    if not digits.isascii():
        digits = str(int(digits))  # any script's digits as ASCII (leading zeros add 0)
    return luhn_digits(digits)


def luhn_digits(digits: str) -> bool:
    """The Luhn check of a string of ASCII digits."""
    # from the right: every other digit as it is, the ones between doubled (digit sum),
    # summed as bytes: each ASCII digit counts its code, 48 more than its value
    raw = digits.encode()
    total = sum(raw[-1::-2]) + sum(raw[-2::-2].translate(_DOUBLED)) - 48 * len(raw)
    return total % 10 == 0


# the digit sum of each digit doubled, as the ASCII digit it is written with
_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")


def luhn_sums(digits: str) -> tuple[list[int], list[int]]:
    """Prefix sums of Luhn weights, one list for windows that end at an even digit index
    and one for an odd: a window's Luhn sum is then a difference of two of them."""
    raw = digits.encode()
    plain, doubled = raw.translate(_VALUE), raw.translate(_DOUBLED_VALUE)
    even_end, odd_end = bytearray(doubled), bytearray(plain)  # the last digit: not doubled
    even_end[1::2] = plain[1::2]
    odd_end[1::2] = doubled[1::2]
    return [0, *accumulate(even_end)], [0, *accumulate(odd_end)]


_VALUE = bytes.maketrans(b"0123456789", bytes(range(10)))
_DOUBLED_VALUE = bytes.maketrans(b"0123456789", bytes([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]))


def mod97_valid(text: str) -> bool:
    """ISO 7064 mod 97-10, as used by IBAN: move the first four characters to the end."""
    s = "".join(filter(str.isalnum, text)).upper()
    return len(s) >= 5 and _mod97(s)


def _mod97(s: str) -> bool:
    """`mod97_valid` of upper-case letters and digits, already compact."""
    digits = (s[4:] + s[:4]).translate(_AS_NUMBER)  # A -> 10 ... Z -> 35
    return digits.isascii() and digits.isdigit() and int(digits) % 97 == 1


_AS_NUMBER = {ord(c): str(10 + i) for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def compact_iban_valid(s: str) -> bool:
    """`iban_valid` for an upper-case IBAN without spaces (the scanner's hot path)."""
    return IBAN_LENGTHS.get(s[:2]) == len(s) and s[2:4].isdigit() and _mod97(s)


def iban_valid(text: str) -> bool:
    return compact_iban_valid("".join(filter(str.isalnum, text)).upper())


def ssn_valid(text: str) -> bool:
    """US SSN rules: area not 000, 666 or 900-999; group not 00; serial not 0000."""
    d = text if text.isdecimal() else digits_of(text)
    if len(d) != 9:
        return False
    area, group, serial = d[:3], d[3:5], d[5:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return d not in ("123456789", "078051120", "219099999")  # advertised/test numbers


def ipv6_valid(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return text.count(":") >= 2 and sum(c.isalnum() for c in text) >= 4


def jwt_valid(text: str) -> bool:
    """Three base64url parts whose header is a JSON object naming an algorithm."""
    parts = text.split(".")
    if len(parts) != 3:
        return False
    head = parts[0] + "=" * (-len(parts[0]) % 4)
    try:
        header = json.loads(base64.urlsafe_b64decode(head))
    except ValueError:
        return False
    return isinstance(header, dict) and "alg" in header


VALIDATORS = {"luhn": luhn_valid, "mod97": mod97_valid, "iban": iban_valid, "ssn": ssn_valid}
