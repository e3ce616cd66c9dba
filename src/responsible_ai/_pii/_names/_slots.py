"""Names where only a name can stand, whatever their words are: after a label ("Name:
Tanaka Yuki", "CLIENT: OKONKWO Chidi", "Owner: Mark"), a greeting in any language
("Kedves Zoltán!", "Lieber Herr Schmidt,", "Querida Hope,"), a sign-off ("-- Mark",
"Yours,\\nWill", "BR, Mark", a name alone on a line above a job title), as a chat
speaker ("Hope: on it", "Mark - please review"), after a verb or a word that takes a
person ("call Hope back", "ty Mark", "my girl Hope", "Hope said"), in a list of first
names or of names with roles ("Will, Mark, Hope", "Hope (HR), Mark (Legal)"), in the
orders of a directory ("Okonkwo, Hope", "Smith, John A.", "Okonkwo H."), with a
Japanese honorific ("Nakamura-san"), as a card's track-1 holder ("^ROE/JANE^"), and a
text that is a name alone ("Chidi Okonkwo"). In such a slot a first name that is also a
word ("Hope", "Will") is the name, and two words no list knows are one.

Each rule is a regex whose first character is rare (a colon, a line start, a caret) or
a short word list, run over a text where `_gate` found a window; the words it reads are
looked up in sets."""

from __future__ import annotations

import re
from itertools import pairwise
from operator import and_

from ._added import Added
from ._lexicon import Lexicon
from ._slot_words import (
    ACCOUNT_LABELS,
    CUES,
    GREETING_HEADS,
    GREETINGS,
    HEADS,
    HONORIFICS,
    JOBS,
    KIN,
    KIND_WORDS,
    LABELS,
    LONG_GREETINGS,
    POSSESSIVES,
    SIGNOFF_HEADS,
    SIGNOFFS,
    SPEECH,
)
from ._slugs import account_name
from ._tokens import Word
from ._words import MODALS, MONTHS_DAYS, NOT_NAMES, NOT_SURNAME, ORG_TAILS, PARTICLES, TITLES

__all__ = ["slots"]

Found = list[tuple[str, int, int, float]]

_SCORE = 0.85
_CAPITAL_NEXT = re.compile(r"[ \t,]*[^\W\d_](?<=[A-Z\u00c0-\u00de])")


_WORD = r"[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*\.?"
# the words a slot may hold: up to four, one blank between each
_VALUE = re.compile(rf"{_WORD}(?:[ \t]{_WORD}){{0,3}}")
# what may open a field before its label: a line's start, a tab, a bar, a bracket...
_FIELD_OPENERS = '\n\r\t|;([{"'
# a short title or abbreviation before the name ("Lic. Alejandro Cárdenas", "Sr. Ruiz")
_ABBREVIATION = re.compile(r"[A-Z](?:[a-z]{1,3}|[A-Z]{1,3})\.[ \t]+(?=[A-Z])")
# what may follow a name in a field: the line's or the field's end, a comma, a bracket
_FIELD_END = re.compile(r"[ \t]*(?:$|[\n\r,;(<|/\[]|[ \t]{2})", re.M)
_GOES_ON_CAPITALISED = re.compile(r"[ \t]+[A-Z]|[ \t]*&")
_CLOSE = re.compile(r"[ \t]*(?:[,!:;.?)\n]|$)")
_END_OF_LINE = re.compile(r"[ \t]*[,.!]?[ \t]*(?:\r?\n|$)")
_DASHES = ("--", "—", "–", "~")
_LINE_START = re.compile(r"[ \t]*(\S*)")
_SPEAKER_MARK = re.compile(r"(?::|[ \t]+[-–—])[ \t]+\S")
_NEXT_WORD = re.compile(r"[ \t]+([^\W\d_]+)")
_ROLE_AFTER = re.compile(r"(?:[ \t][A-Z][\w'’\-]+)?[ \t]*\([^()\n]{1,30}\)")
_LIST_GAP = re.compile(r"[ \t]*(?:,|;|/|,?[ \t]+(?:and|&|und|et|y|e)\b)[ \t]*")
_NOT_A_PERSON_AFTER = re.compile(
    r"['’\-]|[ \t]+(?:[A-Z]|(?:van|von|de|der|del|da|di|du|la|le|bin|al)\b)"
)
# "Okonkwo, Hope", "Smith, John A."; not a firm's partners ("Ross, Rogers and Jones")
# nor a place's ("Way, Annalise Ville")
_COMMA_GIVEN = re.compile(
    r",[ \t]+([A-Z][a-z\u00e0-\u00ff]+|[A-Z]{2,})\b((?:[ \t]+[A-Z]\.)*)"
    r"(?![ \t]+(?:[A-Z][a-zA-Z]|(?i:and|und|e|y|et|de|van|von|da|di|du|la|le|del|der)\b|&))"
)
_WORD_CHARS = re.compile(r"[\w'’\-]{1,40}")
# a Japanese honorific after a name: not part of the name ("Haruto-san")
_HONORIFIC_TAIL = re.compile(r"-(?i:san|sama|sensei|kun|chan|senpai|dono|shi)\b")
_INITIAL = re.compile(r"[ \t][A-Z]\.(?!\w|[ \t]*[A-Z]{1,3}\.)")
_HONORIFIC_AFTER = re.compile(r"-(?i:san|sama|sensei|kun|chan|senpai|dono|shi)\b")
_TRACK1 = re.compile(r"\^([A-Z][A-Z'.\- ]{0,25})/([A-Z][A-Z'.\- ]{0,25})\^")


