"""The built-in name detector: people, places and organisations in free text.

No model and no download: word lists shipped in the package (`_lexicon`) and the shape
of the text. A text is cut into words once; runs of capitalised words (with the particles
of names: "van der", "de la", "bin") are the candidates, and each run is judged by what
its words are (a known first name, a surname, a place, a common English word, a title,
a company suffix, a street word) and by the words around it ("Dear", "in", "said").

Judged that way, a common word needs evidence to be a name ("Will" alone is not one,
"Will Turner" is, "Dear Will" is), and a word that is nothing known needs a shape
("Mr Okonkwo", "Okonkwo & Partners", "12 Harbour Road"). Lower-case names count
too, where neither word is an English word ("ask priya sharma").

Linear in the text: one regex pass for words, one for street addresses, set lookups
for each capitalised word (and each lower-case word that could be a name).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from functools import cache
from itertools import accumulate

from .._entities import NAME_ENTITIES
from ._findings import Finding
from ._lexicon import Lexicon, lexicon
from ._normalize import folded, lowered

__all__ = ["NAME_ENTITIES", "NameDetector"]


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")

TITLES = _set(
    """
    mr mrs ms miss mx dr prof professor sir dame lord lady madam madame mme mlle herr
    frau sr sra srta dott dottssa rev fr capt col gen lt sgt judge
    """
)
PARTICLES = _set(
    """
    de da das do dos del della der den di du van von la le los las bin ibn al el ben y zu ten
    ter st
    """
)
ORG_LINKS = frozenset({"of", "and", "for", "und", "et", "&"})
ORG_TAILS = _set(
    """
    asociados associados associés hermanos hijos filhos söhne sons brothers hb tbk sl
    slne sc şti ohg mbh ek kgaa tnhh jsc ltda ei eurl snc vof oyj aps sro kft zrt bt doo
    ooo spzoo sacv cia cie gbr ug inc incorporated llc llp ltd limited plc corp
    corporation co company gmbh ag kg se sa sas sarl spa srl bv nv ab asa oy as pty pte
    group holdings partners associates bank university college institute foundation
    trust solutions technologies technology systems services consulting consultants
    capital industries labs laboratories hospital clinic insurance airlines airways
    motors pharmaceuticals pharma agency ministry council authority bureau commission
    society association federation union enterprises ventures international logistics
    media energy healthcare software networks studios realty properties legal law
    lawyers solicitors attorneys advisors advisory analytics financial finance
    investments securities credit fund funds management manufacturing construction
    engineering telecom communications electronics chemicals foods brewery restaurant
    hotel hotels school academy church police department
    """
)
ORG_HEADS = _set(
    """
    university bank ministry department institute office bureau council college school
    academy federal national royal state
    """
)
STREET_ABBREVIATIONS = (
    "st|rd|ave|av|ln|dr|blvd|ct|pl|ter|cres|sq|pkwy|hwy|cir|trl|rte|str|ul|"
    "strasse|straße|weg|platz|gasse|allee|straat|laan|gracht|vej|gatan|gata|veien"
)
# a street word glued to the name, then the number: "Hauptstraße 12", "Kvarnstigen 197"
GLUED_STREET = (
    "straße|strasse|str\\.|weg|platz|gasse|allee|ring|damm|ufer|straat|laan|gracht|plein|"
    "dreef|kade|singel|steeg|hof|pad|dijk|markt|gatan|vägen|stigen|gränd|torget|gata|veien|vej|gade|utca|tie|katu|"
    "kuja|polku|zeile|gürtel|steig|stieg|chaussee|promenade|kai|torv|stræde|alle|"
    "vænget"
)
# street words that come before the name: "Via Roma 12", "plac Matejki 46", "Jl. Sudirman"
STREET_FIRST = _set(
    """
    rue via viale piazza corso largo vicolo incrocio borgo contrada strada calle avenida
    av avda carrera camino callejón cerrada circuito privada prolongación retorno
    ampliación calzada paseo plaza rua travessa alameda estrada praça rodovia boulevard
    chemin impasse allée quai ulica ul aleja al plac osiedle jalan jl gg gang aleea
    bulevardul intrarea calea soseaua drumul acceso glorieta stretto andador diagonal
    peatonal pasaje ronda travesía
    """
)
ORG_FIRST_WORDS = _set(
    """
    perum fundacja manufacturas grupo groupe gruppo laboratorios laboratoires laboratório
    inmobiliaria promociones
    corporación industrias comercial distribuidora constructora spółdzielnia banco banca
    compagnie société stichting fundación fundação fondazione instituto universidad
    universidade université universität universiteit università hochschule klinikum
    clínica clinique cabinet agence agencia editorial transportes servicios seguros
    inversiones consultora
    """
)


@cache
def _address() -> re.Pattern[str]:
    suffixes = sorted(lexicon().street_suffixes - {"via"}, key=len, reverse=True)  # "by way of"
    words = "|".join(suffixes)
    # the forms that start with a number, then those that start with a letter: a look
    # ahead at the first character keeps the scan of the text to one test per position
    return re.compile(
        r"(?=[\dA-ZÄÖÜÅp])\b(?:(?=\d)(?<!\d[\-./:])(?:"  # not in a date: "1980-03-12 Main St"
        # number, then one to five capitalised words, then a street word (English order);
        # not a date ("2 March via Madrid")
        r"\d{1,6}[A-Za-z]?(?:[-/]\d{1,5})?,?[ \t]+(?!(?:January|February|March|April|May|"
        r"June|July|August|September|October|November|December)\b)"
        r"(?:[A-Z][\w'’.\-]{0,40}[ \t]+){1,5}?"
        rf"(?:(?i:{words}|{STREET_ABBREVIATIONS})|Via)\b\.?"
        # ... or a street word first (rue, via, calle ...) and then words
        r"|\d{1,6}[A-Za-z]?,?[ \t]+(?:[Rr]ue|[Aa]venue|[Aa]v\.|Via|Viale|[Cc]alle|[Aa]venida|"
        r"[Rr]ua|[Cc]arrer|[Pp]laza|[Pp]aseo|[Bb]oulevard|[Cc]hemin|[Aa]llée|[Ii]mpasse|Piazza|"
        r"Corso|Largo)[ \t]+"
        r"(?:(?:de|du|des|la|le|del|di|da|do|dos|das|l')[ \t]+)*[A-Z][\w'’\-]{0,40}"
        r"(?:[ \t]+[A-Z][\w'’\-]{0,40}){0,3}"
        # Japanese order: block numbers, the district, the ward ("3-5-12 Meieki, Nakamura-ku")
        r"|\d{1,4}-\d{1,4}(?:-\d{1,4})?[ \t]+[A-Z][a-z]+,[ \t]*[A-Z][a-z]+-"
        r"(?:ku|shi|cho|machi|gun)\b"
        # in lower case, with a word only streets end in: "18 carr house road"
        r"|\d{1,5}[a-z]?[ \t]+(?:[a-z][a-z'’\-]{1,30}[ \t]+){1,3}"
        r"(?:street|road|lane|avenue|crescent|terrace|boulevard)\b"
        r")|(?:"
        # a street word glued to the name, then the number: "Hauptstraße 12"
        rf"[A-ZÄÖÜÅ][\w\-]{{0,40}}(?:{GLUED_STREET})[ \t]+\d{{1,5}}[a-z]?\b"
        r"|(?i:P\.?[ \t]?O\.?[ \t]?Box|Postfach)[ \t]+\d{1,8}\b"
        # a unit, plot or house first: "Plot 17, MIDC Hingna", "House No. 14, Prempeh II Street"
        r"|(?:Unit|Flat|Plot|Suite|Apt\.?|Apartment|House[ \t]+No\.?|Block|Shop)[ \t]+"
        r"\d{1,5}[A-Za-z]?(?=,[ \t]*[A-Z])"
        r"))"
    )


_ADDRESS_TAIL = re.compile(
    r"(?:[ \t]+(?:N|S|E|W|NE|NW|SE|SW)\b)?"
    r"(?:,?[ \t]+(?i:apt|apartment|suite|ste|unit|flat|floor|fl|room|#)\.?[ \t]*#?[\w\-]{1,6})?"
    # ", Kilbarry Business Park, Cork", ", MIDC Hingna", ", Nakamura-ku"
    r"(?:,[ \t]*(?:[A-Z][a-z]|[A-Z]{2,}[ \t]+[A-Z][a-z])[\w'’\-]{0,40}"
    r"(?:[ \t]+(?:(?:am|an|im|upon|on|sur|de|del|da|do)[ \t]+)?"
    r"(?:[A-Z][a-z][\w'’\-]{0,40}|[A-Z]{1,4}\b(?![ \t]?\d))){0,3}){0,3}"
    r"(?:,?[ \t]+[A-Z]{2}\b(?![ \t]?\d[A-Z]))?"
    # a postcode and then the town: "75001 Paris", "54-203 Wrocław", "1012 AB Amsterdam",
    # "73730 Esslingen am Neckar"
    r"(?:,?[ \t]+(?:\d{2}-\d{3}|\d{4}[ \t]?[A-Z]{2}|\d{3}[ \t]\d{2}|\d{4,5})[ \t]+"
    r"[A-Z][\w'’\-]{0,40}(?:[ \t]+(?:am|an|im|upon|on|sur|bei)[ \t]+[A-Z][\w'’\-]{0,40})?"
    # or just a postcode: "OH 43228", "SN1 4AB", "K1A 0B1", "440016"
    r"|,?[ \t]+(?:\d{5}(?:-\d{4})?|\d{6}|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}|"
    r"[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)\b)?"
)
_ADDRESS_HEAD = re.compile(
    r"\b(?:Unit|Flat|Plot|Suite|Apt\.?|Apartment|House[ \t]+No\.?|Block|Shop|Building)"
    r"[ \t]+\d{1,5}[A-Za-z]?,?[ \t]+$"
)
PERSON_BEFORE = _set(
    """
    dear hi hello hey thanks thank cc attn attention ask tell call called email emailed
    ping pinged met meet meeting with by from colleague client customer patient employee
    bonjour salut hallo hola ciao olá oi hei hej moi servus dobrý ahoj cześć witam
    son daughter wife husband mother father brother sister grandmother grandfather aunt
    uncle niece nephew cousin partner fiancé fiancée widow boss
    manager applicant candidate tenant borrower member signed regards sincerely cheers
    best named name contact contacted cc'd loop remind assign assigned approve approved
    per and or to
    """
)
PERSON_STRONG = _set(
    """
    dear hi hello hey thanks cc attn ask tell ping pinged remind named regards sincerely
    cheers bonjour salut hallo hola ciao olá oi hei hej moi servus ahoj cześć son
    daughter wife husband mother father brother sister grandmother grandfather aunt uncle
    niece nephew cousin fiancé fiancée widow
    """
)
PERSON_AFTER = _set(
    """
    said says wrote writes asked asks called calls emailed mentioned mentions told
    confirmed confirms replied replies thinks agreed agrees joined joins left signed
    approved requested requests wants needs is was has had will would can could should
    """
)
PLACE_BEFORE = _set(
    """
    in at to from near into across around outside inside visiting visit visited based
    located relocated relocating moved moving via towards toward throughout within
    across between across office offices branch city town region state country province
    county
    """
)
MONTHS_DAYS = _set(
    """
    january february march april may june july august september october november
    december jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday
    thursday friday saturday sunday mon tue tues wed thu thurs fri sat sun christmas
    easter
    """
)
NOT_NAMES = _set(
    """
    i ok okay ai api ceo cfo cto coo hr it pm am faq id pdf url q1 q2 q3 q4 eu uk us usa
    attn fyi re fwd fw subject org eta cc bcc ps nb asap tbd rsvp aka vip dear hi hello
    hey thanks regards cheers i'm i've i'll i'd english french german spanish italian
    portuguese dutch polish swedish danish norwegian finnish greek turkish russian
    ukrainian chinese japanese korean vietnamese thai indian arabic hebrew irish
    scottish welsh british american canadian australian mexican brazilian african
    european asian latin christian muslim jewish catholic he she we they you his her
    him its our their them me my your us bonjour salut hallo hola ciao olá hei hej moi
    servus ahoj cześć witam
    """
)
# places are more sure after these than after "to", "from" or "at"
STRONG_WHERE = _set(
    """
    in near into inside outside across around throughout within visiting based located
    relocated relocating moved moving
    """
)
# the words that end a street's name without its number ("Harbour Road")
STREET_TAILS = _set(
    """
    street st road rd lane avenue ave boulevard blvd crescent terrace drive close way
    strasse straße gasse allee
    """
)
# what a town names when a word for a site follows it ("the Leeds office")
SITES = _set(
    """
    office offices branch branches site sites depot warehouse warehouses plant plants
    factory factories hub team teams store stores campus airport station area region
    headquarters hq location locations facility premises distributor centre center
    clinic showroom port harbour harbor
    """
)
TOWN_HEADS = _set(
    """
    lake port new north south east west mount fort saint st san santa sankt
    """
)
TOWN_TAILS = ("ville", "town", "ton", "burg", "burgh", "borough", "bury", "view", "port",
              "mouth", "stad", "furt", "chester", "fort", "haven", "side", "shire", "field",
              "ford", "dale", "heim", "hausen", "dorf", "ingen", "berg", "borg")  # fmt: skip
ORG_FIRST = frozenset({"pt", "cv", "ud", "pd"})  # "PT Napitupulu"


class NameDetector:
    """Finds `PERSON`, `LOCATION` and `ORGANIZATION` in free text (see the module)."""

    name = "names"

    def __init__(self, entities: Sequence[str] | None = None) -> None:
        wanted = NAME_ENTITIES if entities is None else tuple(entities)
        unknown = [e for e in wanted if e not in NAME_ENTITIES]
        if unknown:
            raise ValueError(f"the name detector finds {', '.join(NAME_ENTITIES)}, not {unknown}")
        self.entities = frozenset(wanted)
        self._lex: Lexicon = lexicon()

    def detect(self, text: str) -> Iterator[Finding]:
        found = _find(text, self._lex)
        want = self.entities
        for kind, start, end, score in found:
            if kind in want:
                yield Finding(kind, start, end, score, self.name)


# --------------------------------------------------------------------------- the words


_Features = tuple[str, bool, bool, bool, str, bool, bool, bool, bool, int]
# a capital inside a word, not after the prefixes of names (McDonald, DeShawn, O'Neill)
_CAMEL = re.compile(r"(?!(?:Mc|Mac|Fitz|De|Di|Da|Du|La|Le|Van|Von|St)[A-Z])[A-Z][a-z]+[A-Z]")
_HUMPS = re.compile(r"[A-Z][a-z]+")
_HAS_DIGIT = re.compile(r"\d").search
_AFTER_APOSTROPHE = re.compile(r"(?<=['’])\w")
_MC = re.compile(r"(?:Mc|Mac)[A-Z][a-z]{2,}$")  # McAllister, MacLeod: a surname's shape


def _features(tok: str, lex: Lexicon) -> _Features:
    """What one word is: (lower case, capitalised, all capitals, an English word, the key
    it is looked up by, a first name, a surname, a place, possessive, its length)."""
    poss = False
    if len(tok) > 3 and tok[-2] in "'’" and tok[-1] in "sS":
        tok = tok[:-2]
        poss = True
    low = tok.lower()
    cap = tok[0].isupper()
    upper = len(tok) > 1 and tok.isupper()
    if _HAS_DIGIT(tok):  # "DE89", "Q3", "4B": a code, never a name
        return (low, cap, upper, True, tok, False, False, False, poss, len(tok))
    word = low in lex.words or low in MONTHS_DAYS or low in NOT_NAMES
    if not cap:  # most words: only a lower-case name matters ("ask priya sharma")
        key = low[:1].upper() + low[1:]
        first = not word and key in lex.first
        last = not word and key in lex.last
        return (low, False, upper, word, key, first, last, False, poss, len(tok))
    if len(tok) == 1:  # an initial ("Anna H."), but not "I" or "A"
        word = tok in "IA"
        return (low, cap, False, word, tok, False, False, False, poss, 1)
    # JOHN, john: as a name is written; John, McDonald, DeShawn: as they are
    key = tok[0].upper() + tok[1:].lower() if tok.isupper() or tok.islower() else tok
    if "'" in key or "’" in key:  # O'BRIEN, d'angelo: O'Brien, D'Angelo
        key = _AFTER_APOSTROPHE.sub(lambda m: m.group().upper(), key)
    if not key.isascii():
        key = folded(key)
    first = key in lex.first
    last = key in lex.last or _MC.match(key) is not None
    if not (first or last) and _CAMEL.match(key):
        plain = key[0] + key[1:].lower()  # "JaNe": Jane, in a case meant to hide it
        if plain in lex.first or plain in lex.last:
            key, first, last = plain, plain in lex.first, plain in lex.last
        else:  # "JaneSmith", "@JaneSmith": two names glued; SharePoint: a product
            parts = _HUMPS.findall(key)
            named = len(parts) > 1 and parts[0] in lex.first and parts[-1] in lex.last
            return (low, cap, upper, not named, key, named, named, False, poss, len(tok))
    if not (first or last) and "-" in key:  # Jean-Luc, García-López
        parts = [p[:1].upper() + p[1:] for p in key.split("-") if p]
        first = all(p in lex.first for p in parts)
        last = all(p in lex.last or p in lex.first for p in parts)
    return (low, cap, upper, word, key, first, last, key in lex.places, poss, len(tok))


class _Word:
    __slots__ = ("cap", "end", "first", "key", "last", "low", "place", "poss", "start", "upper",
                 "word")  # fmt: skip

    def __init__(self, start: int, features: _Features) -> None:
        self.start = start
        (self.low, self.cap, self.upper, self.word, self.key, self.first, self.last,
         self.place, self.poss, size) = features  # fmt: skip
        self.end = start + size

    @property
    def named(self) -> bool:
        return self.first or self.last


def _join(text: str, a: _Word, b: _Word) -> bool:
    """Whether word `b` goes on the run that `a` ends."""
    gap = text[a.end : b.start]
    if a.poss:
        return False
    if gap == " ":
        return True
    if gap in (". ", "."):  # "Dr. Okafor", "J. R. Smith", "S.A."
        return a.low in TITLES or len(a.low) == 1 or a.low in ("st", "ste", "mt", "ft")
    if gap == " & " or gap == "-":
        return True
    if len(gap) <= 4 and not gap.strip(" \t"):  # "Jane  Smith", "Name:\tJane\tSmith"
        return "\t" not in gap or (a.first and b.named)
    return gap == "\n" and a.first and b.last and b.cap  # a name broken over two lines


_LONGEST_RUN = 12  # words: no name is longer, and a run of "The The The ..." stays cheap
_MEMO_SIZE = 50_000  # English words; what a word is does not change, and most recur


@cache
def _memo(lex: Lexicon) -> dict[str, _Features]:
    return {}


def _learn(tok: str, lex: Lexicon, memo: dict[str, _Features]) -> _Features:
    """What `tok` is; kept for next time only when it is a dictionary word, never a name
    nor anything else of the text."""
    features = _features(tok, lex)
    if features[3] and not (features[5] or features[6] or features[7]):
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[tok] = features
    return features


def _find(text: str, lex: Lexicon) -> list[tuple[str, int, int, float]]:
    out: list[tuple[str, int, int, float]] = []
    taken: list[tuple[int, int]] = []
    for m in _address().finditer(text):
        end = _ADDRESS_TAIL.match(text, m.end()).end()  # type: ignore[union-attr]
        start = m.start()
        head = _ADDRESS_HEAD.search(text, max(0, start - 16), start)  # "Unit 4, ..."
        if head is not None:
            start = head.start()
        if taken and taken[-1][1] > start:
            continue
        out.append(("LOCATION", start, end, 0.85))
        taken.append((start, end))
    if ", " in text:
        for start, end in _firms(text, lex):
            out.append(("ORGANIZATION", start, end, 0.8))
            taken.append((start, end))
    low_text = lowered(text)
    forms = any(h in low_text for h in _FORM_HINTS)  # any legal form at all?
    memo = _memo(lex)
    get = memo.get
    words = [
        _Word(m.start(), get(m.group()) or _learn(m.group(), lex, memo))
        for m in _WORD.finditer(text)
    ]
    taken.sort()
    t = 0  # the first taken span that may still hold a word
    nt = len(taken)
    n = len(words)
    i = 0
    while i < n:
        w = words[i]
        while t < nt and taken[t][1] <= w.start:
            t += 1
        if t < nt and taken[t][0] <= w.start:
            i += 1  # inside an address or a firm already found
            continue
        if not w.cap:
            if w.word:  # most words: an English word in lower case
                if (  # "call john smith": a first name that is a word, a cue, a surname
                    i > 0
                    and words[i - 1].low in _CALL
                    and w.key in lex.first
                    and w.low not in _NOT_SURNAME
                ):
                    i = _lower_name(text, words, i, out, lex, cued=True)
                else:
                    i += 1
                continue
            nxt = words[i + 1] if i + 1 < n else None
            if w.low in STREET_FIRST and nxt and nxt.cap and _join(text, w, nxt):
                j = i + 1
                while j + 1 < n and words[j + 1].cap and _join(text, words[j], words[j + 1]):
                    j += 1
                out.append(("LOCATION", w.start, _street_number(text, words[j].end), 0.75))
                i = j + 1
                continue
            if w.first and len(w.low) > 2 and w.low.isalpha():
                i = _lower_name(text, words, i, out, lex)
            else:
                if i > 0 and words[i - 1].low in _TO_PLACE and w.key in lex.places:
                    out.append(("LOCATION", w.start, w.end, 0.6))  # "moving to leeds"
                i += 1
            continue
        j = i + 1  # the run: capitalised words, with particles and links between them
        limit = taken[t][0] if t < nt else len(text)  # up to what was found
        while j < n and j - i < _LONGEST_RUN:
            nxt = words[j]
            if nxt.start >= limit or not _join(text, words[j - 1], nxt):
                break
            if nxt.cap:
                j += 1
                continue
            if nxt.low in PARTICLES or nxt.low in ORG_LINKS:  # "van der Berg", "Bank of"
                k = j + 1
                while (
                    k < n
                    and k - j < 4  # "van der", "de los": never more than a few
                    and words[k].low in PARTICLES
                    and _join(text, words[k - 1], words[k])
                ):
                    k += 1
                if k < n and words[k].cap and _join(text, words[k - 1], words[k]):
                    j = k + 1
                    continue
            break
        while j > i + 1 and not words[j - 1].cap:
            j -= 1
        end = _legal_form(text, words, i, j) if forms else 0
        if end:  # "Polar Trans Sp. z o.o.": up to the end of the form
            while i < j - 1 and words[i].low in _NOT_FIRM:
                i += 1  # "Then Acme Inc.", "Customer Acme Ltd."
            out.append(("ORGANIZATION", words[i].start, end, 0.85))
            while j < n and words[j].start < end:
                j += 1
        elif j > i + 1 or not _common(w) or w.upper:  # "The", "Please": nothing to judge
            _judge(text, words, i, j, lex, out)
        i = j
    if out:
        _echoes(words, out)
        _lists(text, out)
    return out


_MODALS = frozenset({"will", "may", "can", "must", "shall", "might", "would", "could", "should"})


def _echoes(words: list[_Word], out: list[tuple[str, int, int, float]]) -> None:
    """A name found in full is the same name where a part of it recurs alone: "Grace
    Whitfield ... Grace to chase", "Kessler Maschinenbau GmbH ... send it to Kessler"."""
    starts = [w.start for w in words]
    known: dict[str, str] = {}  # a word, in lower case: what it names
    for kind, start, end, score in out:
        if score < 0.8 or kind == "LOCATION":
            continue
        k = bisect_left(starts, start)
        inside = []
        while k < len(words) and words[k].end <= end:
            inside.append(words[k])
            k += 1
        if len(inside) < 2:
            continue
        if kind == "PERSON":
            for w in inside:  # not a word found beside a name in capitals ("THE")
                if (
                    len(w.low) > 2
                    and w.low not in TITLES
                    and w.low not in PARTICLES
                    and (not w.word or (w.named and not w.upper))
                ):
                    known.setdefault(w.low, kind)
        elif (
            (head := inside[0]).cap
            and not head.word
            and len(head.low) > 2
            and not _org_tail(head.low)
            and head.low not in ORG_FIRST_WORDS | ORG_HEADS
        ):
            known.setdefault(head.low, kind)
    if not known:
        return
    spans = sorted((s, e) for _, s, e, score in out if score >= 0.5)
    span_starts = [s for s, _ in spans]
    reach = list(accumulate((e for _, e in spans), max))  # the furthest end so far
    for k, w in enumerate(words):  # one walk over the words: linear, however many names
        echo = known.get(w.low)
        if echo is not None:
            if not w.cap and (w.word or echo != "PERSON"):
                continue  # "grace" in lower case is a word, not Grace
            c = bisect_left(span_starts, w.end)  # found spans that start before it ends
            if c > 0 and reach[c - 1] > w.start:
                continue
            if w.low in _MODALS and k + 1 < len(words) and not words[k + 1].cap:
                continue  # "Will do", beside "Will Tanaka"
            out.append((echo, w.start, w.end, 0.8))


