"""CBOR (RFC 8949) for C2PA: a deterministic encoder and a bounded decoder.

Only what C2PA manifests use: integers, byte and text strings, arrays, maps, tags,
``false``/``true``/``null`` and (read only) floats. The encoder writes the core
deterministic form (shortest heads, map keys sorted by their encoded bytes), so the
same claim always has the same bytes. The decoder reads untrusted bytes: it refuses
indefinite lengths, duplicate map keys, nesting deeper than `MAX_DEPTH` and lengths
past the end of the input, so no input can make it allocate or recurse without bound.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_DEPTH", "CborError", "Tagged", "dumps", "head", "loads"]

MAX_DEPTH = 32


class CborError(ValueError):
    """The bytes are not the CBOR this decoder accepts."""


@dataclass(frozen=True, slots=True)
class Tagged:
    """A tagged item (tag 0: a date-time text, tag 18: a COSE_Sign1)."""

    tag: int
    value: Any


def head(major: int, n: int) -> bytes:
    """The head of an item of `major` type and argument `n` (shortest form)."""
    if n < 24:
        return bytes((major << 5 | n,))
    if n < 0x100:
        return bytes((major << 5 | 24, n))
    if n < 0x10000:
        return bytes((major << 5 | 25,)) + n.to_bytes(2, "big")
    if n < 0x100000000:
        return bytes((major << 5 | 26,)) + n.to_bytes(4, "big")
    return bytes((major << 5 | 27,)) + n.to_bytes(8, "big")


def _encode(value: Any, out: list[bytes], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise CborError("nested too deeply")
    if value is None:
        out.append(b"\xf6")
    elif value is True:
        out.append(b"\xf5")
    elif value is False:
        out.append(b"\xf4")
    elif isinstance(value, int):
        out.append(head(0, value) if value >= 0 else head(1, -1 - value))
    elif isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        out.append(head(2, len(raw)))
        out.append(raw)
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        out.append(head(3, len(raw)))
        out.append(raw)
    elif isinstance(value, (list, tuple)):
        out.append(head(4, len(value)))
        for item in value:
            _encode(item, out, depth + 1)
    elif isinstance(value, dict):
        pairs = sorted((dumps(k), v) for k, v in value.items())
        out.append(head(5, len(pairs)))
        for key, item in pairs:
            out.append(key)
            _encode(item, out, depth + 1)
    elif isinstance(value, Tagged):
        out.append(head(6, value.tag))
        _encode(value.value, out, depth + 1)
    else:
        raise CborError(f"cannot encode a {type(value).__name__}")


def dumps(value: Any) -> bytes:
    """The deterministic encoding of `value`."""
    out: list[bytes] = []
    _encode(value, out, 0)
    return b"".join(out)


_ARG_BYTES = {24: 1, 25: 2, 26: 4, 27: 8}


class _Reader:
    """One pass over the bytes: each item's head read by index (a manifest store holds
    about a hundred items; this is the verifier's hot loop)."""

    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.end = len(data)
        self.pos = 0

    def take(self, n: int) -> bytes:
        pos = self.pos
        end = pos + n
        if end > self.end:
            raise CborError("truncated")
        self.pos = end
        return self.data[pos:end]

    def item(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise CborError("nested too deeply")
        data, pos, end = self.data, self.pos, self.end
        if pos >= end:
            raise CborError("truncated")
        first = data[pos]
        pos += 1
        major, n = first >> 5, first & 0x1F
        if major == 7:
            self.pos = pos
            return self._simple(n)
        if n >= 24:
            size = _ARG_BYTES.get(n)
            if size is None:
                raise CborError("indefinite or reserved length")
            if pos + size > end:
                raise CborError("truncated")
            n = int.from_bytes(data[pos : pos + size], "big")
            pos += size
        if major == 3 or major == 2:
            stop = pos + n
            if stop > end:
                raise CborError("truncated")
            self.pos = stop
            if major == 2:
                return data[pos:stop]
            try:
                return data[pos:stop].decode("utf-8")
            except UnicodeDecodeError:
                raise CborError("a text string that is not UTF-8") from None
        self.pos = pos
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        depth += 1
        if major == 6:
            return Tagged(n, self.item(depth))
        if n > end - pos:  # every element takes at least a byte
            raise CborError("truncated")
        item = self.item
        elements: list[Any] = []
        add = elements.append
        for _ in range(2 * n if major == 5 else n):
            first = data[pos] if pos < end else 0xFF  # past the end: item() refuses it
            if first < 0x18:  # a small unsigned integer, read in place
                pos += 1
                add(first)
            elif 0x40 <= first <= 0x58 or 0x60 <= first <= 0x78:  # a short string, in place
                n, start = first & 0x1F, pos + 1
                if n == 24:
                    if start >= end:
                        raise CborError("truncated")
                    n, start = data[start], start + 1
                pos = start + n
                if pos > end:
                    raise CborError("truncated")
                if first < 0x60:
                    add(data[start:pos])
                else:
                    try:
                        add(data[start:pos].decode("utf-8"))
                    except UnicodeDecodeError:
                        raise CborError("a text string that is not UTF-8") from None
            else:
                self.pos = pos
                add(item(depth))
                pos = self.pos
        self.pos = pos
        if major == 4:
            return elements
        result: dict[Any, Any] = {}
        for i in range(0, len(elements), 2):
            key = elements[i]
            if type(key) is not str and type(key) is not int:
                if isinstance(key, (list, dict)):
                    raise CborError("a map key that is not a scalar")
                try:
                    hash(key)
                except TypeError:  # a tag holding an array or a map
                    raise CborError("a map key that is not a scalar") from None
            if key in result:
                raise CborError("a duplicate map key")
            result[key] = elements[i + 1]
        return result

    def _simple(self, info: int) -> Any:
        if info == 20:
            return False
        if info == 21:
            return True
        if info in (22, 23):
            return None
        if info == 25:
            return _half(self.take(2))
        if info == 26:
            return struct.unpack(">f", self.take(4))[0]
        if info == 27:
            return struct.unpack(">d", self.take(8))[0]
        raise CborError("an unsupported simple value")


def _half(raw: bytes) -> float:
    return float(struct.unpack(">e", raw)[0])


def loads(data: bytes) -> Any:
    """Decode exactly one item that fills `data` (raises `CborError`)."""
    reader = _Reader(bytes(data))
    value = reader.item(0)
    if reader.pos != len(reader.data):
        raise CborError("trailing bytes")
    return value