def _key(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def _kind(word: str, lex: Lexicon) -> tuple[bool, bool, bool]:
    """(a known first name, a known surname, an English word) of one word."""
    low = word.lower()
    key = _key(word)
    return (
        key in lex.first,
        key in lex.last,
        low in lex.words or low in MONTHS_DAYS or low in NOT_NAMES,
    )


def _value(text: str, at: int, lex: Lexicon, *, lower: bool, words: bool) -> int:
    """Where the name that starts at `at` ends (0 if there is none): up to four words,
    each a name, a particle, an initial or a word no list knows; a name that is also an
    English word only if `words`; in lower case only if `lower` (and then one word must
    be no English word)."""
    m = _VALUE.match(text, at)
    if m is None:
        return 0
    end = 0
    some = evidence = False
    pos = at
    for tok in m[0].split():
        start = text.find(tok, pos)
        pos = start + len(tok)
        tail = _HONORIFIC_TAIL.search(tok)
        if tail is not None:
            pos -= len(tok) - tail.start()
            tok = tok[: tail.start()]
        bare = tok.rstrip(".")
        if len(bare) == 1:
            if not bare.isupper() or not some:
                break
            end = pos  # an initial: "John A."
            continue
        # a sentence's full stop is not the name's
        tok_end = pos - 1 if tok.endswith(".") and bare.lower() not in TITLES else pos
        if bare.lower() in PARTICLES and some:
            continue
        if bare.islower() and not lower:
            break
        if not (bare[0].isupper() or bare.islower()):
            break
        first, last, word = _kind(bare, lex)
        if word and not (first or last):
            break
        if some and bare.lower() in NOT_SURNAME:
            break
        if word and not words and not (some or bare.isupper()):
            break
        if not word:
            evidence = True
        elif not bare.islower() and (first or last):
            evidence = evidence or words or bare.isupper()
        some = True
        end = tok_end
        if tok.endswith(".") and tok_end < pos:
            break
    if not some or not evidence:
        return 0
    value = text[at:end]
    if value in lex.major or any(t.lower().rstrip(".") in ORG_TAILS for t in value.split()):
        return 0  # "From: London", "Client: Acme Ltd": a place, a firm
    if lower and text[at:end].islower() and all(_kind(t, lex)[2] for t in text[at:end].split()):
        return 0
    return end


def slots(text: str, lex: Lexicon, out: Found, seen: list[Word]) -> None:
    """Add the names that stand in a slot only a name fills (see the module). `seen`:
    the words of `_gate`'s windows, which hold every capitalised name of the text."""
    added = Added(out)
    if ":" in text or "：" in text:
        _labels(text, lex, added)
    _lines(text, lex, added)
    named = [w for w in seen if w.cap and (w.first or not w.word)]  # (a few of `seen`)
    names = [w for w in named if w.first and not w.upper]
    if names:
        _cued(text, lex, added, names)
        if "(" in text:
            _roles(text, lex, added, names)
        if len(names) > 2 and "," in text and _three_close(names):
            _list_of_first_names(text, lex, added, names)
    pairs: dict[tuple[str, str, str], int] = {}
    ends: dict[int, int] = {}  # where each of the windows' words ends: its start
    for w in named:
        if w.first and text.startswith(",", w.start - 2, w.start):
            m = _COMMA_GIVEN.match(text, w.start - 2)
            if m is not None:  # "Okonkwo, Hope"
                if not ends:
                    ends = {v.end: v.start for v in seen}
                _comma_order(text, m, lex, added, pairs, ends)
        if (
            not w.word
            and not w.first
            and not w.place
            and len(w.low) > 3
            and (m := _INITIAL.match(text, w.end)) is not None
            and (w.start == 0 or _free(text[w.start - 1]))
        ):
            added.add(w.start, m.end())  # "Okonkwo H."
    if "-" in text and (first := _HONORIFIC_AFTER.search(text)) is not None:
        for m in _HONORIFIC_AFTER.finditer(text, first.start()):
            at = _word_before(text, m.start())
            if at is not None and text[at : m.start()].lower() not in lex.words:
                added.add(at, m.start())  # "Nakamura-san"
    if "^" in text:
        for m in _TRACK1.finditer(text):
            added.add(m.start(1), m.end(2) - (len(m[2]) - len(m[2].rstrip())))
    if len(text) <= 80:
        _alone(text, lex, added)
    out += [("PERSON", start, end, _SCORE) for start, end in added.spans]


def _free(c: str) -> bool:
    """Whether a word may start after the character `c` (not inside a longer token)."""
    return not (c.isalnum() or c in "'’-_,")


def _labels(text: str, lex: Lexicon, out: Added) -> None:
    """A field's label, then a name: "Name: Tanaka Yuki", "CLIENT: OKONKWO Chidi"."""
    for colon in (":", "："):
        p = text.find(colon)
        while p != -1:
            _label_at(text, p, lex, out)
            p = text.find(colon, p + 1)


def _label_at(text: str, p: int, lex: Lexicon, out: Added) -> None:
    lo = max(0, p - 40)
    seg = text[lo:p].rstrip(" \t")
    words = seg.split()[-4:]
    for k in range(len(words), 0, -1):
        label = " ".join(words[-k:])
        low = label.lower()
        if (low not in LABELS and low not in ACCOUNT_LABELS) or not seg.endswith(label):
            continue
        start = lo + len(seg) - len(label)
        if not (start == 0 or text[start - 1] in _FIELD_OPENERS or text.endswith("  ", 0, start)):
            return  # "COMPANY NAME:" is no "NAME:"
        at = p + 1
        while at < len(text) and text[at] in " \t":
            at += 1
        if low in ACCOUNT_LABELS:
            tok = text[at:].split(None, 1)[0] if text[at:].strip() else ""
            size = account_name(tok.rstrip(",;.)"), lex)
            if size:
                out.add(at, at + size)
            return
        at = _after_title(text, at, lex)
        end = _value(text, at, lex, lower=True, words=True)
        if not end or _GOES_ON_CAPITALISED.match(text, end):
            return  # not "Manager: Randstad Employment Bureau", "TO: Lindkvist & Co"
        if text[at:end].islower() and not _FIELD_END.match(text, end):
            return  # "customer: brightwater foods ltd"
        out.add(at, end)
        return


def _lines(text: str, lex: Lexicon, out: Added) -> None:
    """The slots at a line's start: a greeting, a sign-off, a speaker, a name alone
    above a job title, and "- Mark" as the last line."""
    size = len(text)
    start = 0
    while start < size:
        eol = text.find("\n", start)
        if eol == -1:
            eol = size
        head = _LINE_START.match(text, start, eol)
        at = head.start(1) if head is not None else eol
        nxt = eol + 1
        if at < eol:
            _line(text, lex, out, at, eol, head[1] if head is not None else "")
        start = nxt


def _line(text: str, lex: Lexicon, out: Added, at: int, eol: int, head: str) -> None:
    """One line's slots (see `_lines`): it starts at `at` with the word `head`."""
    if (
        head[:1] in "-—–~"
        and (  # (the cheap test first)
            head.startswith(_DASHES) or (head.startswith("-") and not text[eol:].strip())
        )
    ):
        name = at + (2 if head.startswith("--") else 1)
        while name < eol and text[name] in " \t":
            name += 1
        end = _value(text, name, lex, lower=False, words=True)
        if end and _END_OF_LINE.match(text, end):
            out.add(name, end)  # "-- Mark", "~Rose"; "- Mark" ending the text
        return
    if not head[:1].isalpha():
        return
    first = head.lower().rstrip(",.!:;")
    if first in HEADS:
        greeting = first in GREETING_HEADS and (
            first in LONG_GREETINGS or _CAPITAL_NEXT.match(text, at + len(head)) is not None
        )  # "Hi team,": no name (and the cheap test first)
        if greeting or first in SIGNOFF_HEADS:
            words = text[at : min(eol, at + 80)].lower().split(None, 4)[:4]
            if greeting:
                _greeting(text, lex, out, at, words)
            if first in SIGNOFF_HEADS:
                _signoff(text, lex, out, at, words, eol)
    if head.endswith(":") or text.startswith((" -", " –", " —"), at + len(head)):
        _speaker(text, lex, out, at)
    if eol < len(text) and eol - at <= 40 and head[0].isupper():
        nxt = text.find("\n", eol + 1)
        _above_a_title(text, lex, out, at, eol, text[eol + 1 : nxt if nxt != -1 else None])


def _past(text: str, p: int, k: int, end: int) -> int:
    """Where the text goes on after `k` words from `p` (and the blanks and marks after
    them), up to `end`."""
    for _ in range(k):
        while p < end and not text[p].isspace() and text[p] not in ",.!:;":
            p += 1
        while p < end and text[p] in " \t,.!:;-–—":
            p += 1
    return p


def _phrase(words: list[str], k: int) -> str:
    return " ".join(words[:k]).rstrip(",.!:;")


def _greeting(text: str, lex: Lexicon, out: Added, at: int, words: list[str]) -> None:
    """ "Kedves Zoltán!", "Lieber Herr Schmidt,", "Querida Hope,": a greeting, perhaps a
    title, then a name that closes the phrase."""
    for k in (3, 2, 1):
        if len(words) < k or _phrase(words, k) not in GREETINGS:
            continue
        p = _past(text, at, k, len(text))
        if k < len(words) and words[k].rstrip(".") in HONORIFICS:
            p = _past(text, p, 1, len(text))
        p = _after_title(text, p, lex)
        end = _value(text, p, lex, lower=False, words=True)
        if end and _CLOSE.match(text, end):
            out.add(p, end)
        return


def _signoff(text: str, lex: Lexicon, out: Added, at: int, words: list[str], eol: int) -> None:
    """ "BR, Mark", "Rgds Mark", "Yours,\\nWill": a sign-off, then a name ending a line."""
    for k in range(len(words), 0, -1):
        if _phrase(words, k) not in SIGNOFFS:
            continue
        p = _past(text, at, k, eol)
        if p >= eol:  # the name on the next line
            p = eol + 1
            while p < len(text) and text[p] in " \t":
                p += 1
        end = _value(text, p, lex, lower=False, words=True)
        if end and _END_OF_LINE.match(text, end):
            out.add(p, end)
        return


def _speaker(text: str, lex: Lexicon, out: Added, at: int) -> None:
    """ "Hope: on it", "Mark - please review": a first name opening a chat line."""
    m = _VALUE.match(text, at)
    if m is None:
        return
    word = m[0].split()[0]
    end = at + len(word)
    if not _given(word, lex) or not _SPEAKER_MARK.match(text, end):
        return
    after = text.find(":", end, end + 2)
    if after != -1:
        p = after + 1
        while p < len(text) and text[p] in " \t":
            p += 1
        value = _value(text, p, lex, lower=word.islower(), words=True)
        if value and _FIELD_END.match(text, value):
            return  # "Buddy: Linh": a field and its value
    out.add(at, end)


def _above_a_title(text: str, lex: Lexicon, out: Added, at: int, eol: int, nxt: str) -> None:
    """A name alone on a line, above a line that gives a job title ("Mark\\nSenior
    Analyst, Acme Ltd"): a signature."""
    if len(nxt) > 80 or JOBS.isdisjoint(nxt.lower().replace(",", " ").split()):
        return
    end = _value(text, at, lex, lower=False, words=True)
    if end and not text[end:eol].strip(" \t,"):
        out.add(at, end)


def _cued(text: str, lex: Lexicon, out: Added, names: list[Word]) -> None:
    """A first name that is also a word after a verb or a word that takes a person
    ("call Hope back", "ty Mark", "my girl Hope") or before a verb of speech ("Hope
    said")."""
    for w in names:
        if not w.word:
            continue
        start, end = w.start, w.end
        # (whether it is a first name, `_given`, is asked only where it would be added;
        # a word before that ends in no letter is no cue, nor a capitalised word)
        if (
            start
            and text[start - 1] in " \t"
            and (seg := text[max(0, start - 40) : start].rstrip())[-1:].isalpha()
        ):
            prev = seg.split()[-3:]
            last = prev[-1].lower() if prev else ""
            if last in CUES or last in KIN or last == "to":  # (most words are none)
                low = [p.lower() for p in prev]
                cue = last in CUES or (len(low) > 1 and last == "to" and low[-2] in CUES)
                kin = last in KIN and (
                    (len(low) > 1 and low[-2] in POSSESSIVES)
                    or (len(low) > 2 and low[-2] in KIND_WORDS and low[-3] in POSSESSIVES)
                )
                if (cue or kin) and not _NOT_A_PERSON_AFTER.match(text, end):
                    if w.low not in lex.major and _given(text[start:end], lex):
                        out.add(start, end)
                    continue
            if prev and prev[-1][:1].isupper() and prev[-1].isalpha():
                continue  # "Hope Okonkwo said": the run is judged whole
        nxt = _NEXT_WORD.match(text, end)
        if nxt is not None and nxt[1].lower() in SPEECH and _given(text[start:end], lex):
            out.add(start, end)


def _roles(text: str, lex: Lexicon, out: Added, names: list[Word]) -> None:
    """Names listed with a role in brackets: "Hope (HR), Mark (Legal)"."""
    items = []
    for w in names:
        m = _ROLE_AFTER.match(text, w.end)
        if m is not None and _given(text[w.start : w.end], lex):
            name_end = text.rfind("(", m.start(), m.end())
            items.append((w.start, len(text[:name_end].rstrip()), m.end()))
    for k, (start, end, item_end) in enumerate(items):
        near = (k > 0 and _LIST_GAP.fullmatch(text, items[k - 1][2], start)) or (
            k + 1 < len(items) and _LIST_GAP.fullmatch(text, item_end, items[k + 1][0])
        )
        if near:
            out.add(start, end)


def _three_close(names: list[Word]) -> bool:
    """Whether three names follow each other, each within `_list_of_first_names`' reach
    of the one before (what a list of them needs first)."""
    close = [b.start - a.end <= 8 for a, b in pairwise(names)]
    return any(map(and_, close, close[1:]))


def _list_of_first_names(text: str, lex: Lexicon, out: Added, names: list[Word]) -> None:
    """Three first names or more in a list: "Will, Mark, Hope", "Rose, Mark and Hope"."""
    run: list[tuple[int, int]] = []
    given: dict[str, bool] = {}  # each word asked once
    for w in names:
        span = (w.start, w.end)
        if run and span[0] - run[-1][1] > 8:  # too far apart for a list: the cheap test
            _flush(run, out)
            run = []
        word = text[span[0] : span[1]]
        ok = given.get(word)
        if ok is None:
            ok = given[word] = _given(word, lex)
        if not ok:
            _flush(run, out)
            run = []
            continue
        if run and not _LIST_GAP.fullmatch(text, run[-1][1], span[0]):
            _flush(run, out)
            run = []
        run.append(span)
    _flush(run, out)


def _flush(run: list[tuple[int, int]], out: Added) -> None:
    if len(run) >= 3:
        for start, end in run:
            out.add(start, end)


def _after_title(text: str, at: int, lex: Lexicon) -> int:
    """Past a short title or abbreviation at `at` ("Lic.", "Ing."), not a name's word
    before a full stop ("Mark. Please ...")."""
    m = _ABBREVIATION.match(text, at)
    if m is None:
        return at
    key = _key(text[at : m.end()].split(".")[0])
    return at if key in lex.first or key in lex.last else m.end()


def _given(word: str, lex: Lexicon) -> bool:
    """A first name (perhaps also a word: "Hope", "Mark"), not a month, a day or a modal."""
    low = word.lower()
    if low == "will":
        return word[0].isupper()  # "Will" in a name's place; "will" is the verb
    return (
        _key(word) in lex.first
        and low not in MONTHS_DAYS
        and low not in NOT_NAMES
        and low not in MODALS
    )


def _word_before(text: str, end: int) -> int | None:
    """Where the capitalised word that ends at `end` starts (read backwards, at most 40
    characters), or None."""
    back = _WORD_CHARS.match(text[max(0, end - 40) : end][::-1])
    if back is None:
        return None
    at = end - back.end()
    return at if text[at].isupper() else None


def _comma_order(
    text: str,
    m: re.Match[str],
    lex: Lexicon,
    out: Added,
    memo: dict[tuple[str, str, str], int],
    ends: dict[int, int],
) -> None:
    """A directory's order, surname first: "Okonkwo, Hope", "Smith, John A.", "SMITH,
    JOHN", "Adeyemi-Cole, Grace": a surname (a known one or a word no list knows, or a
    surname that is an English word before a first name that is none), then a first
    name. After an English word ("Sorry, Mark", "Hopper, Grace") the first name alone.
    What a pair of words gives is asked once per scan (`memo`); the word before the
    comma is most often one of the windows' words (`ends`: where each ends, its start)."""
    comma = m.start()
    at: int | None = ends.get(comma, -1)  # what `_word_before` reads, when nothing is
    if at is None or not (  # glued before it (else read backwards)
        at >= 0 and comma - at <= 40 and (at == 0 or not _word_char(text[at - 1]))
    ):
        at = _word_before(text, comma)
    elif not text[at].isupper():
        return
    if at is None or (at and not _free(text[at - 1])):
        return
    if (  # "Yuki Watanabe, Lars de Vries": a list of names, each in order
        at > 1
        and text[at - 1] in " \t"
        and _word_char(text[at - 2])  # (the cheap test first)
        and _word_before(text, at - 1) is not None
    ):
        return
    pair = (text[at:comma], m[1], m[2])
    how = memo.get(pair)
    if how is None:
        how = memo[pair] = _comma_pair(*pair, lex)
    if how == 1:
        out.add(m.start(1), m.end(1))  # "Sorry, Mark": a name called, at least
    elif how == 2:
        out.add(at, m.end())


def _word_char(c: str) -> bool:  # whether `_WORD_CHARS` reads `c`
    return c.isalnum() or c in "_'’-"


def _comma_pair(surname: str, given: str, initials: str, lex: Lexicon) -> int:
    """What `_comma_order` finds in "`surname`, `given` `initials`": nothing (0), the
    given name alone (1), or both (2)."""
    s_first, s_last, s_word = _kind(surname, lex)
    g_first, _, g_word = _kind(given, lex)
    if not g_first or surname in lex.places or given.lower() in MONTHS_DAYS:
        return 0
    if given.lower() in NOT_NAMES or given.lower() in MODALS:
        return 0
    if not (s_last or s_word or s_first or len(surname) > 4):
        return 0  # an unknown word of four letters or fewer: "Omg, Hope"
    if not s_last and given in lex.places and not g_word:
        return 0  # "Adamsberg, Kalmar": a list of towns
    if s_word and (g_word or not s_last) and not initials:
        low = surname.lower()
        return 0 if low in NOT_SURNAME or low in NOT_NAMES else 1
    return 2


def _alone(text: str, lex: Lexicon, out: Added) -> None:
    """A text that is a name alone, two or three words ("Chidi Okonkwo"): a message's
    ``name``, a form's field, a signature."""
    if len(text) > 80:
        return
    body = text.strip()
    if not 3 < len(body) <= 60 or " " not in body or "\n" in body:
        return
    at = text.find(body)
    end = _value(text, at, lex, lower=False, words=False)
    if end == at + len(body) and len(body.split()) in (2, 3):
        out.add(at, end)