# "Ethan Marsh, Priyanka Iyer and Chen Xiaoling": a name beside names is one too
_LIST_GAP = re.compile(r"(?:,|;|/|,? and|,? or|,? &|,? und|,? et|,? y|,? e)? ?")


def _lists(text: str, out: list[tuple[str, int, int, float]]) -> None:
    """Raise an unsure finding (a person or a firm? 0.45) listed beside sure ones of
    the same type."""
    ordered = sorted(range(len(out)), key=lambda k: out[k][1])
    for pos, k in enumerate(ordered):
        kind, start, end, score = out[k]
        if not 0.4 <= score < 0.5:
            continue
        for near in (pos - 1, pos + 1):
            if not 0 <= near < len(ordered):
                continue
            other = out[ordered[near]]
            if other[0] != kind or other[3] < 0.7:
                continue
            gap = text[other[2] : start] if near < pos else text[end : other[1]]
            if 0 < len(gap) <= 6 and _LIST_GAP.fullmatch(gap):
                out[k] = (kind, start, end, 0.7)
                break


# "Ross, Rogers and Jones", "Fusani, Morricone e Telesio": a firm named after partners
_FIRM = re.compile(
    r"\b([A-Z][\w'’\-]{1,40}), ([A-Z][\w'’\-]{1,40}),? (?:and|&|e|y|und|et|og|och|en|ve) "
    r"([A-Z][\w'’\-]{1,40})\b"
)


