"""Judging a run of capitalised words: what it is (a person, a place, an organisation or
nothing) from what its words are and from the words around it ("Dear", "in", "said")."""

from __future__ import annotations

from .._normalize import folded
from ._address import ADDRESS_TAIL, street_number
from ._lexicon import Lexicon
from ._orgs import before_tails, org, org_like
from ._tokens import Word
from ._words import (
    LEADS,
    MONTHS_DAYS,
    NOT_NAMES,
    NOT_SURNAME,
    ORG_FIRST_WORDS,
    ORG_LINKS,
    PARTICLES,
    PERSON_AFTER,
    PERSON_BEFORE,
    PERSON_STRONG,
    PLACE_BEFORE,
    SITES,
    STREET_FIRST,
    STREET_TAILS,
    STRONG_WHERE,
    TITLES,
    TOWN_HEADS,
    TOWN_TAILS,
)

__all__ = ["judge", "speaker"]


def judge(
    text: str,
    words: list[Word],
    i: int,
    j: int,
    lex: Lexicon,
    out: list[tuple[str, int, int, float]],
) -> None:
    """Decide what the capitalised run ``words[i:j]`` is, and add what it holds."""
    if j - i == 1:  # one word, the most common run: only what bears on one word
        w = words[i]
        if not w.plain:  # a common word alone is no name ("The", "Please")
            before, strong_before = _before(text, words, i)
            after = words[j].low if j < len(words) and text[w.end : words[j].start] == " " else ""
            _one(text, w, before, strong_before, after, lex, out)
        return
    run = words[i:j]
    head = run[0]  # (most runs: a capitalised word first, which is not in capitals)
    if (
        len(run) > 1
        and (head.upper or not head.cap or len(head.low) == 1)
        and all(w.upper or not w.cap or len(w.low) == 1 for w in run)
        and any(w.upper for w in run)
    ):
        _capitals(run, text, lex, out)  # "PLEASE PAY MARIA GARCIA BY FRIDAY", a form
        return
    # a run broken at links that no organisation or place explains: judged in parts
    links = (
        [k for k in range(1, len(run) - 1) if run[k].low in ORG_LINKS and not run[k].cap]
        if len(run) > 2  # (two words: no middle)
        else ()
    )
    if links and not org_like(run, lex) and not _is_place(run, text, lex):
        k = links[0]
        judge(text, words, i, i + k, lex, out)
        judge(text, words, i + k + 1, j, lex, out)
        return
    # titles: "Dr Okafor", "Mr. and Mrs. Smith" is rare enough
    if run[0].low in TITLES and len(run) > 1:
        rest = run[1:5]
        cut = next((k for k, w in enumerate(rest) if w.word and w.low in NOT_SURNAME), len(rest))
        if cut:
            out.append(("PERSON", rest[0].start, rest[cut - 1].end, 0.9))
        return
    firm = org(run, text, lex)
    if firm is not None:
        out.append(firm)
        return
    k = _person_inside(run)
    if k:  # "Dundee UTDs Johnny Russell", "Boston Gangster Whitey Bulger": what leads, apart
        out.append(("PERSON", run[k].start, run[-1].end, 0.85))
        judge(text, words, i, i + k, lex, out)
        return
    if (  # "Elm Street", "Harbour Road", "Main St"; not "The Road"
        len(run) > 1
        and run[-1].low in STREET_TAILS
        and run[0].low not in LEADS
        and (not run[0].plain or run[-1].low in ("street", "st", "road", "rd", "avenue", "ave"))
    ):
        town = ADDRESS_TAIL.match(text, run[-1].end)
        out.append(("LOCATION", run[0].start, town.end() if town else run[-1].end, 0.7))
        return
    before, strong_before = _before(text, words, i)
    after = words[j].low if j < len(words) and text[run[-1].end : words[j].start] == " " else ""
    # common words at the edges are not part of a name ("Thanks Maria", "Maria Team")
    while (
        run and (run[0].plain or _before_a_name(run)) and not _is_place(run, text, lex)
    ):  # "Officer Jane Smith": a word that is also a town, before a first name
        before = run[0].low
        strong_before = before in PERSON_STRONG
        run = run[1:]
        i += 1
    while run and run[-1].plain and not _is_place(run, text, lex):
        run = run[:-1]
    if not run:
        return
    if run[0].low in TITLES and len(run) > 1:
        out.append(("PERSON", run[1].start, run[-1].end, 0.9))
        return
    start, end = run[0].start, run[-1].end
    place = _is_place(run, text, lex)
    where = before in PLACE_BEFORE
    said = after in PERSON_AFTER or run[-1].poss  # "Okafor said", "Okafor's"
    who = said or before in PERSON_BEFORE
    if len(run) == 1:
        _one(text, run[0], before, strong_before, after, lex, out)
        return
    # two words or more
    if any(w.upper and not w.named for w in run):
        _beside_capitals(run, out, lex, caps=False)  # "VP Jane Smith", "SVP Priya Sharma"
        return
    if run[0].low in STREET_FIRST:  # "Glorieta Martin Toro", "Via Roma"
        out.append(("LOCATION", start, street_number(text, end), 0.75))
        return
    if run[0].low in ORG_FIRST_WORDS:  # "Grupo Lala", "Laboratorios Munguía"
        out.append(("ORGANIZATION", start, end, 0.8))
        return
    phrase = text[start:end]
    if phrase in lex.major or (not phrase.isascii() and folded(phrase) in lex.major):
        out.append(("LOCATION", start, end, 0.9))
        return
    if place and not (run[0].first and run[-1].last and not where):
        out.append(("LOCATION", start, end, 0.85))
        return
    head, tail = run[0], run[-1]
    if (head.low in TOWN_HEADS and (not tail.word or tail.named)) or tail.low in (
        "ville",
        "city",
        "town",
    ):
        out.append(("LOCATION", start, end, 0.7))  # Lake Atatöre, Port Louis, Kelly Ville
        return
    if head.first or (len(head.low) == 1):
        score = 0.95 if tail.last or tail.first else 0.84
        if head.word and not tail.named:
            score = 0.5 if not who else 0.7
        out.append(("PERSON", start, end, score))
        return
    if _surname_first(run):  # "Nguyen Van Thanh", "Watanabe Kenji", "WATANABE Kenji"
        out.append(("PERSON", start, end, 0.85))
        return
    if tail.last and not head.word:  # "Rodrigues Gonçalves": a person, or a firm
        out.append(("PERSON", start, end, 0.83 if who else 0.45))
        return
    if tail.last and head.word and (who or strong_before):
        out.append(("PERSON", start, end, 0.7))
        return
    if not any(w.word for w in run):
        if where and not who:
            out.append(("LOCATION", start, end, 0.55))
        else:
            out.append(("PERSON", start, end, 0.7 if strong_before or said else 0.45))


