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

from ._lexicon import Lexicon
from ._words import MODALS, MONTHS_DAYS, NOT_NAMES, NOT_SURNAME, ORG_TAILS, PARTICLES, TITLES

__all__ = ["slots"]

Found = list[tuple[str, int, int, float]]

_SCORE = 0.85


def _alt(words: str) -> str:
    """A regex alternation of phrases (longest first; a space: any run of blanks)."""
    items = sorted({w.strip() for w in words.split(",") if w.strip()}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"[ \t]+") for w in items)


_LABELS = _alt(
    """name, full name, client, client name, customer, customer name, patient, patient name,
    contact, contact name, contact person, owner, account owner, account holder, holder,
    cardholder, card holder, employee, employee name, applicant, borrower, co-borrower,
    guarantor, tenant, landlord, guest, passenger, traveller, traveler, beneficiary, payee,
    payer, recipient, sender, attendee, attendees, participant, participants, assignee,
    assigned to, reporter, reported by, author, requester, requested by, approved by,
    prepared by, submitted by, reviewed by, signed, signed by, signature, spouse,
    next of kin, emergency contact, manager, agent, advisor, adviser, rep, representative,
    caller, member, student, from, to, cc, attn, attention, driver, insured, policyholder,
    policy holder, debtor, creditor, witness, nominee, surname, last name, first name,
    given name, family name, forename, middle name, maiden name, nom, prénom, prenom,
    vorname, nachname, nombre, apellido, apellidos, cognome, nome, név, imię, nazwisko,
    naam, host, organiser, organizer, speaker, presenter, interviewer, candidate, who,
    user name, username, account name, holder name, cliente, kunde, klient, ügyfél"""
)
_GREETINGS = _alt(
    """dear, hi, hello, hey, hiya, heya, greetings, good morning, good afternoon,
    good evening, morning, kedves, tisztelt, querida, querido, queridos, queridas,
    estimada, estimado, estimados, chère, cher, chères, chers, lieber, liebe, liebes,
    sehr geehrte, sehr geehrter, geehrte, geehrter, gentile, gentili, caro, cara, beste,
    geachte, hej, hei, hallo, hola, bonjour, salut, ciao, olá, oi, drogi, droga, szanowny,
    szanowna, ahoj, servus, buongiorno, bom dia, buenos días, buenas, kære, käre, bästa"""
)
_HONORIFICS = _alt(
    """mr, mrs, ms, miss, mx, dr, prof, sir, dame, herr, frau, m, mme, mlle, sr, sra, srta,
    don, doña, señor, señora, signor, signora, sig, dott, pan, pani, úr, asszony, meneer,
    mevrouw, dhr, mevr"""
)
_SIGNOFFS = _alt(
    """yours, yours truly, yours sincerely, yours faithfully, sincerely, regards,
    kind regards, best regards, warm regards, warmest regards, kindest regards,
    many regards, best, all the best, best wishes, warm wishes, cheers, thanks, thank you,
    many thanks, thanks again, thanks so much, thx, tx, ty, tia, br, rgds, regds, kr, love,
    lots of love, xoxo, xx, take care, respectfully, cordially, cordialement, bien à vous,
    amitiés, saludos, un saludo, atentamente, abrazos, besos, grüße, gruß, viele grüße,
    liebe grüße, beste grüße, mit freundlichen grüßen, mfg, lg, vg, groeten,
    met vriendelijke groet, pozdrawiam, üdvözlettel, cumprimentos, atenciosamente,
    obrigado, obrigada, grazie, cordiali saluti, saluti, distinti saluti, bye, signed,
    sent by"""
)
_CUES = _alt(
    """call, called, calling, ring, rang, text, texted, email, emailed, e-mail, message,
    messaged, dm, dmed, ping, pinged, ask, asked, tell, told, thank, thanked, thanks, thx,
    ty, tysm, remind, reminded, meet, met, invite, invited, congrats, congratulations,
    welcome, cc, paging, hug, birthday, bday, anniversary"""
)
_KIN = _alt(
    """girl, boy, friend, bestie, bff, bro, brother, sis, sister, son, daughter, wife,
    husband, mom, mum, mother, dad, father, colleague, coworker, co-worker, boss, manager,
    partner, fiancé, fiancée, fiance, fiancee, girlfriend, boyfriend, cousin, aunt, uncle,
    niece, nephew, grandson, granddaughter, grandma, grandpa, granny, mate, buddy, pal,
    neighbour, neighbor, client, customer, roommate, flatmate, teammate, baby, man, dude,
    guy, love, lady, homie, twin, kid, kids, boys, girls"""
)
_SPEECH = _alt(
    """said, says, asked, asks, wrote, writes, replied, replies, told, tells, texted,
    emailed, called, mentioned, confirmed, agreed, explained, insisted, tweeted, answered,
    responded"""
)
_JOBS = _alt(
    """analyst, manager, director, officer, engineer, consultant, advisor, adviser,
    associate, assistant, head, lead, partner, president, vp, ceo, cfo, cto, coo, cio,
    founder, co-founder, specialist, coordinator, executive, representative, agent,
    administrator, accountant, lawyer, solicitor, attorney, counsel, banker, underwriter,
    teller, clerk, secretary, developer, designer, architect, scientist, researcher,
    professor, teacher, nurse, doctor, physician, supervisor, intern, owner, chair,
    chairman, chairwoman, treasurer, auditor, controller, broker, planner, recruiter,
    editor, paralegal, principal, operations, sales, support, customer service, hr,
    human resources, relationship manager, account manager"""
)

