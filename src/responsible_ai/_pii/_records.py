"""Records in a text: where a value stands under a key that says what it is.

Two kinds. `regions`: JSON objects and arrays (and Python dict/list literals, as a
``repr`` prints them) inside a text, after a prefix, in a code fence, or one JSON string
holding another (double-encoded); the walker walks their data as it walks a body, and
`located` puts what it found back at its place in the text. `fields`: records that are
not JSON, as (key, start, end) spans of values: "Key: value" lines, ``key=value&...``,
``<key>value</key>``, and tables with a header row (CSV, TSV, markdown), where a
column's header is the key of each of its cells.

Linear: one bracket-matching pass for regions (parsed only when whole), one regex pass
per kind of field, each bounded.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

import orjson

__all__ = ["MAX_REGION", "fields", "located", "maybe_records", "regions"]

MAX_REGION = 1 << 16  # a region longer than this is not parsed as a Python literal
_MAX_NEST = 64
_MAX_REGIONS = 64  # regions parsed in one text

# "Key: value" at the start of a line (a list bullet allowed), the value to the line end
_LINE = re.compile(
    r"(?m)^[ \t]*(?:[-*\u2022][ \t]+)?([A-Za-z][\w .'/-]{0,38}?)[ \t]*:[ \t]*(\S[^\n]{0,119})$"
)
# key=value in a query string or a log line (the value url-encoded)
_QUERY = re.compile(r"(?<![\w.%-])([A-Za-z][\w.-]{0,39})=([^&;\s=\"'<>]{1,120})")
# <key>value</key>
_XML = re.compile(r"<([A-Za-z][\w.-]{0,39})(?:\s[^<>]{0,200})?>([^<>]{1,120})</\1\s*>")
_MARKS = re.compile(r"[\\\\{}\[\]\"'\n]")  # what `_brackets` reads
_TABLE_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*")


def maybe_records(text: str) -> bool:
    """Whether a text may hold a record (a cheap test: a bracket with a quote, a colon,
    an equals sign, a closing tag, or lines with separators)."""
    return (
        ":" in text
        or "=" in text
        or "</" in text
        or (("{" in text or "[" in text) and ('"' in text or "'" in text))
        or ("\n" in text and ("," in text or "\t" in text or "|" in text or ";" in text))
    )


def _brackets(text: str) -> list[tuple[int, int]]:
    """The outermost balanced ``{...}`` / ``[...]`` spans of `text`, strings (double or
    single quoted, with escapes) skipped; nesting deeper than 64 ends a span unparsed."""
    spans: list[tuple[int, int]] = []
    stack: list[str] = []
    start = 0
    quote = ""
    skip = -1  # the position a backslash escapes
    for m in _MARKS.finditer(text):
        i = m.start()
        if i == skip:
            continue
        c = text[i]
        if c == "\\":  # an escaped quote is no string's edge (JSON inside a JSON string)
            skip = i + 1
        elif quote:
            if c == quote or c == "\n":
                quote = ""
        elif c == "{" or c == "[":
            if not stack:
                start = i
            stack.append("}" if c == "{" else "]")
            if len(stack) > _MAX_NEST:
                stack.clear()
        elif c == "}" or c == "]":
            if stack and stack[-1] == c:
                stack.pop()
                if not stack:
                    spans.append((start, i + 1))
            else:
                stack.clear()
        elif (c == '"' or c == "'") and stack:
            quote = c
    return spans


def _literal(text: str) -> Any:
    """A Python dict/list literal (``{'first_name': 'Grace'}``), or None."""
    if len(text) > MAX_REGION or "'" not in text:
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None
    return value if isinstance(value, (dict, list, tuple)) else None


def _escaped(text: str) -> Any:
    """JSON written inside a JSON string (``{\\"first_name\\": ...}``), or None."""
    try:
        inner = orjson.loads(f'"{text}"')
        return orjson.loads(inner) if isinstance(inner, str) else None
    except orjson.JSONDecodeError:
        return None


def regions(text: str) -> list[tuple[int, int, Any]]:
    """The JSON objects and arrays in `text` (or Python literals of them) with a key or a
    string in them, as (start, end, data); a whole-text JSON is one region too."""
    if ("{" not in text and "[" not in text) or ('"' not in text and "'" not in text):
        return []
    out: list[tuple[int, int, Any]] = []
    for start, end in _brackets(text)[:_MAX_REGIONS]:
        body = text[start:end]
        if ":" not in body and '"' not in body and "'" not in body:
            continue  # "[1]", "[x]": no record
        data: Any
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            data = _escaped(body) if '\\"' in body else _literal(body)
        if isinstance(data, (dict, list, tuple)) and data:
            out.append((start, end, data))
    return out


def _forms(piece: str) -> set[str]:
    """How a value found in a region's data may be written in its text: as is, escaped
    for JSON (once or twice: double-encoded), or as a Python repr escapes it."""
    once = json.dumps(piece, ensure_ascii=False)[1:-1]
    return {piece, once, json.dumps(once, ensure_ascii=False)[1:-1], repr(piece)[1:-1]}


def located(text: str, start: int, end: int, pieces: list[str]) -> list[tuple[int, int]]:
    """Where in ``text[start:end]`` each found piece stands, as a whole word (never the
    part of a longer word or number); a whole number's ``.0`` tail goes with it."""
    spans: list[tuple[int, int]] = []
    for piece in dict.fromkeys(pieces):
        if not piece.strip():
            continue
        for form in _forms(piece):
            at = text.find(form, start, end)
            while at >= 0:
                stop = at + len(form)
                before = text[at - 1] if at > start else " "
                after = text[stop] if stop < end else " "
                if not (before.isalnum() and form[0].isalnum()) and not (
                    after.isalnum() and form[-1].isalnum()
                ):
                    if form.isdigit() and after == "." and text[stop + 1 : stop + 2] == "0":
                        while stop + 1 < end and text[stop + 1] == "0":
                            stop += 1
                        stop += 1
                    spans.append((at, stop))
                at = text.find(form, at + 1, end)
    return spans