# legal forms written with dots, slashes or in several words, which the runs of words
# do not hold together: "Tessitura Valcava S.r.l.", "Polar Trans Sp. z o.o.", "A/S"
_LEGAL_FORM = re.compile(
    r",?[ \t]*(?i:"
    r"s\.r\.l\.|s\.p\.a\.|s\.a\.s\.|s\.a\.(?:[ \t]+de[ \t]+c\.v\.)?|s\.l\.|s\.r\.o\.|"
    r"sp\.[ \t]*z[ \t]*o\.o\.|spółka[ \t]+z[ \t]+o\.o\.|ltda\.|a/s|a\.s\.|b\.v\.|n\.v\.|"
    r"a\.ş\.|co\.,?[ \t]+ltd\.?|pvt\.?[ \t]+ltd\.?|pty\.?[ \t]+ltd\.?|sdn\.?[ \t]+bhd\.?|"
    r"k\.k\.|e\.v\.|gmbh[ \t]+&[ \t]+co\.[ \t]+kg|s\.c\.|s\.n\.c\.|l\.l\.c\.|"
    r"p\.l\.c\.|inc\.|ltd\.|corp\.)(?!\w)"
)
_LEADS = _set(
    """
    the then our we a an this that their your my his her its when if so but also new old
    dear hi supplier vendor competitor company firm
    """
)
_NOT_FIRM = PERSON_BEFORE | PLACE_BEFORE | _LEADS


