"""JUMBF boxes (ISO/IEC 19566-5) as C2PA uses them: superboxes of a description box
(``jumd``: a type UUID, toggles, a label) and content boxes (``cbor``, ``json``, nested
``jumb``). Building and a bounded parser; the parser keeps each superbox's bytes, since
C2PA hashes what arrived, never a re-encoding.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

__all__ = [
    "CBOR",
    "JSON",
    "Box",
    "JumbfError",
    "box",
    "parse_superbox",
    "superbox",
    "type_uuid",
]

_SUFFIX = bytes.fromhex("00110010800000AA00389B71")
_FORBIDDEN = frozenset("/;?#\ufeff\uffff")


class JumbfError(ValueError):
    """The bytes are not a well-formed JUMBF superbox."""


def type_uuid(four_cc: bytes) -> bytes:
    """The 16-byte type UUID of a 4CC (``c2pa``, ``c2ma``, ``cbor``...)."""
    return four_cc + _SUFFIX


CBOR = type_uuid(b"cbor")
JSON = type_uuid(b"json")


def box(tbox: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + tbox + payload


def superbox(uuid: bytes, label: str, children: list[bytes]) -> bytes:
    """A requestable, labelled superbox holding the already-built `children` boxes."""
    if any(c in _FORBIDDEN or ord(c) < 0x20 for c in label):
        raise JumbfError("a character not allowed in a JUMBF label")
    description = box(b"jumd", uuid + b"\x03" + label.encode("utf-8") + b"\x00")
    return box(b"jumb", description + b"".join(children))


class Box(NamedTuple):
    """A parsed superbox: its type, label, content boxes, and its bytes past the header
    (what a C2PA hashed URI covers)."""

    uuid: bytes
    label: str | None
    content: tuple[tuple[bytes, bytes], ...]
    hashed: bytes

    def children(self) -> list[Box]:
        """The nested superboxes, in order (each content box of type ``jumb``)."""
        return [_parse_body(payload) for tbox, payload in self.content if tbox == b"jumb"]

    def payload(self, tbox: bytes) -> bytes:
        """The single content box of type `tbox` (raises when there is not exactly one)."""
        found = [p for t, p in self.content if t == tbox]
        if len(found) != 1:
            raise JumbfError(f"expected one {tbox.decode()} box in {self.label!r}")
        return found[0]


def _header(data: bytes, pos: int, end: int) -> tuple[int, bytes, int]:
    if pos + 8 > end:
        raise JumbfError("a truncated box header")
    (length,) = struct.unpack_from(">I", data, pos)
    tbox = data[pos + 4 : pos + 8]
    start = pos + 8
    if length == 1:
        if start + 8 > end:
            raise JumbfError("a truncated XLBox")
        (length,) = struct.unpack_from(">Q", data, start)
        start += 8
        if length < 16:
            raise JumbfError("an XLBox shorter than its header")
    elif length == 0:
        length = end - pos
    elif length < 8:
        raise JumbfError("a reserved box length")
    if pos + length > end:
        raise JumbfError("a box longer than what holds it")
    return pos + length, tbox, start


def _parse_body(body: bytes) -> Box:
    """A superbox from its bytes past the ``jumb`` header."""
    end = len(body)
    next_pos, tbox, start = _header(body, 0, end)
    if tbox != b"jumd":
        raise JumbfError("a superbox that does not begin with its description")
    if next_pos - start < 17:
        raise JumbfError("a short description box")
    label = None
    if body[start + 16] & 0x02:
        nul = body.find(b"\x00", start + 17, next_pos)
        if nul < 0:
            raise JumbfError("a label without its terminator")
        try:
            label = body[start + 17 : nul].decode("utf-8")
        except UnicodeDecodeError:
            raise JumbfError("a label that is not UTF-8") from None
    content: list[tuple[bytes, bytes]] = []
    pos = next_pos
    while pos < end:
        child_end, child_type, child_start = _header(body, pos, end)
        content.append((child_type, body[child_start:child_end]))
        pos = child_end
    if not content:
        raise JumbfError("a superbox without content")
    return Box(body[start : start + 16], label, tuple(content), body)


def parse_superbox(data: bytes) -> Box:
    """The one superbox that fills `data` (raises `JumbfError`)."""
    end, tbox, start = _header(data, 0, len(data))
    if tbox != b"jumb" or end != len(data) or start != 8:
        raise JumbfError("not one JUMBF superbox")
    return _parse_body(data[8:])