def _cells(line: str, sep: str) -> list[tuple[int, int]]:
    """The (start, end) of each cell of a table line, quotes and edges stripped."""
    out: list[tuple[int, int]] = []
    pos = 0
    stripped = line.rstrip()
    if sep == "|":
        if stripped.lstrip().startswith("|"):
            pos = line.index("|") + 1
        if stripped.endswith("|"):
            stripped = stripped[:-1]
    for piece in stripped[pos:].split(sep):
        a, b = pos, pos + len(piece)
        while a < b and line[a] in " \t\"'":
            a += 1
        while b > a and line[b - 1] in " \t\"'":
            b -= 1
        out.append((a, b))
        pos += len(piece) + 1
    return out


def _tables(text: str, is_key: Any) -> list[tuple[str, int, int]]:
    """Cells of tables with a header row (CSV, TSV, semicolons, markdown) under their
    column's header, where a header is a key `is_key` knows."""
    out: list[tuple[str, int, int]] = []
    lines = text.split("\n")
    offsets: list[int] = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    i = 0
    while i < len(lines) - 1:
        line = lines[i]
        sep = next((s for s in ("|", "\t", ",", ";") if line.count(s) >= 1), None)
        if sep is None:
            i += 1
            continue
        header = [line[a:b] for a, b in _cells(line, sep)] if len(line) <= 800 else []
        if len(header) < 2 or any(len(h) > 40 for h in header) or not any(map(is_key, header)):
            i += 1
            continue
        j = i + 1
        if sep == "|" and _TABLE_RULE.fullmatch(lines[j]):
            j += 1
        while j < len(lines) and lines[j].count(sep) >= 1:
            base = offsets[j]
            for col, (a, b) in enumerate(_cells(lines[j], sep)):
                if col < len(header) and b > a:
                    out.append((header[col], base + a, base + b))
            j += 1
        i = j
    return out


def fields(text: str, is_key: Any) -> list[tuple[str, int, int]]:
    """Values under keys in a text that is not JSON, as (key, start, end); only keys
    that `is_key` knows (a name or identifier key) are returned."""
    out: list[tuple[str, int, int]] = []
    if ":" in text:
        out += [(m.group(1), m.start(2), m.end(2)) for m in _LINE.finditer(text)]
    if "=" in text:
        out += [(m.group(1), m.start(2), m.end(2)) for m in _QUERY.finditer(text)]
    if "</" in text:
        out += [(m.group(1), m.start(2), m.end(2)) for m in _XML.finditer(text)]
    if "\n" in text and ("," in text or "\t" in text or "|" in text or ";" in text):
        out += _tables(text, is_key)
    return [f for f in out if is_key(f[0])]
