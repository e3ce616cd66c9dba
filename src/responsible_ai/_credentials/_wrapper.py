"""The C2PA 2.4 Annex A.8 carrier: a manifest store as Unicode variation selectors after
the visible text.

``U+FEFF`` then one selector per byte of ``magic "C2PATXT\\0" | version 1 | length (u32,
big-endian) | manifest store``; bytes 0x00-0x0F are U+FE00-U+FE0F (3 UTF-8 bytes), the
others U+E0100-U+E01EF (4 UTF-8 bytes). The wrapper is exactly ``13 + length`` selectors:
a selector the author wrote after it is not part of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "MAGIC",
    "MAX_STORE",
    "Wrapper",
    "WrapperError",
    "encode",
    "find",
    "strip",
    "utf8_cost",
]

MAGIC = b"C2PATXT\x00"
MARKER = "\ufeff"
MAX_STORE = 1 << 21  # 2 MiB: a store larger than this is refused, never decoded
_HEADER = 13
_TO_SELECTOR = {b: chr(0xFE00 + b) if b < 16 else chr(0xE0100 + b - 16) for b in range(256)}
_LOW = bytes(range(16))
_MAGIC_SELECTORS = "".join(_TO_SELECTOR[b] for b in MAGIC)
# The selectors as UTF-32-LE code units, built a byte lane at a time (C speed): byte b
# is U+FE00+b (lanes b, FE, 00, 00) below 16, else U+E0100+b-16 (lanes b-16, 01, 0E, 00).
_LANE0 = bytes(b if b < 16 else b - 16 for b in range(256))
_LANE1 = bytes(0xFE if b < 16 else 0x01 for b in range(256))
_LANE2 = bytes(0x00 if b < 16 else 0x0E for b in range(256))
_HIGH_SIXTEEN = bytes(16 if b == 0x0E else 0 for b in range(256))
_START = re.compile(re.escape(MARKER + _MAGIC_SELECTORS))
_ONLY_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]*")


class WrapperError(ValueError):
    """A wrapper begins here but is not a well-formed one."""


def utf8_cost(data: bytes) -> int:
    """The UTF-8 size of `data` as selectors (without the marker)."""
    return 4 * len(data) - (len(data) - len(data.translate(None, _LOW)))


def _selectors(data: bytes) -> str:
    units = bytearray(4 * len(data))
    units[0::4] = data.translate(_LANE0)
    units[1::4] = data.translate(_LANE1)
    units[2::4] = data.translate(_LANE2)
    return units.decode("utf-32-le")


def encode(store: bytes) -> str:
    """The wrapper (marker included) that carries `store`."""
    if len(store) > MAX_STORE:
        raise WrapperError("a manifest store larger than 2 MiB")
    return MARKER + _selectors(MAGIC + b"\x01" + len(store).to_bytes(4, "big") + store)


@dataclass(frozen=True, slots=True)
class Wrapper:
    """A located wrapper: its store, and its place as characters and as UTF-8 bytes."""

    store: bytes
    start: int  # character offsets in the text
    end: int
    byte_start: int  # UTF-8 byte offsets (what a hard binding's exclusion names)
    byte_length: int


def _decode(text: str, pos: int, count: int) -> bytes:
    chunk = text[pos : pos + count]
    if len(chunk) != count:
        raise WrapperError("the wrapper is cut short")
    if _ONLY_SELECTORS.fullmatch(chunk) is None:  # any character that is not a selector
        raise WrapperError("the wrapper is interrupted by other characters")
    # Each character is now U+FE00+b (lanes b, FE, 00, 00) or U+E0100+b-16 (lanes b-16,
    # 01, 0E, 00): the byte is lane 0, plus 16 where lane 2 is 0E (no carries: b <= 255).
    units = chunk.encode("utf-32-le")
    low = int.from_bytes(units[0::4], "big")
    high = int.from_bytes(units[2::4].translate(_HIGH_SIXTEEN), "big")
    return (low + high).to_bytes(count, "big")


def find(text: str) -> list[Wrapper]:
    """Every wrapper in `text`, in order (raises `WrapperError` on a damaged one)."""
    found: list[Wrapper] = []
    for match in _START.finditer(text):
        pos = match.end()
        head = _decode(text, pos, 5)
        if head[0] != 1:
            raise WrapperError("an unknown wrapper version")
        length = int.from_bytes(head[1:5], "big")
        if length > MAX_STORE:
            raise WrapperError("a declared manifest larger than 2 MiB")
        store = _decode(text, pos + 5, length)
        start = match.start()
        end = pos + 5 + length
        byte_start = len(text[:start].encode("utf-8", "surrogatepass"))
        found.append(Wrapper(store, start, end, byte_start, 3 + utf8_cost(MAGIC + head + store)))
    return found


def strip(text: str) -> str:
    """`text` without its wrappers (raises `WrapperError` on a damaged one)."""
    parts: list[str] = []
    cursor = 0
    for w in find(text):
        parts.append(text[cursor : w.start])
        cursor = w.end
    parts.append(text[cursor:])
    return "".join(parts)