def _one(
    text: str,
    w: Word,
    before: str,
    strong_before: bool,
    after: str,
    lex: Lexicon,
    out: list[tuple[str, int, int, float]],
) -> None:
    """Decide what one capitalised word is (after `before`, which is `strong_before` when
    it calls a person: "Dear", "Hi"; before `after`), and add it if it is a name."""
    start, end = w.start, w.end
    place = w.place
    where = before in PLACE_BEFORE
    said = after in PERSON_AFTER or w.poss  # "Okafor said", "Okafor's"
    who = said or before in PERSON_BEFORE
    if w.low in NOT_NAMES:
        return  # "HE'S", "Hi"
    if speaker(text, w) or (strong_before and w.named and w.low not in MONTHS_DAYS):
        out.append(("PERSON", start, end, 0.85))  # "priya: ...", "Hi Jordan,"
        return
    if (
        w.poss
        and w.first
        and (w.word or place)
        and w.low not in MONTHS_DAYS
        and w.low not in NOT_NAMES
    ):
        out.append(("PERSON", start, end, 0.75))  # "Hope's card", "Mark's account"
        return
    if w.upper and not (strong_before or who):
        if place and len(w.low) > 3 and (w.key in lex.major or not w.word):
            out.append(("LOCATION", start, end, 0.7))  # COUNTRY: POLAND, BERGAMO
        return  # an acronym: KPI, ISA, DAP
    strong_where = before in STRONG_WHERE
    site = after in SITES  # "the Cork warehouse", "your Bristol depot"
    if place and w.low not in MONTHS_DAYS:
        if w.word and not (where or site):
            return
        if (
            not (w.named and not w.word)
            or strong_where
            or site
            or w.key in lex.major
            or (not w.first and not who)  # a surname or a town: the town, unless cued
        ):
            score = 0.85 if not w.word else 0.6
            out.append(("LOCATION", start, end, score))
            return
    if "-" in w.low and w.last and not strong_before and not said:
        out.append(("ORGANIZATION", start, end, 0.55))  # "at Murphy-Williams"
        return
    if w.first and not w.word:
        out.append(("PERSON", start, end, 0.9 if strong_before or who else 0.75))
        return
    if w.last and not w.word:
        score = 0.86 if strong_before or said else 0.45  # a surname alone: a shop, a town?
        out.append(("PERSON", start, end, score))
        return
    if w.named and (strong_before or (said and w.low not in MONTHS_DAYS)):
        out.append(("PERSON", start, end, 0.7))
        return
    if not w.word and strong_where:
        out.append(("LOCATION", start, end, 0.6))
        return
    if not w.word and _town(w.low):
        out.append(("LOCATION", start, end, 0.55))
        return
    if strong_before and not w.word:
        out.append(("PERSON", start, end, 0.6))


