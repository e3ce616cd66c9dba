"""A person found is found whole: never part of a token joined by ".", "_" or "-"
("Jane_Smith_CV.pdf": "Jane_Smith_CV", not "Jane"), never up to a particle or a
Vietnamese middle name that the next word completes ("Le Van Tam", not "Le Van"), and
with the same name beside it in Chinese, Japanese or Korean script, in brackets
("WATANABE Kenji (渡辺健二)", "渡辺健二 (Kenji Watanabe)")."""

from __future__ import annotations

import re

__all__ = ["widen"]

Found = list[tuple[str, int, int, float]]


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_JOINERS = "._-"
_REACH = 64  # characters: a handle is never longer; a walk never goes further
_TOKEN = re.compile(r"[^\W_]*(?:[._\-]+[^\W_]*)*")  # letters, digits and joiners
# the words that go on to the name's next word: particles, Vietnamese middle names
_GOES_ON = _set(
    """
    van văn thi thị bin binti bint ibn bte al el abu ould de da di du del della der den
    von le la dos das do
    """
)
_HONORIFIC = re.compile(r"-(?i:san|sama|sensei|kun|chan|senpai|dono|shi)\b")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_CJK = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff·・ ]{1,12}"
_AFTER = re.compile(rf"[ \t]*[(（]({_CJK})[)）]")
_BEFORE = re.compile(rf"({_CJK})[ \t]*[(（][ \t]*$")
_NEXT = re.compile(r" ([A-Z\u00c0-\u024f][^\W\d_]*)")


def _alnum(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isalnum()


_MAILBOX = re.compile(r"[\w.\-]{0,64}@[^\W_]")


def _mailbox(text: str, end: int) -> bool:
    """Whether the token that `end` is in is an e-mail address's mailbox (its detector
    takes the address whole)."""
    return _MAILBOX.match(text, end) is not None


def widen(text: str, out: Found) -> None:
    """Add, for each person found only in part, the whole (see the module)."""
    brackets = "(" in text or "（" in text
    for kind, start, end, score in list(out):
        if kind != "PERSON":
            continue
        s, e = start, end
        if s > 1 and text[s - 1] in _JOINERS and _alnum(text, s - 2) and not _mailbox(text, e):
            back = _TOKEN.match(text[max(0, s - _REACH - 1) : s][::-1])
            size = back.end() if back is not None else 0
            if size <= _REACH:  # (longer: no handle, and no walk that long)
                s -= size
                while text[s] in _JOINERS:
                    s += 1
        if e < len(text) and text[e] in _JOINERS and _alnum(text, e + 1) and not _mailbox(text, e):
            ahead = _TOKEN.match(text, e, e + _REACH + 1)
            size = ahead.end() - e if ahead is not None else 0
            if size <= _REACH:
                e += size
                while text[e - 1] in _JOINERS:
                    e -= 1
            tail = _EXTENSION.search(text, end, e) or _HONORIFIC.match(text, end)
            if tail is not None:
                e = tail.start()  # "Jane_Smith_CV.pdf": not the ".pdf"; "Haruto-san"
        nxt = _NEXT.match(text, e)  # (the cheap test first: most names end a run)
        if nxt is not None:
            last = text.rfind(" ", s, e) + 1 or s
            if text[last:e].lower() in _GOES_ON and text.count(" ", s, e) < 3:
                e = nxt.end()
        if (s, e) != (start, end):
            out.append((kind, s, e, score))
        if brackets:
            after = _AFTER.match(text, e)
            if after is not None and after[1].strip(" ·・"):
                out.append((kind, after.start(1), after.end(1), score))
            before = _BEFORE.search(text, max(0, s - 20), s)
            if before is not None and before[1].strip(" ·・"):
                out.append((kind, before.start(1), before.end(1), score))