def _legal_form(text: str, words: list[_Word], i: int, j: int) -> int:
    """Where a legal form that ends the run ``words[i:j]`` (or follows it) ends, or 0."""
    for k in range(i + 1, j):
        w = words[k]
        if w.low[0] in _FORM_LETTERS and (
            (text[w.end : w.end + 1] in "./" and w.end < len(text)) or w.low == "gmbh"
        ):
            m = _LEGAL_FORM.match(text, w.start)
            if m is not None:
                return m.end()
    end = words[j - 1].end
    after = text[end : end + 3].lstrip(", \t")[:1]
    if after and after in _FORM_LETTERS and text[end : end + 1] in ", \t":
        m = _LEGAL_FORM.match(text, end)
        if m is not None and m.end() > end + 2:
            return m.end()
    return 0


# what a legal form with dots, a slash or several words holds (lower case)
_FORM_HINTS = (
    "s.r.l", "s.p.a", "s.a.", "s.l.", "s.r.o", "s.c.", "s.n.c", "sp.", "spółka", "ltda.",
    "a/s", "a.s.", "b.v.", "n.v.", "a.ş", "co.", "pvt", "pty", "sdn", "k.k.", "e.v.",
    "gmbh &", "l.l.c", "p.l.c", "inc.", "ltd.", "corp.",
)  # fmt: skip
_FORM_LETTERS = frozenset(h[0] for h in _FORM_HINTS) | frozenset(h[0].upper() for h in _FORM_HINTS)


