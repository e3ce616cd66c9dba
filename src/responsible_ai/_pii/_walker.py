"""The document walker: a JSON document (a request body, a chat history) walked along its
`Shape` (`_shapes`). What the shape calls structure passes; every other string, object key
and number is content: its findings are recorded by path and it is rewritten. A value
that cannot be inspected (bytes, an object, a non-text part) is refused, never passed."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from .._errors import RedactionFailed
from .._shapes import Content, Each, Fields, JsonText, Parts, Shape, Structural
from ._findings import Finding, resolve_overlaps
from ._names import (
    KeyHints,
    handle_key,
    handle_named,
    id_lead,
    name_shaped,
    record_shaped,
    yyyymmdd,
)
from ._records import fields, located, regions

__all__ = ["MAX_DEPTH", "DocumentWalker", "Redacted"]


@dataclass(frozen=True, slots=True)
class Redacted:
    """Where a finding was in a document (``messages[1].content[0].text``) and what."""

    path: str
    finding: Finding


Path = tuple[Any, ...] | str  # (parent, key) links, made into text only for a finding


def _path_text(path: Path) -> str:
    keys: list[Any] = []
    while isinstance(path, tuple):
        path, key = path
        keys.append(key)
    out = [path]
    for key in reversed(keys):
        out.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return "".join(out)


MAX_DEPTH = 64  # objects and arrays nested deeper than this are refused, not walked
_KEY_CONTEXT = 40  # characters of a key read as the context of its value
_HANDLE_MAX = 64  # characters: the longest text read as a handle
# a string that may be a JSON object or array as a whole
_JSON_LIKE = re.compile(r"\s*[\[{]")
# a "key": "value" pair of JSON inside a text (bounded: linear)
_PAIR = re.compile(r'"([A-Za-z_][\w .-]{0,40})"\s{0,4}:\s{0,4}"((?:[^"\\\n]|\\.){1,120})"')


def _as_text(value: float) -> str:
    whole = isinstance(value, int) or value.is_integer()
    return str(int(value)) if whole and abs(value) < 1e30 else repr(value)


def _scalar_with_digits(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and len(value) <= 64 and any(c.isdigit() for c in value)


_MAX_GROUPS = 8  # items of an array read together as one value's digit groups


def _digit_group(value: Any) -> bool:
    if isinstance(value, str):
        return 0 < len(value) <= 8 and value.isascii() and value.isdigit()
    return type(value) is int and 0 <= value < 10**8


# what a media part carries as its payload: a base64 data URL, or base64 alone
_MEDIA = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]*|[A-Za-z0-9+/]{256,}={0,2}")


class DocumentWalker:
    """Walks a JSON document along its `Shape`: structure passes, content is redacted
    (`find`, then `rewrite`), and `found` says what was found where."""

    def __init__(
        self,
        find: Callable[[str], list[Finding]],
        rewrite: Callable[[str, list[Finding]], str],
        hints: KeyHints,
        non_text_pass: bool,
        handles: Callable[[str], list[Finding]] | None = None,
    ) -> None:
        self.find = find  # the findings in one text
        self.rewrite = rewrite  # the text with its findings replaced
        self.hints = hints
        self.non_text_pass = non_text_pass
        self.handles = handles  # the conversation's names in a handle (a `user` field)
        self.found: list[Redacted] = []

    def walk(self, value: Any, shape: Shape, path: Path, depth: int = 0) -> Any:
        kind = type(shape)
        if kind is Fields:
            fields_shape: Fields = shape  # type: ignore[assignment]
            if not isinstance(value, Mapping):
                return self.content(value, path, depth)
            if depth > MAX_DEPTH:
                return self.refuse(path, f"data nested more than {MAX_DEPTH} levels deep")
            depth += 1
            fields = fields_shape.fields
            out: dict[Any, Any] = {}
            for key, item in value.items():
                sub = fields.get(key)
                if sub is None:  # a key that is content: a path names it as it is sent
                    sent = self.key(key, path)
                    out[sent] = self.walk(item, fields_shape.rest, (path, sent), depth)
                    continue
                sub_kind = type(sub)
                if sub_kind is Structural and sub.check(item):  # type: ignore[attr-defined]
                    out[key] = item  # the common leaf, inline
                elif type(item) is str and (sub_kind is Content or sub_kind is Parts):
                    out[key] = self.text(item, (path, key))  # ... and this one
                else:
                    out[key] = self.walk(item, sub, (path, key), depth)
            return out
        if kind is Each:
            each: Each = shape  # type: ignore[assignment]
            if not isinstance(value, list):
                return self.walk(value, each.single, path, depth)
            if depth > MAX_DEPTH:
                return self.refuse(path, f"data nested more than {MAX_DEPTH} levels deep")
            item_shape = each.item
            return [self.walk(v, item_shape, (path, i), depth + 1) for i, v in enumerate(value)]
        if kind is Content:
            return self.content(value, path, depth)
        if kind is Structural:
            leaf: Structural = shape  # type: ignore[assignment]
            return value if leaf.check(value) else self.content(value, path, depth)
        if kind is Parts:
            return self.parts(value, shape, path, depth)  # type: ignore[arg-type]
        if kind is JsonText:
            return self.json_text(value, path, depth)
        raise TypeError(f"unknown shape {kind.__name__}")  # a library bug, never data

    def content(self, value: Any, path: Path, depth: int = 0, media: bool = False) -> Any:
        if isinstance(value, str):
            if media and _MEDIA.fullmatch(value):
                return value  # the image, audio or file itself (pii.non_text = "pass")
            return self.text(value, path, depth=depth)
        if depth > MAX_DEPTH:
            return self.refuse(path, f"data nested more than {MAX_DEPTH} levels deep")
        depth += 1
        if isinstance(value, Mapping):
            obj: dict[str, Any] = {}
            # {"field": "ssn", "value": ...}: the field names the value's key
            named = None if _VALUE_KEYS.isdisjoint(value) else _named_by(value)
            for k, v in value.items():  # keys are content: a path names them as sent
                sent = self.key(k, path)
                if named is not None and k in _VALUE_KEYS:
                    k = named
                hint = self.hints.kind(k)
                if hint is None:
                    if (
                        type(v) is str
                        and len(v) <= _HANDLE_MAX
                        and handle_key(k)
                        and handle_named(v)
                    ):
                        obj[sent] = self.text(v, (path, sent), "PERSON")  # "grace.whitfield"
                    elif _scalar_with_digits(v):  # the key is context: {"ssn": 234567890}
                        obj[sent] = self.scalar(v, (path, sent), k)
                    elif type(v) is list and k in _ROW_KEYS and (cols := _columns(value)):
                        obj[sent] = self.rows(v, cols, (path, sent), depth, media)
                    else:
                        obj[sent] = self.content(v, (path, sent), depth, media)
                elif type(v) is list:  # {"attendees": ["Grace", "Hopper"]}
                    obj[sent] = [
                        self.text(item, ((path, sent), n), hint[0])
                        if name_shaped(item, hint[1])
                        else self.content(item, ((path, sent), n), depth + 1, media)
                        for n, item in enumerate(v)
                    ]
                elif name_shaped(v, hint[1]):
                    obj[sent] = self.text(v, (path, sent), hint[0])
                else:
                    obj[sent] = self.content(v, (path, sent), depth, media)
            return obj
        if isinstance(value, (list, tuple)):
            spelled = self.digit_groups(value, path)
            if spelled is not None:
                return spelled
            return [self.content(v, (path, i), depth, media) for i, v in enumerate(value)]
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):  # a number can be a phone, card or account
            whole = isinstance(value, int) or value.is_integer()
            text = str(int(value)) if whole and abs(value) < 1e30 else repr(value)
            out = self.text(text, path)
            return value if out is text else out
        if isinstance(value, (bytes, bytearray)) and self.non_text_pass:
            return value
        return self.refuse(path, type(value).__name__)

    def digit_groups(self, value: list[Any] | tuple[Any, ...], path: Path) -> list[Any] | None:
        """A short array of digit groups that together spell one value (a card as
        ``[4111, 1111, 1111, 1111]``, an SSN as ``["234", "56", "7890"]``) read as one
        text; when a finding spans two of its items, the array leaves as that text
        redacted, one string (None: read item by item)."""
        if not 2 <= len(value) <= _MAX_GROUPS or not all(map(_digit_group, value)):
            return None
        text = " ".join(v if isinstance(v, str) else str(v) for v in value)
        findings = self.find(text)
        if not any(" " in text[f.start : f.end] for f in findings):
            return None
        self.found.extend(Redacted(_path_text(path), f) for f in findings)
        return [self.rewrite(text, findings)]

    def rows(
        self, rows: list[Any], columns: list[str], path: Path, depth: int, media: bool
    ) -> list[Any]:
        """{"columns": [...], "rows": [[...]]}: each cell under its column's header."""
        out: list[Any] = []
        for n, row in enumerate(rows):
            if not isinstance(row, list):
                out.append(self.content(row, (path, n), depth + 1, media))
                continue
            cells: list[Any] = []
            for i, cell in enumerate(row):
                if i < len(columns):
                    cell = self.content({columns[i]: cell}, ((path, n), i), depth + 2, media)
                    cells.append(next(iter(cell.values())))
                else:
                    cells.append(self.content(cell, ((path, n), i), depth + 2, media))
            out.append(cells)
        return out

    def key(self, key: Any, path: Path) -> Any:
        if not isinstance(key, str):
            return self.refuse(path, f"a {type(key).__name__} object key")
        return self.text(key, (path, "<key>"))

    def scalar(self, value: str | float, path: Path, key: str) -> Any:
        """A number or a short string with digits under `key`, scanned with its key
        before it as context ("ssn: 234567890"): a bare number is an identifier only
        beside a word that says so, and in JSON that word is the key."""
        text, findings = self.scalar_findings(value, key)
        if not findings:
            return value
        self.found.extend(Redacted(_path_text(path), f) for f in findings)
        return self.rewrite(text, findings)

    def scalar_findings(self, value: str | float, key: str) -> tuple[str, list[Finding]]:
        """`scalar`'s text and findings (the key read as the word a pattern knows:
        "tax_id" as "ssn"; a yyyymmdd number under a birth-date key as a date)."""
        text = _as_text(value) if not isinstance(value, str) else value
        named = id_lead(key)  # "tax_id", "Social": what the patterns call it ("ssn")
        lead = f"{key[:_KEY_CONTEXT] if named is None else named}: "
        n = len(lead)
        dated = yyyymmdd(text) if named == "date of birth" else None  # {"dob": 19850416}
        findings = [  # what the key itself holds is the key's own finding
            Finding(f.entity_type, max(f.start, n) - n, f.end - n, f.score, f.detector, f.ref)
            if dated is None
            else Finding(f.entity_type, 0, len(text), f.score, f.detector, f.ref)
            for f in self.find(lead + (text if dated is None else dated))
            if f.end > n
        ]
        return text, findings

    def text(self, value: str, path: Path, hint: str | None = None, depth: int = 0) -> str:
        if hint is None and depth <= MAX_DEPTH and _JSON_LIKE.match(value):
            walked = self.json_in_text(value, path, depth)
            if walked is not None:
                return walked
        findings = self.find(value)
        if hint is not None:  # {"last_name": "Hopper"}: the key says what the value is
            findings = self.hints.whole(value, hint, findings)
        elif ":" in value or "=" in value or "\n" in value or "<" in value or "[" in value:
            # a record in a text ("Name: ...", "{...}", a table): keys as hints
            findings = self.in_records(value, findings, depth)
        handles = self.handles
        if handles is not None and len(value) <= _HANDLE_MAX and _handle_path(path):
            findings = self.in_handle(value, findings)
        if not findings:
            return value
        where = _path_text(path)
        self.found.extend(Redacted(where, f) for f in findings)
        return self.rewrite(value, findings)

    def findings_in(self, value: str) -> list[Finding]:
        """The findings in one text as `text` reads it (records in it walked), without
        rewriting it: positions in `value` (`Redactor.scan`)."""
        findings = self.in_records(value, self.find(value), 0)
        if not findings or len(findings) < 2:
            return findings
        return resolve_overlaps(findings, value)

    def in_handle(self, value: str, findings: list[Finding]) -> list[Finding]:
        """A handle field (a message's `name`, `user`, a `username` key): the
        conversation's names in it count in any case, as words of a handle do."""
        assert self.handles is not None
        extra = self.handles(value)
        return resolve_overlaps([*findings, *extra], value) if extra else findings

    def in_records(self, value: str, findings: list[Finding], depth: int) -> list[Finding]:
        """`findings` in a text, with what its records add: JSON (or a Python literal)
        inside it walked as JSON, values under known keys in "Key: value" lines,
        ``key=value``, ``<key>`` elements and tables. The findings are in `value`."""
        if '"' in value and ":" in value:  # JSON pasted into a text: its keys as hints
            findings = self.pasted_keys(value, findings)
        extra: list[Finding] = []
        if depth < MAX_DEPTH:
            for start, end, data in regions(value):
                extra += self.region(value, start, end, data, depth)
        for key, start, end in fields(value, self.known_key):
            extra += [f.shifted(start) for f in self.field(key, value[start:end])]
        if not extra:
            return findings
        return resolve_overlaps([*findings, *extra], value)

    def known_key(self, key: str) -> bool:
        return self.hints.kind(key) is not None or id_lead(key) is not None

    def region(self, value: str, start: int, end: int, data: Any, depth: int) -> list[Finding]:
        """What the walker finds in one JSON region of a text, put back where it stands
        in the text (every whole-word place the found piece is written there)."""
        pieces: list[tuple[str, Finding]] = []

        def keep(text: str, found: list[Finding]) -> str:
            pieces.extend((text[f.start : f.end], f) for f in found)
            return text

        sub = DocumentWalker(self.find, keep, self.hints, True, self.handles)
        sub.content(data, "record", depth + 1)
        out: list[Finding] = []
        for piece, f in pieces:
            out += [
                Finding(f.entity_type, a, b, f.score, f.detector, f.ref)
                for a, b in located(value, start, end, [piece])
            ]
        return out

    def field(self, key: str, value: str) -> list[Finding]:
        """The findings of one value under a key outside JSON (positions in `value`)."""
        hint = self.hints.kind(key)
        if hint is not None:
            return self.hints.whole(value, hint[0], []) if record_shaped(value, hint[1]) else []
        return self.scalar_findings(value, key)[1] if _scalar_with_digits(value) else []

    def json_in_text(self, value: str, path: Path, depth: int) -> str | None:
        """A string that is a JSON object or array (a tool result, a record pasted as a
        message) walked as JSON: keys as hints, numbers scanned; written back as JSON
        when anything in it was redacted, else left as it was (None: not JSON)."""
        try:
            data = orjson.loads(value)
        except orjson.JSONDecodeError:
            return None
        if type(data) is str and _JSON_LIKE.match(data):  # JSON in a JSON string
            walked = self.text(data, path, depth=depth + 1)
            return value if walked is data else json.dumps(walked, ensure_ascii=False)
        if not isinstance(data, (dict, list)):
            return None
        before = len(self.found)
        out = self.content(data, path, depth + 1)
        if len(self.found) == before and out == data:
            return value
        indent = 2 if "\n" in value.strip() else None
        return json.dumps(out, ensure_ascii=False, indent=indent)

    def pasted_keys(self, value: str, findings: list[Finding]) -> list[Finding]:
        """``"key": "value"`` pairs in a text that is not JSON as a whole (JSON pasted
        into a message, a log line): a value under a name key (``"first_name"``,
        ``"city"``) is that name whole, as in a JSON document."""
        extra: list[Finding] = []
        for m in _PAIR.finditer(value):
            hint = self.hints.kind(m.group(1))
            inner = m.group(2)
            if hint is None or not name_shaped(inner, hint[1]):
                continue
            start = m.start(2)
            extra += [f.shifted(start) for f in self.hints.whole(inner, hint[0], [])]
        if not extra:
            return findings
        return resolve_overlaps([*findings, *extra], value)

    def json_text(self, value: Any, path: Path, depth: int = 0) -> Any:
        """Tool-call arguments: a JSON document whose keys and values are content. It
        leaves as it was parsed and redacted (a key given twice leaves once: what was
        scanned is exactly what is sent)."""
        if not isinstance(value, str):
            return self.content(value, path, depth)
        try:
            data = orjson.loads(value)
        except orjson.JSONDecodeError:
            return self.text(value, path)
        out = self.content(data, path, depth)
        return json.dumps(out, ensure_ascii=False, separators=(",", ":"))

    def parts(self, value: Any, shape: Parts, path: Path, depth: int) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            return self.text(value, path)
        if not isinstance(value, list):
            return self.content(value, path, depth)
        out: list[Any] = []
        for i, part in enumerate(value):
            where = (path, i)
            if isinstance(part, str):
                out.append(self.text(part, where))
                continue
            if not isinstance(part, Mapping):
                out.append(self.refuse(where, type(part).__name__))
                continue
            kind = part.get("type")
            if kind in shape.text or (kind is None and "text" in part):
                out.append(self.walk(part, _TEXT_PART, where, depth))
            elif kind in shape.non_text:
                if not self.non_text_pass:
                    out.append(self.refuse(where, str(kind)))
                else:  # the media passes; its URL, name, caption and any text are scanned
                    out.append(self.content(part, where, depth, media=True))
            elif isinstance(kind, str) and kind in shape.typed:
                out.append(self.walk(part, shape.typed[kind], where, depth))
            else:
                out.append(self.refuse(where, "a content part of an unknown part type"))
        return out

    def refuse(self, path: Path, kind: str) -> Any:
        raise RedactionFailed(
            f"{_path_text(path)} holds {kind}, which cannot be inspected for PII; nothing "
            "was sent (the policy's pii.non_text decides for images, audio and files)",
            detector="non_text",
            error_type=kind if len(kind) <= 40 else "uninspectable",
        )