_WORD = r"[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*\.?"
# the words a slot may hold: up to four, one blank between each
_VALUE = re.compile(rf"{_WORD}(?:[ \t]{_WORD}){{0,3}}")
# a label opens a line or a field ("COMPANY NAME:" is no "NAME:")
_LABEL = re.compile(
    rf"(?:^|(?<=[\n\r\t|;(\[{{\"])|(?<=  ))[ \t]*(?i:{_LABELS})[ \t]*[:：][ \t]*", re.M
)
# a short title or abbreviation before the name ("Lic. Alejandro Cárdenas", "Sr. Ruiz")
_ABBREVIATION = re.compile(r"[A-Z](?:[a-z]{1,3}|[A-Z]{1,3})\.[ \t]+(?=[A-Z])")
# what may follow a name in a field: the line's or the field's end, a comma, a bracket
_FIELD_END = re.compile(r"[ \t]*(?:$|[\n\r,;(<|/\[]|[ \t]{2})", re.M)
_GREETING = re.compile(
    rf"(?i:(?<![\w])(?:{_GREETINGS}))(?:[ \t]*,)?[ \t]+(?:(?i:{_HONORIFICS})\.?[ \t]+)?"
)
_SIGNOFF = re.compile(
    rf"(?im:^[ \t]*(?:(?:--|—|–|~)[ \t]*|(?:{_SIGNOFFS})[ \t]*[,.!:\-–—]?[ \t]*(?:\r?\n[ \t]*)?))"
)
_END_OF_LINE = re.compile(r"[ \t]*[,.!]?[ \t]*(?:\r?\n|$)")
_GOES_ON_CAPITALISED = re.compile(r"[ \t]+[A-Z]")
_CLOSE = re.compile(r"[ \t]*(?:[,!:;.?)\n]|$)")
_SPEAKER = re.compile(r"(?m)^[ \t]*([^\W\d_][a-z\u00e0-\u00ff]+)(?::|[ \t]+[-–—])[ \t]+\S")
_CUE = re.compile(
    rf"(?i:(?<![\w])(?:{_CUES}))[ \t]+(?:to[ \t]+)?([A-Z][a-z\u00e0-\u00ff]+)\b"
    r"(?!['’\-]|[ \t]+(?:[A-Z]|(?:van|von|de|der|del|da|di|du|la|le|bin|al)\b))"
)
_RELATION = re.compile(
    rf"(?i:(?<![\w])(?:my|our|your|his|her|their)[ \t]+(?:(?:little|baby|big|best|old|dear|"
    rf"lovely|beautiful|sweet|favourite|favorite)[ \t]+)?(?:{_KIN}))[ \t]+"
    r"([A-Z][a-z\u00e0-\u00ff]+)\b"
)
_SAID = re.compile(rf"(?<![\w'’\-])([A-Z][a-z\u00e0-\u00ff]+)[ \t]+(?:{_SPEECH})\b")
_ROLE_ITEM = re.compile(
    r"([A-Z][a-z\u00e0-\u00ff]+(?:[ \t][A-Z][a-z\u00e0-\u00ff]+)?)[ \t]*\([^()\n]{1,30}\)"
)
_LIST_ITEM = re.compile(r"(?<![\w'’\-])([A-Z][a-z\u00e0-\u00ff]+)\b(?!['’\-])")
_LIST_GAP = re.compile(r"[ \t]*(?:,|;|/|,?[ \t]+(?:and|&|und|et|y|e)\b)[ \t]*")
# not a firm's partners ("Ross, Rogers and Jones") nor a place's ("Way, Annalise Ville")
_COMMA_ORDER = re.compile(
    r"(?<![\w,'’\-])([A-Z][\w'’\-]+),[ \t]+([A-Z][a-z\u00e0-\u00ff]+|[A-Z]{2,})\b"
    r"((?:[ \t]+[A-Z]\.)*)(?![ \t]+(?:[A-Z][a-z]|and\b|&|und\b|e\b|y\b|et\b))"
)
_INITIAL_AFTER = re.compile(r"(?<![\w'’\-])([A-Z][\w'’\-]+)[ \t]+[A-Z]\.(?!\w|[ \t]*[A-Z]{1,3}\.)")
_HONORIFIC_AFTER = re.compile(
    r"(?<![\w'’\-])([A-Z][a-z]+)-(?:san|sama|sensei|kun|chan|senpai|dono|shi)\b"
)
_TRACK1 = re.compile(r"\^([A-Z][A-Z'.\- ]{0,25})/([A-Z][A-Z'.\- ]{0,25})\^")
_JOB_LINE = re.compile(rf"(?i)\b(?:{_JOBS})\b")


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