def _firms(text: str, lex: Lexicon) -> Iterator[tuple[int, int]]:
    for m in _FIRM.finditer(text):
        names = [folded(m.group(k)) for k in (1, 2, 3)]
        if all(n in lex.last for n in names):
            yield m.start(), m.end()


def _lower_name(
    text: str,
    words: list[_Word],
    i: int,
    out: list[tuple[str, int, int, float]],
    lex: Lexicon,
    cued: bool = False,
) -> int:
    """A name written in lower case: a first name that is no English word (or, `cued`,
    one after "call", "email", "dear"), then perhaps particles and a surname ("ask priya
    sharma", "please email jane smith", "hans van der berg")."""
    w = words[i]
    before = words[i - 1].low if i > 0 else ""
    k = i + 1
    while k < len(words) and k - i < 4 and words[k].low in PARTICLES:
        k += 1
    if k < len(words) and all(
        text[words[m - 1].end : words[m].start] == " " for m in range(i + 1, k + 1)
    ):
        nxt = words[k]
        if (
            not nxt.cap
            and len(nxt.low) > 2
            and nxt.key in lex.last
            and nxt.low not in _NOT_SURNAME
            and (not nxt.word or not cued or k == i + 1)
        ):
            out.append(("PERSON", w.start, nxt.end, 0.8))
            return k + 1
    if not cued and (before in PERSON_BEFORE or w.poss or _speaker(text, w)):
        out.append(("PERSON", w.start, w.end, 0.65))
    elif cued and before in PERSON_STRONG and text[w.end : w.end + 1] in (",", "\n", "!", ""):
        out.append(("PERSON", w.start, w.end, 0.65))  # "thanks grace,"
    return i + 1


