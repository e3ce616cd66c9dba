"""JSON keys as evidence: under "first_name", "surname", "city" or "employer" a value with
a name's shape is that name whole, though alone it would be only a word ("Hopper")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .._findings import Finding, resolve_overlaps, trimmed
from .._normalize import normalized
from ._lexicon import lexicon
from ._words import ADDRESS_KEYS, KEY_HINTS, MONTHS_DAYS, NOT_NAMES

__all__ = [
    "KeyHints", "handle_key", "handle_named", "id_lead", "key_kind", "name_shaped", "record_shaped",
    "yyyymmdd",
]  # fmt: skip


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NAME_WORD = re.compile(r"[^\W\d_][^\W_]*(?:['\u2019\-.][^\W\d_]+)*\.?")
_KEY_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")  # "givenName": given|Name

# Keys are read by rule, not listed by example: a key is cut into its words (any case,
# any separator, camelCase), and words that only say whose or which value it is are
# dropped from its front ("customer_first_name", "userGivenName") or a trailing "name"/
# "value" from its end ("emergency_contact_name"); what is left is looked up.
_QUALIFIERS = _set(
    """
    user usr client customer cust contact account acct primary secondary legal
    billing shipping home work patient employee emp member applicant my your main
    preferred registered insured student staff buyer seller party subject data
    record principal current new old default
    """
)
_TRAILING = _set("name value val text str")
# identifiers a key names, and the words that say so to the patterns ("tax_id: 234567890"
# is read as "ssn: 234567890"; a yyyymmdd number under "dob" as a date of birth)
_ID_LEADS = {
    key: lead
    for lead, keys in (
        (
            "ssn",
            """ssn ss socialsecurity socialsecuritynumber socialsecurityno social ssno
            taxid taxidentifier taxidentificationnumber taxpayerid taxpayernumber tin itin
            taxnumber taxno nationalid nationalidentifier nationalidnumber nationalnumber
            nin nationalinsurance nationalinsurancenumber""",
        ),
        ("date of birth", "dob birthdate dateofbirth birthday bday born dateborn"),
    )
    for key in keys.split()
}
# keys whose value is a handle: a login, a user name, the id of an end user
HANDLE_KEYS = _set(
    """
    username user usr login loginname logon handle uid userid userhandle screenname
    nick nickname alias safetyidentifier owner author assignee reporter sender
    recipient
    """
)
_NON_WORD = re.compile(r"[\W_]")
# a folded key that may hold a qualifier or a trailing word (else it is read whole)
_HEADS = tuple(_QUALIFIERS)
_TAILS = tuple(_TRAILING)
# the last words of the handle keys: a key ending otherwise is no handle key
_HANDLE_TAILS = (
    "name", "id", "user", "usr", "login", "logon", "handle", "nick", "alias", "identifier",
    "owner", "author", "assignee", "reporter", "sender", "recipient",
)  # fmt: skip


def _key_forms(key: str) -> list[str]:
    """The folded forms of a key, longest first: the key whole, then with the words that
    only qualify it dropped ("customer_first_name": "customerfirstname", "firstname")."""
    folded = _NON_WORD.sub("", key).lower()
    if not (folded.startswith(_HEADS) or folded.endswith(_TAILS)):
        return [folded]
    words = [w.lower() for w in _KEY_WORDS.findall(key)]
    forms = [folded]
    while len(words) > 1 and words[0] in _QUALIFIERS:
        words = words[1:]
        forms.append("".join(words))
    if len(words) > 1 and words[-1] in _TRAILING:
        forms.append("".join(words[:-1]))
    return forms


def key_kind(key: Any) -> tuple[str, bool] | None:
    """The name type a key names ("first_name", "Surname", "attendees"), and whether it
    names a street address (whose value may hold a house number); or None."""
    if not isinstance(key, str) or len(key) > 40:
        return None
    for folded in _key_forms(key):
        if folded not in KEY_HINTS and folded.endswith("s"):
            folded = folded[:-1]  # "attendees", "names"
        kind = KEY_HINTS.get(folded)
        if kind is not None:
            return kind, folded in ADDRESS_KEYS
    return None


def id_lead(key: Any) -> str | None:
    """The word that tells the patterns what identifier a key names ("tax_id", "Social",
    "customerDOB": "ssn", "date of birth"); None for any other key."""
    if not isinstance(key, str) or len(key) > 40:
        return None
    for folded in _key_forms(key):
        lead = _ID_LEADS.get(folded)
        if lead is not None:
            return lead
    return None


def handle_key(key: Any) -> bool:
    """Whether a key names a handle (a login, a user name, an end user's id)."""
    if not isinstance(key, str) or len(key) > 40:
        return False
    if key in HANDLE_KEYS:
        return True
    if not key.lower().endswith(_HANDLE_TAILS):
        return False
    return any(f in HANDLE_KEYS for f in _key_forms(key))


def handle_named(value: str) -> bool:
    """Whether a value under a handle key is made of a person's name: one of its parts
    (cut at separators, digits and camel humps) a known first name or surname, or one
    after an initial ("grace.whitfield", "hope_1985", "gwhitfield", "KWatanabe87")."""
    if not 2 <= len(value) <= 64:
        return False
    lex = lexicon()
    for part in _KEY_WORDS.findall(value):
        if len(part) < 3 or part.isdigit():
            continue
        for word in (part, part[1:]) if len(part) >= 5 else (part,):
            key_form = word[:1].upper() + word[1:].lower()
            if key_form in lex.first or key_form in lex.last:
                return True
    return False


def yyyymmdd(text: str) -> str | None:
    """An eight-digit date (19850416) written with dashes (1985-04-16); else None."""
    if len(text) != 8 or not text.isdigit():
        return None
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    if not (1880 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


def name_shaped(value: Any, address: bool) -> bool:
    """Whether a value has a name's shape: every word a known name or place, or
    capitalised (not a code in capitals); with `address`, one house number too
    ("Hopper", "grace", "Acme", "12 Harbour Road"; not "open", "README", "us-east-1")."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    view = normalized(text)
    if view is not None:
        text = view.text.strip()  # "Hopper\u200b" is Hopper
    if not 3 <= len(text) <= 120:
        return False
    lex = lexicon()
    number = False
    words = [w for w in re.split(r"[\s,]+", text) if w]
    capitals = len(words) > 1 and text.isupper()  # "WHITFIELD G", "SZABÓ ANNA"
    any_known = False
    unsure = False  # a lower-case word that is nothing known, though no English word
    for w in words:
        if w[0].isdigit() and address and not number:
            number = True  # "12 Harbour Road": one house number
            continue
        if not _NAME_WORD.fullmatch(w):
            return False
        key_form = w[:1].upper() + w[1:].lower()
        known = key_form in lex.first or key_form in lex.last or key_form in lex.places
        any_known = any_known or known
        if known or not (w[0].islower() or (len(w) > 1 and w.isupper())):
            continue
        low = w.lower().rstrip(".")
        if low in lex.words or low in MONTHS_DAYS or low in NOT_NAMES:
            return False  # "main", "open": a word
        if capitals:
            continue  # a name in capitals, its words no English words
        if w[0].islower():
            unsure = True  # "whitfield": a name beside a known one ("grace whitfield")
            continue
        return False  # "README": a code
    return any_known or not unsure


def record_shaped(value: str, address: bool) -> bool:
    """`name_shaped`, and stricter for a value outside JSON (a "Key: value" line, a table
    cell): a capitalised word that is also an English word counts only when it is a known
    name ("Owner: Platform Team", "State: Open" are not names; "Name: Hope" is)."""
    if not name_shaped(value, address):
        return False
    lex = lexicon()
    for w in re.split(r"[\s,]+", value.strip()):
        if not w or w[0].isdigit():
            continue
        key_form = w[:1].upper() + w[1:].lower()
        if key_form in lex.first or key_form in lex.last or key_form in lex.places:
            continue
        if w.lower() in lex.words:
            return False
    return True


class KeyHints:
    """The key hints of one redactor: only for the name types it finds, and never for a
    value that `pii.allow` lets through."""

    __slots__ = ("_allow", "_types")

    def __init__(self, types: frozenset[str], allow: Mapping[str, frozenset[str]]) -> None:
        self._types = types
        self._allow = allow

    def kind(self, key: Any) -> tuple[str, bool] | None:
        """What `key` names (as `key_kind`), if it is a type this redactor finds."""
        if not self._types:
            return None
        hint = key_kind(key)
        return hint if hint is not None and hint[0] in self._types else None

    def whole(self, value: str, kind: str, findings: list[Finding]) -> list[Finding]:
        """`findings` in `value`, and `value` whole as a `kind` (its edges trimmed) unless
        ``pii.allow`` holds it."""
        if value.strip().casefold() in self._allow.get(kind, ()):
            return findings
        whole = trimmed(Finding(kind, 0, len(value), 0.9, "field"), 0, len(value), value)
        return resolve_overlaps([*findings, *whole], value) if whole else findings
