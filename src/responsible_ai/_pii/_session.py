"""The placeholder map: reversible, numbered, stable within a session, in memory only."""

from __future__ import annotations

import json
import re
import threading
from typing import NamedTuple, NoReturn

from .._entities import NAME_ENTITIES
from ._conversation import NameMemory
from ._findings import Finding
from ._known import normalize

__all__ = ["TOKEN", "KeptName", "KeptPlaceholder", "PIISession"]

TOKEN = re.compile(r"<([A-Z][A-Z0-9_]*?)_(\d{1,6})>")  # a placeholder, as written in a text


def _json_escaped(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


class KeptPlaceholder(NamedTuple):
    """One entry of a session's map as a store keeps it: the placeholder of a value, found
    by its entity type and normalised canonical form (`key`)."""

    entity_type: str
    key: str
    placeholder: str
    value: str


class KeptName(NamedTuple):
    """A name the session remembers (`PIISession.remember`'s arguments), as a store keeps it."""

    kind: str
    value: str
    canonical: str | None


class PIISession:
    """Numbered placeholders for one conversation.

    ``<PERSON_1>`` stands for the same person in every message and every call that
    shares the session, so a model can follow who is who, and `restore` puts the
    values back locally. The map lives only in this object: it is never logged,
    pickled or copied, its repr shows counts only, and `drop()` forgets every value.

    A name belongs to the conversation: a person, place or organisation found once is
    remembered with its parts, and every later text of the session is searched for them
    (`_conversation.NameMemory`): "Hope Okonkwo asked..." then "Hope" alone, in another
    message, call or turn, is the same placeholder.
    """

    __slots__ = (
        "__weakref__", "_by_key", "_by_placeholder", "_counters", "_kept_names", "_lock",
        "_names", "_new", "_new_names",
    )  # fmt: skip

    def __init__(self, *, journal: bool = False) -> None:
        """`journal`: note what this session adds (`added`), for a store that keeps the
        conversation's map beyond this process (`_conversations`)."""
        self._by_key: dict[tuple[str, str], str] = {}
        self._by_placeholder: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self._lock = threading.Lock()
        self._names = NameMemory()
        self._new: list[KeptPlaceholder] | None = [] if journal else None
        self._new_names: list[KeptName] = []
        self._kept_names: set[KeptName] = set()

    def remember(self, entity_type: str, value: str, canonical: str | None = None) -> None:
        """Remember a person, place or organisation found in this conversation (other
        types are not names, and are ignored)."""
        with self._lock:
            self._names.remember(entity_type, value, canonical)
            if self._new is not None and entity_type in NAME_ENTITIES:
                name = KeptName(entity_type, value, None if canonical == value else canonical)
                if name not in self._kept_names:
                    self._kept_names.add(name)
                    self._new_names.append(name)

    # -- a map kept beyond this process: loaded before a call, what it added kept after

    def load(self, entry: KeptPlaceholder) -> None:
        """Take an entry a store kept (the next placeholder of its type is numbered after
        it). A placeholder that is not of the entry's type is a `ValueError`."""
        found = TOKEN.fullmatch(entry.placeholder)
        if found is None or found.group(1) != entry.entity_type:
            raise ValueError("a kept placeholder does not fit its entity type")
        with self._lock:
            self._by_key[(entry.entity_type, entry.key)] = entry.placeholder
            self._by_placeholder[entry.placeholder] = entry.value
            n = int(found.group(2))
            if n > self._counters.get(entry.entity_type, 0):
                self._counters[entry.entity_type] = n

    def load_name(self, name: KeptName) -> None:
        """Take a name a store kept (remembered, not noted as added)."""
        with self._lock:
            self._names.remember(name.kind, name.value, name.canonical)
            canonical = None if name.canonical == name.value else name.canonical
            self._kept_names.add(KeptName(name.kind, name.value, canonical))

    def added(self) -> tuple[tuple[KeptPlaceholder, ...], tuple[KeptName, ...]]:
        """The placeholders and names this session made since it was loaded (nothing
        without `journal`)."""
        with self._lock:
            return tuple(self._new or ()), tuple(self._new_names)

    def names_in(self, text: str) -> list[Finding]:
        """Where the names this conversation has met recur in `text`."""
        with self._lock:
            return self._names.find(text)

    def handle_names(self, text: str) -> list[Finding]:
        """Where the names this conversation has met stand in a handle (`text` is a
        `user` or `name` field, a login): every part counts, in any case."""
        with self._lock:
            return self._names.find(text, handle=True)

    def names_outside(self, text: str, parts: list[str], found: list[Finding]) -> bool:
        """Whether one of `parts` (of names learned, `names_since`) occurs in `text`
        outside every one of `found` where `names_in` or `handle_names` may find it:
        between a word's edges, or glued to other parts or an initial; not "frida" in
        "Friday" (a cheap superset: `str.find`, and a test per place)."""
        with self._lock:
            return self._names.outside(text, parts, found)

    def name_count(self) -> int:
        """How many names and parts the conversation remembers (grows as it learns)."""
        return len(self._names)

    def names_since(self, count: int) -> list[str]:
        """The parts of names (lower case) learned after the first `count`."""
        with self._lock:
            return self._names.since(count)

    def name_of(self, ref: int) -> str | None:
        """The full name behind a finding of `names_in` (None: a part two names share)."""
        with self._lock:
            return self._names.canonical(ref)

    def placeholder(self, entity_type: str, value: str, canonical: str | None = None) -> str:
        """The placeholder for `value` (the same one each time it, or its canonical
        form, is seen in this session)."""
        key = (entity_type, normalize(canonical if canonical is not None else value))
        with self._lock:
            found = self._by_key.get(key)
            if found is None:
                n = self._counters.get(entity_type, 0) + 1
                self._counters[entity_type] = n
                found = f"<{entity_type}_{n}>"
                self._by_key[key] = found
                self._by_placeholder[found] = value
                if self._new is not None:
                    self._new.append(KeptPlaceholder(entity_type, key[1], found, value))
            return found

    def restore(self, text: str, *, json_string: bool = False) -> str:
        """Put the values back for every placeholder of this session found in `text`.
        With `json_string`, `text` is JSON (tool-call arguments) and each value is
        written escaped for a JSON string, so a value with a quote or a backslash can
        neither break the document nor add keys to it."""
        if "<" not in text or not self._by_placeholder:
            return text
        table = self._by_placeholder
        if json_string:
            return TOKEN.sub(
                lambda m: _json_escaped(table[m.group(0)]) if m.group(0) in table else m.group(0),
                text,
            )
        return TOKEN.sub(lambda m: table.get(m.group(0), m.group(0)), text)

    def knows(self, placeholder: str) -> bool:
        return placeholder in self._by_placeholder

    def drop(self) -> None:
        """Forget every value. Placeholders already sent stay meaningless to anyone."""
        with self._lock:
            self._by_key.clear()
            self._by_placeholder.clear()
            self._counters.clear()
            self._names.clear()
            if self._new is not None:
                self._new.clear()
            self._new_names.clear()
            self._kept_names.clear()

    def __len__(self) -> int:
        return len(self._by_placeholder)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(self._counters.items()))
        return f"PIISession({counts or 'empty'})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a PIISession holds client values and cannot be pickled or copied")

    def __copy__(self) -> NoReturn:
        raise TypeError("a PIISession holds client values and cannot be copied")

    def __deepcopy__(self, memo: object) -> NoReturn:
        raise TypeError("a PIISession holds client values and cannot be copied")