# cues after which a word in lower case that is a town and no English word is the town
_TO_PLACE = frozenset({"in", "to", "from", "near", "at", "via", "based", "visiting", "moved"})
# cues after which a word that is a first name is one, even in lower case
_CALL = _set(
    """
    call called email emailed dear hi hello ask tell ping cc contact contacted met meet
    thanks remind
    """
)
# words that follow a name and are surnames too ("priya will", "anna may", "tom said")
_NOT_SURNAME = (
    PERSON_AFTER
    | _MODALS
    | PERSON_BEFORE
    | PLACE_BEFORE
    | MONTHS_DAYS
    | NOT_NAMES
    | _set(
        """
        is are was were be been am the a an of on for but not also too here there today
        as at by in to or and if no yes than such both either each every other same own
        what when where who why how which without into onto upon under above below
        tomorrow yesterday please again now then later soon just still already about back
        up out off over down so very all any some this that these those it well only
        even ever never more most much many new next last first see saw get got go went
        come came take took make made know knew think thought say says
        """
    )
)


# --------------------------------------------------------------------------- judging


def _judge(
    text: str,
    words: list[_Word],
    i: int,
    j: int,
    lex: Lexicon,
    out: list[tuple[str, int, int, float]],
) -> None:
    """Decide what the capitalised run ``words[i:j]`` is, and add what it holds."""
    run = words[i:j]
    if (
        len(run) > 1
        and all(w.upper or not w.cap or len(w.low) == 1 for w in run)
        and any(w.upper for w in run)
    ):
        _capitals(run, text, lex, out)  # "PLEASE PAY MARIA GARCIA BY FRIDAY", a form
        return
    # a run broken at links that no organisation or place explains: judged in parts
    links = [k for k in range(1, len(run) - 1) if run[k].low in ORG_LINKS and not run[k].cap]
    if links and not _org_like(run, lex) and not _is_place(run, text, lex):
        k = links[0]
        _judge(text, words, i, i + k, lex, out)
        _judge(text, words, i + k + 1, j, lex, out)
        return
    # titles: "Dr Okafor", "Mr. and Mrs. Smith" is rare enough
    if run[0].low in TITLES and len(run) > 1:
        rest = run[1:5]
        cut = next((k for k, w in enumerate(rest) if w.word and w.low in _NOT_SURNAME), len(rest))
        if cut:
            out.append(("PERSON", rest[0].start, rest[cut - 1].end, 0.9))
        return
    org = _org(run, text, lex)
    if org is not None:
        out.append(org)
        return
    if (  # "Elm Street", "Harbour Road", "Main St"; not "The Road"
        len(run) > 1
        and run[-1].low in STREET_TAILS
        and run[0].low not in _LEADS
        and (not _common(run[0]) or run[-1].low in ("street", "st", "road", "rd", "avenue", "ave"))
    ):
        town = _ADDRESS_TAIL.match(text, run[-1].end)
        out.append(("LOCATION", run[0].start, town.end() if town else run[-1].end, 0.7))
        return
    before, strong_before = _before(text, words, i)
    after = words[j].low if j < len(words) and text[run[-1].end : words[j].start] == " " else ""
    # common words at the edges are not part of a name ("Thanks Maria", "Maria Team")
    while (
        run and (_common(run[0]) or _before_a_name(run)) and not _is_place(run, text, lex)
    ):  # "Officer Jane Smith": a word that is also a town, before a first name
        before = run[0].low
        strong_before = before in PERSON_STRONG
        run = run[1:]
        i += 1
    while run and _common(run[-1]) and not _is_place(run, text, lex):
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
        w = run[0]
        if w.low in NOT_NAMES:
            return  # "HE'S", "Hi"
        if _speaker(text, w) or (strong_before and w.named and w.low not in MONTHS_DAYS):
            out.append(("PERSON", start, end, 0.85))  # "priya: ...", "Hi Jordan,"
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
        return
    # two words or more
    if any(w.upper and not w.named for w in run):
        _beside_capitals(run, out, lex, caps=False)  # "VP Jane Smith", "SVP Priya Sharma"
        return
    if run[0].low in STREET_FIRST:  # "Glorieta Martin Toro", "Via Roma"
        out.append(("LOCATION", start, _street_number(text, end), 0.75))
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