def slots(text: str, lex: Lexicon, out: Found) -> None:
    """Add the names that stand in a slot only a name fills (see the module)."""
    if ":" in text or "：" in text:
        for m in _LABEL.finditer(text):
            at = _after_title(text, m.end())
            end = _value(text, at, lex, lower=True, words=True)
            if not end or _GOES_ON_CAPITALISED.match(text, end):
                continue  # not "Manager: Randstad Employment Bureau"
            if text[at:end].islower() and not _FIELD_END.match(text, end):
                continue  # "customer: brightwater foods ltd"
            if not text.startswith("&", end + len(text[end:]) - len(text[end:].lstrip())):
                _add(out, at, end)
    for m in _GREETING.finditer(text):
        at = _after_title(text, m.end())
        end = _value(text, at, lex, lower=False, words=True)
        if end and _CLOSE.match(text, end):
            _add(out, at, end)
    for m in _SIGNOFF.finditer(text):
        end = _value(text, m.end(), lex, lower=False, words=True)
        if end and _END_OF_LINE.match(text, end):
            _add(out, m.end(), end)
    _last_line(text, lex, out)
    if "\n" in text:
        _above_a_title(text, lex, out)
    for m in _SPEAKER.finditer(text):
        if _given(m[1], lex):
            after = m.end() - 1
            end = _value(text, after, lex, lower=False, words=True)
            if not (end and _FIELD_END.match(text, end)):  # "Buddy: Linh": a field
                _add(out, m.start(1), m.end(1))
    for pattern in (_CUE, _RELATION, _SAID):
        for m in pattern.finditer(text):
            if _given(m[1], lex) and m[1] not in lex.major:
                _add(out, m.start(1), m.end(1))
    if "(" in text:
        _roles(text, lex, out)
    if "," in text:
        _list_of_first_names(text, lex, out)
        for m in _COMMA_ORDER.finditer(text):
            _comma_order(m, lex, out)
    if ". " in text or text.endswith("."):
        for m in _INITIAL_AFTER.finditer(text):
            _, last, word = _kind(m[1], lex)
            if last and not word and m[1] not in lex.places:
                _add(out, m.start(1), m.end())
    if "-" in text:
        for m in _HONORIFIC_AFTER.finditer(text):
            if m[1].lower() not in lex.words:
                _add(out, m.start(1), m.end(1))
    if "^" in text:
        for m in _TRACK1.finditer(text):
            _add(out, m.start(1), m.end(2) - (len(m[2]) - len(m[2].rstrip())))
    _alone(text, lex, out)


def _after_title(text: str, at: int) -> int:
    m = _ABBREVIATION.match(text, at)
    return m.end() if m is not None else at