_TEXT_PART = Fields({"type": Structural(lambda v: isinstance(v, str) and v.isidentifier())})


# {"field": "first_name", "value": "Grace"}: the key of the value is the field's name
_NAME_KEYS = ("field", "name", "key", "label", "attribute", "property", "column")
_VALUE_KEYS = frozenset({"value", "val", "data"})
# {"columns": [...], "rows": [[...]]}: a column's header is the key of its cells
_COLUMN_KEYS = ("columns", "headers", "fields", "header", "cols")
_ROW_KEYS = frozenset({"rows", "data", "values", "records"})


def _named_by(obj: Mapping[Any, Any]) -> str | None:
    """The key a {"field": K, "value": V} pair gives its value, or None."""
    if len(obj) > 8:
        return None
    for k in _NAME_KEYS:
        named = obj.get(k)
        if type(named) is str and 0 < len(named) <= 40:
            return named
    return None


def _columns(obj: Mapping[Any, Any]) -> list[str] | None:
    """The column headers of a {"columns": [...], "rows": [[...]]} table, or None."""
    for k in _COLUMN_KEYS:
        cols = obj.get(k)
        if type(cols) is list and cols and all(type(c) is str for c in cols):
            return cols
        if type(cols) is list and cols and all(isinstance(c, Mapping) for c in cols):
            names = [c.get("name") for c in cols]
            if all(type(n) is str for n in names):
                return names
    return None


def _handle_path(path: Path) -> bool:
    """Whether a text is a handle by where it stands: under a handle key (``user``,
    ``safety_identifier``, ``metadata.user_id``, ``username``), or a message's ``name``."""
    if type(path) is not tuple:
        return False
    parent, key = path
    if key == "<key>":
        return False
    if key == "name":  # messages[i].name (not a tool's or a part's name)
        if type(parent) is not tuple or type(parent[1]) is not int:
            return False
        grand = parent[0]
        return grand == "messages" or (type(grand) is tuple and grand[1] == "messages")
    return handle_key(key)