def _before_a_name(run: list[_Word]) -> bool:
    """Whether the run's first word is a word before a name, though it is a town or a
    surname too: "Officer Jane Smith", "Sales Jane Smith" (not "Lake Jennifer")."""
    head = run[0]
    if not head.word or head.first or head.low in TOWN_HEADS or head.low in TITLES or len(run) < 2:
        return False
    if not head.named and run[1].first:
        return True
    return len(run) > 2 and run[1].first and not run[1].word and run[2].named


def _capitals(
    run: list[_Word], text: str, lex: Lexicon, out: list[tuple[str, int, int, float]]
) -> None:
    """A run in capitals: every English word is a surname to some list ("THE", "WILL",
    "SEND"), so only what a name's shape shows is taken: a firm whose name is no word
    ("ACME LTD"), a known place ("HONG KONG"), a title and its name ("MR SMITH"), a
    first name and a surname ("MARIA GARCIA")."""
    k = _before_tails(run)
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
    run: list[_Word], out: list[tuple[str, int, int, float]], lex: Lexicon, caps: bool
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
            and (part[0].first or (not part[0].word and part[-1].last))
            and (len(part) == 2 or not all(x.word for x in part))
        ):
            out.append(("PERSON", part[0].start, part[-1].end, 0.8))
        k = m