def _person_inside(run: list[Word]) -> int:
    """Where a person starts inside a longer run of capitalised words that does not start
    with a first name: a first name that is no English word, then only names to the
    run's end; or 0."""
    if len(run) < 3 or run[0].first:
        return 0
    for k in range(1, len(run) - 1):
        w = run[k]
        if w.first and not w.word and not w.upper and not w.place:
            rest = run[k + 1 :]
            if all(x.named and not x.upper for x in rest) and rest[-1].last:
                return k
            return 0
    return 0


def _surname_first(run: list[Word]) -> bool:
    """A surname, then a first name that is no English word, with names or particles
    between: the order of Hungarian, Vietnamese, Chinese, Japanese and Korean names."""
    head, tail = run[0], run[-1]
    if not (head.last and not head.word and tail.first and not tail.word and not tail.place):
        return False
    return len(run) <= 4 and all(w.named or w.low in PARTICLES for w in run[1:-1])


def _before_a_name(run: list[Word]) -> bool:
    """Whether the run's first word is a word before a name, though it is a town or a
    surname too: "Officer Jane Smith", "Sales Jane Smith" (not "Lake Jennifer")."""
    head = run[0]
    if not head.word or head.first or head.low in TOWN_HEADS or head.low in TITLES or len(run) < 2:
        return False
    if not head.named and run[1].first:
        return True
    return len(run) > 2 and run[1].first and not run[1].word and run[2].named


def _capitals(
    run: list[Word], text: str, lex: Lexicon, out: list[tuple[str, int, int, float]]
) -> None:
    """A run in capitals: every English word is a surname to some list ("THE", "WILL",
    "SEND"), so only what a name's shape shows is taken: a firm whose name is no word
    ("ACME LTD"), a known place ("HONG KONG"), a title and its name ("MR SMITH"), a
    first name and a surname ("MARIA GARCIA")."""
    k = before_tails(run)
    if k < len(run) - 1 and any(not w.word for w in run[: k + 1]):
        start = k
        while start > 0 and not run[start - 1].word:
            start -= 1
        out.append(("ORGANIZATION", run[start].start, run[-1].end, 0.8))
        return
    phrase = " ".join(w.key for w in run)
    if phrase in lex.places:
        out.append(("LOCATION", run[0].start, run[-1].end, 0.8))
        return
    _beside_capitals(run, out, lex, caps=True)


