"""The view detectors see: a text with its disguises undone, mapped back to the original.

A value can be written so that it still reads the same to a model but no longer matches
a pattern: a zero-width space inside an e-mail, a no-break space between card digits,
fullwidth digits, a percent-encoded ``@``, an HTML entity. Detection runs on a
normalised view instead, and every finding is mapped back to the original characters,
which are the ones redacted:

- compatibility forms (NFKC, per character): fullwidth and other compatibility digits
  and letters, ligatures; the decimal digits of every script become ASCII digits;
- format characters (Unicode category Cf: zero-width spaces and joiners, word joiner,
  soft hyphen, byte-order mark, bidirectional controls), lone surrogates (Cs), combining
  marks (Mn, Mc, Me: the accents of decomposed text, the grapheme joiner, variation
  selectors), blank fillers and modifier apostrophes are dropped; small capitals and
  Latin look-alikes (IPA "ɑ", dotless "ı") become the letters they read as;
- space separators (Zs: no-break, thin, figure spaces...) become a space, dash
  punctuation (Pd) and the minus sign a hyphen-minus, the ideographic full stops a dot;
- the common escapes are decoded: ``%40``, ``\\u0040``, ``\\x40``, ``\\.``, ``\\@``,
  ``&#64;``, ``&#x40;`` and every HTML5 named entity (``&commat;``, ``&nbsp;``, ``&ensp;``,
  ``&middot;``, ``&NewLine;``, ``&lt;``...), also when encoded again (``&amp;nbsp;``).

One pass with a compiled regex finds the places to change (C speed); plain ASCII text
without ``%``, ``\\`` or ``&`` is returned as it is. Linear in the text's length.

The two folds the detectors share live here too: `lowered` (lower case, keeping every
position: what context words and known values are matched in) and `folded` (a word as a
name is looked up).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import lru_cache
from html.entities import html5

__all__ = ["READ_AS", "NormalizedView", "folded", "lowered", "normalized"]

# one pattern per trigger, each led by what a scan can look for fast (a character class,
# a literal), run only when its trigger character is in the text
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_BACKSLASH = re.compile(r"\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}|\\[.@]")
# an entity, encoded again up to three times ("&amp;nbsp;", "&amp;amp;#64;")
_ENTITY = re.compile(
    r"&(?:amp;){0,3}(?:#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)"
)
_NAMED = html5  # every HTML5 named character reference ("nbsp;", "NewLine;", "bull;"...)


# letters that render as nothing (Hangul fillers, the Braille blank), and the modifier
# apostrophes that sit inside a word as if they were not there ("Jaʼne")
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u02bc\u02b9\u02bb")

# Letters that read as Latin ones, the one table of them. The view reads the Latin
# script's own (small capitals: "ᴊᴀɴᴇ ꜱᴍɪᴛʜ" reads as "jane smith"; IPA alpha, script g,
# dotless i, open e and o: "Jɑne"), which NFKC leaves as they are. The Cyrillic, Greek and
# Armenian ones are letters of words of their own ("Москва"), so the view keeps them and
# only a name is looked up with them read as Latin (`folded`: a Cyrillic "а" in "Jаne"
# is still Jane).
READ_AS: dict[str, str] = {
    # Latin: small capitals, then IPA and other look-alikes
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ꞯ": "q", "ʀ": "r",
    "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    "\u0251": "a", "\u0261": "g", "\u0131": "i", "\u025b": "e", "\u0254": "o",
    # Cyrillic and Armenian
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
    "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l", "ո": "n",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S", "Ү": "Y",
    # Greek
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "τ": "t", "ι": "i", "κ": "k",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}  # fmt: skip
# the ideographic and halfwidth full stops read as a dot ("jane@roe\u3002example"); the
# fullwidth one is NFKC's already
_FULL_STOPS = {"\u3002": ".", "\uff61": "."}
_LATIN = {c: r for c, r in READ_AS.items() if unicodedata.name(c).startswith("LATIN")}
_OTHER_SCRIPTS = str.maketrans({c: r for c, r in READ_AS.items() if c not in _LATIN})


@lru_cache(maxsize=4096)
def _char(c: str) -> str:
    """What one non-ASCII character becomes in the view (itself when nothing applies)."""
    kind = unicodedata.category(c)
    if kind in ("Cf", "Cs", "Mn", "Me", "Mc") or c in _FILLERS:
        return ""  # format characters, lone surrogates, combining marks, blank fillers
    letter = _LATIN.get(c) or _FULL_STOPS.get(c)
    if letter is not None:
        return letter
    if kind == "Zs":
        return " "
    if kind in ("Zl", "Zp"):  # the line and paragraph separators: a line break
        return "\n"
    if kind == "Pd" or c == "\u2212":
        return "-"
    if kind == "Nd":  # a decimal digit of any script (Arabic-Indic, Devanagari...)
        return str(unicodedata.decimal(c))
    return unicodedata.normalize("NFKC", c)


def _escape(s: str) -> str | None:
    """The character an escape stands for (None: leave the escape as it is)."""
    try:
        if s[0] == "%":
            code = int(s[1:], 16)
        elif s[0] == "\\":
            if len(s) == 2:  # an escaped dot or "@" ("roe\\.example"): the character
                return s[1]
            code = int(s[2:], 16)
        else:
            body = s[1:]
            while body.startswith("amp;") and len(body) > 4:
                body = body[4:]  # encoded again: "&amp;nbsp;" is "&nbsp;"
            if body[0] == "#":
                code = int(body[2:-1], 16) if body[1] in "xX" else int(body[1:-1])
            else:
                named = _NAMED.get(body) or _NAMED.get(body.lower())
                if named is None or len(named) != 1:
                    return None
                return _char(named) if ord(named) > 0x7F else named
    except ValueError:
        return None
    if (code < 0x20 and code not in (9, 10, 13)) or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    out = chr(code)
    return _char(out) if code > 0x7F else out


class NormalizedView:
    """`text` (the view) and the map from its positions back to the original's."""

    __slots__ = ("_norm", "_orig", "_runs", "text")

    def __init__(self, text: str, pieces: list[tuple[int, int, str]]) -> None:
        # pieces: (original start, original end, replacement), in order, not overlapping
        out: list[str] = []
        self._norm: list[int] = []  # start of each segment in the view
        self._orig: list[int] = []  # ... and in the original
        self._runs: list[int] = []  # original length of a replaced piece; -1 for 1:1 runs
        pos = 0
        size = 0
        for start, end, repl in pieces:
            if start > pos:
                self._add(size, pos, -1)
                out.append(text[pos:start])
                size += start - pos
            self._add(size, start, end - start)
            out.append(repl)
            size += len(repl)
            pos = end
        if pos < len(text):
            self._add(size, pos, -1)
            out.append(text[pos:])
        self.text = "".join(out)

    def _add(self, norm: int, orig: int, run: int) -> None:
        self._norm.append(norm)
        self._orig.append(orig)
        self._runs.append(run)

    def _segment(self, index: int) -> int:
        # the last segment starting at or before `index`: a dropped character's empty
        # segment is always followed by one starting at the same place, so never chosen
        return bisect.bisect_right(self._norm, index) - 1

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original characters behind view positions ``start:end``."""
        i = self._segment(start)
        o_start = self._orig[i] + (start - self._norm[i] if self._runs[i] == -1 else 0)
        j = self._segment(end - 1)
        if self._runs[j] == -1:
            o_end = self._orig[j] + (end - 1 - self._norm[j]) + 1
        else:
            o_end = self._orig[j] + self._runs[j]
        return o_start, o_end


def normalized(text: str) -> NormalizedView | None:
    """The view of `text`, or None when it is the text itself (the common case)."""
    if text.isascii() and "%" not in text and "\\" not in text and "&" not in text:
        return None
    pieces: list[tuple[int, int, str]] = []
    matches: list[re.Match[str]] = []
    if not text.isascii():
        matches.extend(_NON_ASCII.finditer(text))
    if "%" in text:
        matches.extend(_PERCENT.finditer(text))
    if "\\" in text:
        matches.extend(_BACKSLASH.finditer(text))
    if "&" in text:
        matches.extend(_ENTITY.finditer(text))
    if len(matches) > 1:
        matches.sort(key=lambda m: m.start())  # (escapes are ASCII: they never overlap)
    for m in matches:
        s = m.group()
        if len(s) == 1:  # a non-ASCII character
            repl = _char(s)
        else:
            found = _escape(s)
            if found is None:
                continue
            repl = found
        if repl != s:
            pieces.append((m.start(), m.end(), repl))
    if not pieces:
        return None
    return NormalizedView(text, pieces)


def lowered(text: str) -> str:
    """`text.lower()` when that keeps every position; else a per-character fold that does."""
    low = text.lower()
    if len(low) == len(text):
        return low
    low = text.replace("\u0130", "i").lower()  # "İ" is the one letter whose lower case is
    if len(low) == len(text):  # two characters (Unicode 15); any other: one by one
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def folded(word: str) -> str:
    """`word` as a name is looked up: without accents, and with the look-alike letters of
    other scripts made Latin (the view has read the Latin ones already)."""
    word = word.translate(_OTHER_SCRIPTS)
    if word.isascii():
        return word
    return _MARKS.sub("", unicodedata.normalize("NFKD", word))


# the combining marks that decomposing Latin, Greek and Cyrillic letters leaves
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
