"""Handles and slugs made of a name, wherever they stand: a token whose parts are joined
by ".", "_" or "-" (or written in camelCase, or glued to digits) is a person when one
part is a known first name or surname ("kenji.watanabe", "hope_okonkwo", "k_watanabe",
"ayodele_bakare_1990", "AyodeleB", "grace.whitfield"); a user's folder ("/home/abakare/",
"C:\\Users\\abakare") and a profile's place in a web address ("github.com/janesmith",
"fb.com/ayodele.bakare.9") are the user whatever they are called, unless they are a
plain word ("/home/user/"). A text that is one token (a message's ``name``, the ``user``
parameter, a login in JSON) is read as a handle too: "kwatanabe", "janesmith".

One regex pass over the text's tokens (runs of letters, digits and ``._-``) that hold a
separator, a capital inside or a digit; set look-ups for their parts.
"""

from __future__ import annotations

import re

from ._lexicon import Lexicon, WordSet
from ._words import MONTHS_DAYS, NOT_NAMES, NOT_SURNAME

__all__ = ["account_name", "joints", "slugs"]

Found = list[tuple[str, int, int, float]]


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# where a handle's shape shows: a joiner between a letter and a letter or a digit
# (`joints`), or digits after three letters; the token around it (letters, digits and
# joiners) is then read whole. A word in camelCase ("JaneSmith") is `_tokens`' to read,
# outside a field of its own
_JOINERS = [(c, re.compile(rf"\{c}(?<=[^\W\d_]\{c})(?=[^\W_])")) for c in "._-"]
_NUMBERED = re.compile(r"[^\W\d_]{3,}\d").match
_HOSTS = (
    "github.", "gitlab.", "bitbucket.", "twitter.", "x.com/", "facebook.", "fb.com/",
    "instagram.", "linkedin.", "tiktok.", "medium.", "reddit.", "youtube.", "threads.",
    "mastodon.", "keybase.", "about.me/",
)  # fmt: skip
_BACK = re.compile(r"[\w.\-]*")  # a token's start, read backwards
_RIGHT = re.compile(r"[^\W_]*(?:[._\-]+[^\W_]*)*")
_DOMAIN = re.compile(r"[^\W_][\w\-]*(?:\.[^\W_][\w\-]*)*\.[^\W\d_]{2,}")
# the rest of a token that is an e-mail address's mailbox, then its domain: `_RIGHT`
# read whole (atomic: never given back, so never tried in other splits), then "@"
_MAILBOX = re.compile(rf"(?>{_RIGHT.pattern})@{_DOMAIN.pattern}")
# the prefixes of surnames written with a capital inside (McDonald, MacComisky, DeShawn)
_PREFIXES = _set("mc mac fitz de di da du la le van von st o")
_PARTS = re.compile(r"[._\-]+|(?<=[a-z])(?=[A-Z])|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
# what ends a file's or a host's name, not a part of the name before it
_TAILS = _set(
    """
    pdf doc docx xls xlsx csv txt md rtf odt ppt pptx png jpg jpeg gif svg webp heic zip gz
    tar json yaml yml xml html htm eml msg log py js ts java rb go rs sh bat exe dmg mp3 mp4
    mov wav com org net edu gov io co uk de fr es it nl eu us ca au jp ch at be se no dk fi
    pl ie nz in br mx ru cn info biz app dev ai me tv ly gg example test local internal
    """
)
# a user folder or a profile path: the segment after it is an account
_FOLDER = re.compile(
    r"(?:/home/|/Users/|/users/|\\Users\\|\\users\\|~(?=[^\W\d_]))([^\W_][\w.\-]{0,40})"
)
_PROFILE = re.compile(
    r"\b(?:(?:www\.|m\.)?(?:github|gitlab|bitbucket|twitter|x|facebook|fb|instagram|"
    r"linkedin|tiktok|medium|reddit|youtube|threads|mastodon\.social|keybase|about\.me)"
    r"\.(?:com|org|net|me|social))/(?:(?:in|u|user|users|profile|people|pub|@)/)?@?"
    r"([^\W_][\w.\-]{0,40})"
)
# accounts that are no person's
_SYSTEM = _set(
    """
    user users admin administrator root ubuntu runner shared public default guest all
    ec2-user www-data nobody me you username vagrant pi jenkins git docker postgres
    travis circleci build builder app apps home dev test tmp temp local service
    """
)


def _key(part: str) -> str:
    return part[:1].upper() + part[1:].lower()


def joints(text: str) -> list[int]:
    """Where a dot, an underscore or a hyphen stands between a letter and a letter or a
    digit ("kenji.watanabe", "k_watanabe", "first-time"), in order: the places a handle's
    shape shows, read once per text (by `slugs` and by `_forms.handles`). One regex per
    joiner, each starting on its character (skipped to in C: a class of characters would
    be tested at every place); the few of most texts by `search`, cheaper than an
    iterator, and the rest of a text that holds many by `finditer`."""
    found: list[int] = []
    for joiner, pattern in _JOINERS:
        m = pattern.search(text) if joiner in text else None
        few = 8
        while m is not None and few:
            found.append(m.start())
            m = pattern.search(text, m.end())
            few -= 1
        if m is not None:
            found.append(m.start())
            found += [m.start() for m in pattern.finditer(text, m.end())]
    if len(found) > 1:
        found.sort()
    return found


def slugs(
    text: str, lex: Lexicon, out: Found, numbers: list[tuple[int, int]], joined: list[int]
) -> None:
    """Add every handle, user folder and profile made of (or naming) a person.
    `numbers`: where the words that hold a digit are (`_gate.windows`); `joined`: the
    `joints` of the text."""
    if "/" in text or "\\" in text or "~" in text:
        _accounts(text, lex, out)
    if len(text) <= 80:
        body = text.strip()
        if 0 < len(body) <= 64 and len(body.split(None, 1)) == 1:
            tok = body.strip("._-")
            span = _handle(tok, lex, True) if tok else None
            if span is not None:
                at = text.find(tok)
                out.append(("PERSON", at + span[0], at + span[1], 0.9))
            return
    if numbers:  # a word of letters and then digits ("watanabe87"); most words with a
        # digit start with one, and the cheap test is first
        numbered = [
            s for s, e in numbers if not text[s].isdecimal() and _NUMBERED(text, s, e) is not None
        ]
        if numbered:
            joined = sorted(joined + numbered)
    done = 0
    words = lex.words
    for at in joined:
        if at >= done:
            if text[at] == "-" and _plain(text, at, words):
                continue  # "first-time", "follow-up": words (as `_token_at` reads them)
            mail = _MAILBOX.match(text, at)
            if mail is not None:  # an e-mail address: its detector takes it whole, and
                done = mail.end()  # a joiner in its domain starts a token after the "@"
                continue
            done = _token_at(text, at, lex, out)


# what may end a token of words in prose: the punctuation after it, and joiners
_AFTER_WORDS = ",.;:!?)]}\"'_-"


def _plain(text: str, at: int, words: WordSet) -> bool:
    """Whether the hyphen at `at` is in a token that `_token_at` reads as words: a quick
    look, in C, at a token between spaces that holds letters and hyphens alone (with
    punctuation after it)."""
    space = text.rfind(" ", max(0, at - 40), at)
    if space == -1 and at > 40:
        return False
    end = text.find(" ", at, at + 40)
    if end == -1:
        if at + 40 < len(text):
            return False
        end = len(text)
    body = text[space + 1 : end].rstrip(_AFTER_WORDS)
    return body.replace("-", "").isalpha() and all(part in words for part in body.split("-"))


def account_name(tok: str, lex: Lexicon) -> int:
    """How much of `tok`, an account's name in a field of its own ("user: jsmith42",
    "handle: DmitriV"), is made of a person's name: its length, or 0."""
    span = _handle(tok.strip("._-"), lex, True)
    return span[1] if span is not None else 0


def _token_at(text: str, at: int, lex: Lexicon, out: Found) -> int:
    """Read the token around `at` (no e-mail address's mailbox) as a handle; where it
    ends."""
    end = _RIGHT.match(text, at).end()  # type: ignore[union-attr]
    back = _BACK.match(text[max(0, at - 129) : at][::-1])
    start = at - (back.end() if back is not None else 0)
    while start < end and text[start] in "._-":
        start += 1
    tok = text[start:end].rstrip("._-")
    if "." not in tok and "_" not in tok and all(part in lex.words for part in tok.split("-")):
        return end  # "first-time", "follow-up": words
    if (start > 0 and text[start - 1] in "#/@=") or text.endswith("# ", 0, start):
        return end  # a hashtag, a web address's path, a domain (or a mention: `_forms`)
    if end - start > 128:
        return end  # no handle is that long
    lo = max(0, start - 256)
    if text.find("://", lo, start) > text.rfind(" ", lo, start):
        return end  # inside a web address with its scheme: the URL detector's, whole
    span = _handle(tok, lex, False) if tok else None
    if span is not None:
        out.append(("PERSON", start + span[0], start + span[1], 0.9))
    return end


def _accounts(text: str, lex: Lexicon, out: Found) -> None:
    patterns = [_FOLDER] if "sers" in text or "home/" in text or "~" in text else []
    if any(host in text for host in _HOSTS):
        patterns.append(_PROFILE)
    for pattern in patterns:
        for m in pattern.finditer(text):
            if pattern is _PROFILE and text.endswith("//", 0, m.start()):
                continue  # "https://github.com/...": the URL detector's, whole
            seg = m[1].rstrip(".-")
            low = seg.lower()
            if low in _SYSTEM or len(seg) < (3 if text[m.start()] == "~" else 1):
                continue
            letters = [p for p in _PARTS.split(seg) if p and not p.isdigit()]
            if letters and all(
                p.lower() in lex.words and _key(p) not in lex.first and _key(p) not in lex.last
                for p in letters
            ):
                continue  # "/home/projects", "github.com/features"
            if not letters:
                continue
            out.append(("PERSON", m.start(1), m.start(1) + len(seg), 0.9))


_CHUNKS = re.compile(r"[._\-]+").split
_DIGITS = "0123456789"
_MIXED = re.compile(r"\d[^\W\d_]").search  # a letter after a digit: a code ("fFo7MYtL")


def _handle(tok: str, lex: Lexicon, alone: bool) -> tuple[int, int] | None:
    """Where in `tok` a handle made of a name is (the token less a file or host ending),
    or None. `alone`: the token is the whole text (a field's value), read more freely."""
    end = len(tok)
    dot = tok.rfind(".")
    if dot > 0 and tok[dot + 1 :].lower() in _TAILS:
        end = dot  # "Jane_Smith_CV.pdf": the name part, not ".pdf"
        dot = tok.rfind(".", 0, end)
        if dot > 0 and tok[dot + 1 : end].lower() in _TAILS:
            end = dot  # "bbc.co.uk"
    body = tok[:end].rstrip("._-")
    if not body:
        return None
    chunks = [c for c in _CHUNKS(body) if c]
    joined = len(chunks) > 1
    if not alone and any(_MIXED(c) for c in chunks):
        return None  # digits inside a part: a code, not a name's suffix
    if joined and "." not in body and "_" not in body:  # joined by hyphens alone
        if (not alone and not body.islower()) or all(c.lower() in lex.words for c in chunks):
            return None  # "Roe-Smith", "Jean-Luc": a double name, read as a word
        bare = [c.rstrip(_DIGITS).lower() for c in chunks]
        names = [c for c in bare if len(c) > 2 and (_key(c) in lex.first or _key(c) in lex.last)]
        if not (
            len(names) > 1
            or any(c not in lex.words for c in names)
            or (names and any(len(c) == 1 for c in bare))
        ):
            return None  # "bona-fide", "Idempotency-Key": words, unless names
    if joined:  # a part's digits apart: "watanabe87"
        parts = [p for c in chunks for p in _digits_apart(c)]
    else:  # camelCase and digits apart: "AyodeleB", "kwatanabe87"
        parts = [p for p in _PARTS.split(body) if p]
    letters = [p for p in parts if not p.isdigit()]
    if not letters:
        return None
    if len(letters) == 1:
        if not (alone or len(letters) < len(parts)):
            return None
        return (0, len(body)) if _glued(letters[0], lex, alone) else None
    if not joined:  # camelCase: a first name, then a surname or an initial
        if alone:
            return (0, len(body)) if _named(letters, lex, body) else None
        return (0, len(body)) if _camel(letters, lex) else None
    return (0, len(body)) if _named(letters, lex, body) else None


def _digits_apart(chunk: str) -> list[str]:
    letters = chunk.rstrip(_DIGITS)
    return [letters, chunk[len(letters) :]] if letters and letters != chunk else [chunk]


def _camel(parts: list[str], lex: Lexicon) -> bool:
    """ "JaneSmith", "AyodeleB": a first name that is no word, then a surname that is no
    word and no place, or an initial ("SkySports", "PetroChina", "MaxTemp": not)."""
    if len(parts) != 2 or len(parts[0]) < 3:
        return False
    head, tail = parts
    if head.lower() in _PREFIXES or _key(head) not in lex.first or head.lower() in lex.words:
        return False
    if len(tail) == 1:
        return tail.isupper()
    key = _key(tail)
    return key in lex.last and tail.lower() not in lex.words and key not in lex.places


def _named(parts: list[str], lex: Lexicon, body: str) -> bool:
    """Whether the parts of a handle make a name: a known name that is no English word
    and nothing but names, initials and unknown words beside it ("hope.okonkwo",
    "k_watanabe"); a first name that is a word beside an unknown one ("grace.whitfield");
    or a first name then a surname or a word, joined by a dot or an underscore
    ("will.turner", "grace.hopper")."""
    strong = weak = unknown = plain = 0
    for p in parts:
        if len(p) == 1:
            continue  # an initial
        low = p.lower()
        key = _key(p)
        word = low in lex.words or low in MONTHS_DAYS or low in NOT_NAMES
        if low in NOT_SURNAME or low in _TAILS or low in _SYSTEM or len(p) < 3:
            plain += 1
        elif key in lex.first or key in lex.last:
            if word:
                weak += 1
            else:
                strong += 1
        elif word:
            plain += 1
        else:
            unknown += 1
    if plain == 0 and (strong or (weak and unknown)):
        return True
    if len(parts) == 2 and "-" not in body and plain <= 1 and strong + weak + unknown >= 1:
        head, tail = parts
        return (
            len(head) > 2
            and _key(head) in lex.first
            and (_key(tail) in lex.last or (tail.lower() in lex.words and "_" not in body))
            and tail.lower() not in NOT_SURNAME
            and tail.lower() not in _TAILS
        )
    return False


def _glued(part: str, lex: Lexicon, alone: bool) -> bool:
    """Whether a part with no joiner is a name: a name that is no word ("watanabe87"),
    an initial glued to a surname ("kwatanabe", "jsmith42"), a first name glued to a
    surname ("janesmith"); where the text is the token alone, a first name in lower case
    ("grace")."""
    low = part.lower()
    key = _key(part)
    word = low in lex.words or low in MONTHS_DAYS or low in NOT_NAMES
    if (key in lex.first or key in lex.last) and len(low) > 3:
        if not word:
            return True
        if alone and part.islower() and key in lex.first and low not in NOT_SURNAME:
            return True
    if word or len(low) < 5:
        return False
    rest = low[1:]
    if _key(rest) in lex.last and (rest not in lex.words or len(rest) > 3):
        return True  # "kwatanabe", "abakare", "jsmith"
    for n in range(3, min(len(low) - 3, 12) + 1):
        if _key(low[:n]) in lex.first and _key(low[n:]) in lex.last:
            return True  # "janesmith", "ayodelebakare"
    return False