def _beside_capitals(
    run: list[Word], out: list[tuple[str, int, int, float]], lex: Lexicon, caps: bool
) -> None:
    """The names in a run that is written in capitals (`caps`) or holds an acronym (which
    is no name): the stretches of names between the other words ("WILL", "SAID", "AS"
    end one), each a person when it follows a title or starts with a first name; in
    capitals, a known place too."""
    k = 0
    while k < len(run):
        w = run[k]
        if w.low in TITLES and k + 1 < len(run) and _name_word(run[k + 1], caps):
            m = k + 1
            while m < len(run) and m - k <= 3 and _name_word(run[m], caps):
                m += 1
            out.append(("PERSON", run[k + 1].start, run[m - 1].end, 0.85))  # "MR SMITH"
            k = m
            continue
        if not _name_word(w, caps):
            if caps and w.place and not w.word and len(w.low) > 3:
                out.append(("LOCATION", w.start, w.end, 0.7))  # "... TO WROCŁAW"
            k += 1
            continue
        m = k
        while m < len(run) and _name_word(run[m], caps):
            m += 1
        part = run[k:m]
        while part and part[0].word and not part[0].first:
            part = part[1:]
        while part and part[-1].word and not part[-1].last:
            part = part[:-1]
        phrase = " ".join(x.key for x in part)
        if caps and part and (phrase in lex.places or phrase in lex.major):
            if len(part) > 1 or not part[0].word:
                out.append(("LOCATION", part[0].start, part[-1].end, 0.8))  # "HONG KONG"
        elif (
            len(part) > 1
            and (part[0].first or (not part[0].word and part[-1].last) or _surname_first(part))
            and (len(part) == 2 or not all(x.word for x in part))
        ):
            out.append(("PERSON", part[0].start, part[-1].end, 0.8))
        k = m


def _name_word(w: Word, caps: bool) -> bool:
    """A word that can be part of a name written in capitals (`caps`) or beside an
    acronym (which is none: "SVP Priya Sharma")."""
    if w.upper and not caps and not w.named:
        return False
    return (w.named or (not w.word and len(w.low) > 2)) and w.low not in NOT_SURNAME


def speaker(text: str, w: Word) -> bool:
    """A name that opens a chat line ("priya: on it") or is mentioned ("@kwame")."""
    if w.word or not w.named:
        return False
    at = w.start
    if at > 0 and text[at - 1] == "@":
        return at == 1 or not (text[at - 2].isalnum() or text[at - 2] in "._-")  # no e-mail
    return (at == 0 or text[at - 1] == "\n") and text.startswith(":", w.end)


def _town(low: str) -> bool:
    return len(low) > 6 and low.endswith(TOWN_TAILS)


_STOPS = frozenset(".!?")


def _before(text: str, words: list[Word], i: int) -> tuple[str, bool]:
    """The word before the run, if it is close enough to tell something about it."""
    if i == 0:
        return "", False
    prev = words[i - 1]
    gap = text[prev.end : words[i].start]
    low = prev.low
    if len(gap) > 3 or "\n" in gap:
        if low in ("regards", "sincerely", "cheers", "best", "thanks", "wishes") and len(gap) < 6:
            return low, True
        return "", False
    if not _STOPS.isdisjoint(gap):  # a sentence ends between them
        return "", False
    return low, low in PERSON_STRONG


def _is_place(run: list[Word], text: str, lex: Lexicon) -> bool:
    if len(run) == 1:
        return run[0].place
    phrase = text[run[0].start : run[-1].end]
    return phrase in lex.places or (not phrase.isascii() and folded(phrase) in lex.places)
