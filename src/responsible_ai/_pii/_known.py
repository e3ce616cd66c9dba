"""Known client values: a `ClientRecord`'s name, emails, phones... matched in one pass.

Matching is case- and whitespace-insensitive and on word boundaries; a person's first
name or surname alone matches too. All values of all records go into one Aho-Corasick
automaton (pyahocorasick, in C), so 100,000 values cost one pass over the text, linear
in its length and independent of how many values there are.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from .._errors import ConfigurationError
from ._findings import Finding
from ._names import RECORD_DROPS
from ._normalize import lowered

__all__ = ["ClientRecord", "KnownValues", "as_known", "field_type", "normalize"]

_WS = re.compile(r"\s+")


def _fold(value: str) -> str:
    return _WS.sub(" ", value.casefold()).strip()


@dataclass(frozen=True, slots=True, repr=False)
class ClientRecord:
    """What you know about one client, so that it is redacted wherever it appears.

    `name` also matches its parts alone (first name, surname) and the forms
    "Surname, First" and "F. Surname"; `name_variants` adds nicknames or former names.
    `fields` holds anything else (``{"employer": "Acme Ltd"}``), redacted under the
    upper-cased key as entity type. `id` identifies the record and is not matched.
    The repr never shows a value.
    """

    name: str | None = None
    name_variants: Sequence[str] = ()
    emails: Sequence[str] = ()
    phones: Sequence[str] = ()
    account_numbers: Sequence[str] = ()
    addresses: Sequence[str] = ()
    fields: Mapping[str, str] = field(default_factory=dict)
    id: str | None = None

    def __post_init__(self) -> None:
        for name in ("name", "id"):  # a number here would never match, silently
            if getattr(self, name) is not None and not isinstance(getattr(self, name), str):
                raise TypeError(
                    f"ClientRecord.{name} must be a str, got {type(getattr(self, name)).__name__}"
                )
        for name in ("name_variants", "emails", "phones", "account_numbers", "addresses"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            value = tuple(value)
            if not all(isinstance(v, str) for v in value):
                raise TypeError(f"ClientRecord.{name} must hold strings")
            object.__setattr__(self, name, value)
        if not isinstance(self.fields, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.fields.items()
        ):
            raise TypeError("ClientRecord.fields must map strings to strings")
        object.__setattr__(self, "fields", dict(self.fields))

    def __repr__(self) -> str:
        n = sum(1 for _ in self.values())
        ident = f"id={self.id!r}, " if self.id else ""
        return f"ClientRecord({ident}{n} values)"

    def values(self) -> Iterator[tuple[str, str, str, float]]:
        """(entity type, text to match, canonical value, score) for every value."""
        if self.name:
            full = " ".join(self.name.split())
            yield "PERSON", full, full, 1.0
            parts = [
                p
                for p in full.replace(",", " ").split()
                if p.strip(".").casefold() not in RECORD_DROPS
            ]
            if len(parts) >= 2:
                first, last = parts[0], parts[-1]
                yield "PERSON", f"{last}, {first}", full, 1.0
                yield "PERSON", f"{last} {first}", full, 1.0
                yield "PERSON", f"{first[0]}. {last}", full, 0.95
                yield "PERSON", f"{first[0]} {last}", full, 0.9
            for part in parts:
                if len(part.strip(".")) >= 2:
                    yield "PERSON", part, full, 0.85
        for variant in self.name_variants:
            yield "PERSON", variant, " ".join((self.name or variant).split()), 0.95
        for email in self.emails:
            yield "EMAIL_ADDRESS", email, email, 1.0
        for phone in self.phones:
            yield "PHONE_NUMBER", phone, phone, 1.0
        for account in self.account_numbers:
            yield "ACCOUNT_NUMBER", account, account, 1.0
        for address in self.addresses:
            yield "ADDRESS", address, address, 1.0
        for key, value in self.fields.items():
            yield field_type(key), value, value, 1.0


_FIELD_TYPE_MAX = 32  # characters: a placeholder restore (and a stream's hold-back) can read


def field_type(key: str) -> str:
    """The entity type of a `ClientRecord.fields` key, as a placeholder can carry it: upper
    case, letters, digits and underscores, starting with a letter ("1st_line" ->
    "CLIENT_1ST_LINE", "Straße" -> "STRASSE"), at most 32 characters."""
    kind = re.sub(r"[^A-Z0-9_]", "_", key.upper()).strip("_")
    if not kind:
        return "CLIENT_DATA"
    if not kind[0].isalpha():
        kind = f"CLIENT_{kind}"
    return kind[:_FIELD_TYPE_MAX].rstrip("_")


class _Normalized:
    """`text` folded for matching (lower case, whitespace runs collapsed to one space),
    with a map from folded positions back to positions in `text`."""

    __slots__ = ("_anchors", "_origins", "text")

    def __init__(self, text: str) -> None:
        low = lowered(text)
        self._anchors: list[int] = []
        self._origins: list[int] = []
        if "  " not in low and low.isprintable():  # (tabs, newlines, no-break spaces are not)
            self.text = low
            return
        out: list[str] = []
        pos = 0
        norm_len = 0
        for m in _WS.finditer(low):
            out.append(low[pos : m.start()])
            norm_len += m.start() - pos
            out.append(" ")
            norm_len += 1
            pos = m.end()
            self._anchors.append(norm_len)  # folded position right after this run
            self._origins.append(pos)  # ... is this position in the text
        out.append(low[pos:])
        self.text = "".join(out)

    def origin(self, index: int) -> int:
        """The position in the original text of folded position `index`."""
        i = bisect.bisect_right(self._anchors, index) - 1
        if i < 0:
            return index
        return self._origins[i] + (index - self._anchors[i])


def normalize(text: str) -> str:
    low = lowered(text)
    if "  " not in low and low.isprintable():  # (as `_Normalized` reads it, without a map)
        return low
    return _Normalized(text).text


class KnownValues:
    """A set of known client values (from one `ClientRecord` or from 100,000), matched
    in one pass. Build it once and reuse it: adding values rebuilds the automaton on
    the next `detect`."""

    name = "known"

    def __init__(self, records: Iterable[ClientRecord] = ()) -> None:
        self._entries: list[tuple[str, str, float]] = []  # (entity, canonical, score)
        self._keys: dict[str, int] = {}
        self._automaton: Any = None
        self._lock = threading.Lock()
        self._subjects: frozenset[str] = frozenset()
        if isinstance(records, (str, ClientRecord)):
            raise TypeError("KnownValues takes an iterable of ClientRecord (wrap one in a list)")
        for record in records:
            if not isinstance(record, ClientRecord):
                raise TypeError(
                    f"KnownValues takes ClientRecord objects, got {type(record).__name__}"
                )
            self.add(record)

    @property
    def subjects(self) -> frozenset[str]:
        """The ids of the records added (whose data this is: what consent is bound to)."""
        return self._subjects

    def __len__(self) -> int:
        return len(self._keys)

    def identity(self) -> object:
        """Who these values are of, as a key (in memory only): the record ids, or else the
        values themselves (two compilations of one record are the same client)."""
        with self._lock:
            return self._subjects if self._subjects else frozenset(self._keys)

    def __repr__(self) -> str:
        return f"KnownValues({len(self)} values)"

    def add(self, record: ClientRecord) -> None:
        with self._lock:
            if record.id:
                self._subjects = self._subjects | {record.id}
            for entity, value, canonical, score in record.values():
                key = _fold(value)
                if len(key) < 2:
                    continue
                if key in self._keys:  # a value two records share ("Smith"): neither's
                    ref = self._keys[key]
                    kind, other, other_score = self._entries[ref]
                    if _fold(other) != _fold(canonical) and kind == entity:
                        self._entries[ref] = (kind, value, min(score, other_score))
                    continue
                self._keys[key] = len(self._entries)
                self._entries.append((entity, canonical, score))
            self._automaton = None

    def canonical(self, ref: int) -> str:
        """The canonical value behind a finding's `ref` (kept in memory only)."""
        return self._entries[ref][1]

    def _build(self) -> Any:
        automaton = ahocorasick.Automaton()
        for key, ref in self._keys.items():
            automaton.add_word(key, (len(key), ref))
        if len(automaton):
            automaton.make_automaton()
        return automaton

    def detect(self, text: str) -> Iterator[Finding]:
        automaton = self._automaton
        if automaton is None:
            with self._lock:
                if self._automaton is None:
                    self._automaton = self._build()
                automaton = self._automaton
        if not len(automaton):
            return
        norm = _Normalized(text)
        folded = norm.text
        size = len(folded)
        for last, (length, ref) in automaton.iter(folded):
            start, end = last - length + 1, last + 1
            if start > 0 and folded[start - 1].isalnum():
                continue
            if end < size and folded[end].isalnum():
                continue
            entity, _, score = self._entries[ref]
            yield Finding(entity, norm.origin(start), norm.origin(end - 1) + 1, score, "known", ref)


def as_known(subject: ClientRecord | KnownValues | None) -> KnownValues | None:
    """A subject as matchable values: a `ClientRecord` compiled into `KnownValues` (do it
    once per client and reuse the result), `KnownValues` and None as they are."""
    if subject is None or isinstance(subject, KnownValues):
        return subject
    if isinstance(subject, ClientRecord):
        return KnownValues([subject])
    raise ConfigurationError(f"subject must be a rai.ClientRecord, got {type(subject).__name__}")
