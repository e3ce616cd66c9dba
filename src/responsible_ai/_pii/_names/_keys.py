"""JSON keys as evidence: under "first_name", "surname", "city" or "employer" a value with
a name's shape is that name whole, though alone it would be only a word ("Hopper")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .._findings import Finding, resolve_overlaps, trimmed
from .._normalize import normalized
from ._lexicon import lexicon
from ._words import ADDRESS_KEYS, KEY_HINTS

__all__ = ["KeyHints", "key_kind", "name_shaped"]

_NAME_WORD = re.compile(r"[^\W\d_][^\W_]*(?:['\u2019\-.][^\W\d_]+)*\.?")


def key_kind(key: Any) -> tuple[str, bool] | None:
    """The name type a key names ("first_name", "Surname", "attendees"), and whether it
    names a street address (whose value may hold a house number); or None."""
    if not isinstance(key, str) or len(key) > 40:
        return None
    folded = re.sub(r"[\W_]", "", key).lower()
    if folded not in KEY_HINTS and folded.endswith("s"):
        folded = folded[:-1]  # "attendees", "names"
    kind = KEY_HINTS.get(folded)
    return None if kind is None else (kind, folded in ADDRESS_KEYS)


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
    for w in re.split(r"[\s,]+", text):
        if not w:
            continue
        if w[0].isdigit() and address and not number:
            number = True  # "12 Harbour Road": one house number
            continue
        if not _NAME_WORD.fullmatch(w):
            return False
        key_form = w[:1].upper() + w[1:].lower()
        known = key_form in lex.first or key_form in lex.last or key_form in lex.places
        if not known and (w[0].islower() or (len(w) > 1 and w.isupper())):
            return False  # "main", "README": a word or a code; "Hopper", "grace": names
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