def _name_word(w: _Word, caps: bool) -> bool:
    """A word that can be part of a name written in capitals (`caps`) or beside an
    acronym (which is none: "SVP Priya Sharma")."""
    if w.upper and not caps and not w.named:
        return False
    return (w.named or (not w.word and len(w.low) > 2)) and w.low not in _NOT_SURNAME


_NUMBER_AFTER = re.compile(
    r",?[ \t]+(?:(?i:no|nr|n°|núm|num)\.?[ \t]*)?\d{1,5}[A-Za-z]?(?:/\d{1,5})?\b"
)


def _street_number(text: str, end: int) -> int:
    """Where a street named before its number ends: after the number, if one follows."""
    m = _NUMBER_AFTER.match(text, end)
    if m is None:
        return end
    return _ADDRESS_TAIL.match(text, m.end()).end()  # type: ignore[union-attr]


def _speaker(text: str, w: _Word) -> bool:
    """A name that opens a chat line ("priya: on it") or is mentioned ("@kwame")."""
    if w.word or not w.named:
        return False
    at = w.start
    if at > 0 and text[at - 1] == "@":
        return at == 1 or not (text[at - 2].isalnum() or text[at - 2] in "._-")  # no e-mail
    return (at == 0 or text[at - 1] == "\n") and text.startswith(":", w.end)


def _town(low: str) -> bool:
    return len(low) > 6 and low.endswith(TOWN_TAILS)


def _common(w: _Word) -> bool:
    keep = w.low in TITLES or w.low in TOWN_HEADS or w.low in STREET_FIRST
    return w.word and not w.named and not w.place and not keep


def _before(text: str, words: list[_Word], i: int) -> tuple[str, bool]:
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
    if any(c in gap for c in ".!?"):
        return "", False
    return low, low in PERSON_STRONG


def _is_place(run: list[_Word], text: str, lex: Lexicon) -> bool:
    if len(run) == 1:
        return run[0].place
    phrase = text[run[0].start : run[-1].end]
    return phrase in lex.places or (not phrase.isascii() and folded(phrase) in lex.places)


def _org_tail(low: str) -> bool:
    return low.replace(".", "") in ORG_TAILS


def _before_tails(run: list[_Word]) -> int:
    """The last word of the run before its company words ("Acme" in "Acme Holdings Ltd")."""
    k = len(run) - 1
    while k > 0 and _org_tail(run[k].low):
        k -= 1
    return k


def _org_like(run: list[_Word], lex: Lexicon) -> bool:
    return _org_tail(run[-1].low) or run[0].low in ORG_HEADS


def _org(run: list[_Word], text: str, lex: Lexicon) -> tuple[str, int, int, float] | None:
    """An organisation: a run that ends in a company word ("Acme Ltd", "Deutsche Bank") or
    starts with an institution's ("University of Leeds", "Bank of Ireland")."""
    if len(run) < 2:
        return None
    if run[0].low in ORG_FIRST and run[0].upper:
        return ("ORGANIZATION", run[0].start, run[-1].end, 0.85)
    k = _before_tails(run)
    first = 0
    while first < k and run[first].low in _NOT_FIRM:
        first += 1  # "The Acme Group", "Then Acme Inc."
    if k < len(run) - 1 and k >= first:
        name = run[first : k + 1]
        if (
            all(_common(w) for w in name)
            and len(run) - 1 - k < 2
            and run[-1].low not in ("inc", "llc", "ltd", "gmbh", "plc", "corp", "llp", "ag")
        ):
            return None  # "Customer Services", "Legal Department": not one company
        end = run[-1].end
        if text[end : end + 1] == "." and run[-1].low in ("inc", "ltd", "corp", "co"):
            end += 1
        return ("ORGANIZATION", run[first].start, end, 0.85)
    if run[0].low in ORG_HEADS and len(run) > 2 and run[1].low in ("of", "for"):
        return ("ORGANIZATION", run[0].start, run[-1].end, 0.85)
    return None