def _add(out: Found, start: int, end: int) -> None:
    """A person at ``[start, end)``, unless a firm or a place was found there."""
    if end <= start:
        return
    for kind, s, e, score in out:
        if kind != "PERSON" and s < end and start < e and score >= 0.5:
            return
    out.append(("PERSON", start, end, _SCORE))


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


def _last_line(text: str, lex: Lexicon, out: Found) -> None:
    """ "- Mark" as the text's last line: a sign-off (a dash before a list's item is not)."""
    tail = text.rstrip()
    cut = tail.rfind("\n") + 1
    line = tail[cut:].lstrip(" \t")
    if line.startswith("-") and not line.startswith("--"):
        at = cut + (len(tail[cut:]) - len(line)) + 1
        while at < len(tail) and tail[at] in " \t":
            at += 1
        end = _value(text, at, lex, lower=False, words=True)
        if end == len(tail):
            _add(out, at, end)


def _above_a_title(text: str, lex: Lexicon, out: Found) -> None:
    """A name alone on a line, above a line that gives a job title ("Mark\\nSenior
    Analyst, Acme Ltd"): a signature."""
    for m in _JOB_LINE.finditer(text):
        line_start = text.rfind("\n", 0, m.start())
        if line_start <= 0 or m.start() - line_start > 60:
            continue
        prev_start = text.rfind("\n", 0, line_start) + 1
        line = text[prev_start:line_start]
        at = prev_start + len(line) - len(line.lstrip(" \t"))
        end = _value(text, at, lex, lower=False, words=True)
        if end and not text[end:line_start].strip(" \t,"):
            _add(out, at, end)


def _roles(text: str, lex: Lexicon, out: Found) -> None:
    """Names listed with a role in brackets: "Hope (HR), Mark (Legal)"."""
    items = list(_ROLE_ITEM.finditer(text))
    for k, m in enumerate(items):
        near = (k > 0 and _LIST_GAP.fullmatch(text, items[k - 1].end(), m.start())) or (
            k + 1 < len(items) and _LIST_GAP.fullmatch(text, m.end(), items[k + 1].start())
        )
        if near and _given(m[1].split()[0], lex):
            _add(out, m.start(1), m.end(1))


def _list_of_first_names(text: str, lex: Lexicon, out: Found) -> None:
    """Three first names or more in a list: "Will, Mark, Hope", "Rose, Mark and Hope"."""
    run: list[re.Match[str]] = []
    for m in _LIST_ITEM.finditer(text):
        if not _given(m[1], lex):
            _flush(run, out)
            run = []
            continue
        if run and not _LIST_GAP.fullmatch(text, run[-1].end(), m.start()):
            _flush(run, out)
            run = []
        run.append(m)
    _flush(run, out)


def _flush(run: list[re.Match[str]], out: Found) -> None:
    if len(run) >= 3:
        for m in run:
            _add(out, m.start(1), m.end(1))


def _comma_order(m: re.Match[str], lex: Lexicon, out: Found) -> None:
    """A directory's order, surname first: "Okonkwo, Hope", "Smith, John A.", "SMITH,
    JOHN": a surname (no English word, or the given name none), then a first name."""
    surname, given = m[1], m[2]
    _, s_last, s_word = _kind(surname, lex)
    g_first, _, g_word = _kind(given, lex)
    if not (s_last and g_first) or surname in lex.places or given.lower() in MONTHS_DAYS:
        return
    if given.lower() in NOT_NAMES or given.lower() in MODALS:
        return
    low = surname.lower()
    if s_word and g_word and not m[3]:
        if low not in NOT_SURNAME and low not in NOT_NAMES:
            _add(out, m.start(2), m.end(2))  # "Sorry, Mark": a name called, at least
        return
    _add(out, m.start(1), m.end())


def _alone(text: str, lex: Lexicon, out: Found) -> None:
    """A text that is a name alone, two or three words ("Chidi Okonkwo"): a message's
    ``name``, a form's field, a signature."""
    body = text.strip()
    if not 3 < len(body) <= 60 or " " not in body or "\n" in body:
        return
    at = text.find(body)
    end = _value(text, at, lex, lower=False, words=False)
    if end == at + len(body) and len(body.split()) in (2, 3):
        _add(out, at, end)
