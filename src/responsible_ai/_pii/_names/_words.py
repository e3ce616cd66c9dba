"""Data table: every word list of the name detector, one table per fact.

Titles, particles, the words around names and places ("Dear", "said", "in"), company
and street words, words that are never names, and the JSON keys that name a name. All
lower case. (The first names, surnames, places and English words are files: `_lexicon`.)
"""

from __future__ import annotations

__all__ = [
    "ADDRESS_KEYS",
    "CALL",
    "FORM_HINTS",
    "FORM_LETTERS",
    "GLUED_STREET",
    "KEY_HINTS",
    "LEADS",
    "MODALS",
    "MONTHS_DAYS",
    "NOT_FIRM",
    "NOT_NAMES",
    "NOT_SURNAME",
    "ORG_FIRST",
    "ORG_FIRST_WORDS",
    "ORG_HEADS",
    "ORG_LINKS",
    "ORG_TAILS",
    "PARTICLES",
    "PERSON_AFTER",
    "PERSON_BEFORE",
    "PERSON_STRONG",
    "PLACE_BEFORE",
    "RECORD_DROPS",
    "SITES",
    "STREET_ABBREVIATIONS",
    "STREET_FIRST",
    "STREET_TAILS",
    "STRONG_WHERE",
    "TITLES",
    "TOWN_HEADS",
    "TOWN_TAILS",
    "TO_PLACE",
]


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# -------------------------------------------------------------------------------- people

# titles written before a name ("Dr Okafor"); a client record's name drops those of the
# first line before its parts are matched alone ("Dr Jane Roe": "Jane", "Roe")
_RECORD_TITLES = _set("mr mrs ms miss mx dr prof sir dame herr frau mme mlle sr sra srta dott")
TITLES = _RECORD_TITLES | _set(
    """
    professor lord lady madam madame dottssa rev fr capt col gen lt sgt judge
    """
)
# the particles of names ("van der Berg", "de la Cruz", "bin Salman"); a client record's
# name drops those of the first line
_RECORD_PARTICLES = _set("de da del della der den di du van von la le el al bin ibn st")
PARTICLES = _RECORD_PARTICLES | _set("das do dos los las ben y zu ten ter")
# what a client record's name drops before its first name and surname are taken: the
# titles and particles above, and "M." and "Sig." (Monsieur, Signor), which free text
# reads as initials or words; it keeps the rest, which can be names ("Ben", "Judge")
RECORD_DROPS = _RECORD_TITLES | _RECORD_PARTICLES | _set("m sig")
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
# cues after which a word that is a first name is one, even in lower case
CALL = _set(
    """
    call called email emailed dear hi hello ask tell ping cc contact contacted met meet
    thanks remind
    """
)
MODALS = frozenset({"will", "may", "can", "must", "shall", "might", "would", "could", "should"})
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
MONTHS_DAYS = _set(
    """
    january february march april may june july august september october november
    december jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday
    thursday friday saturday sunday mon tue tues wed thu thurs fri sat sun christmas
    easter
    """
)


# -------------------------------------------------------------------- places and streets

PLACE_BEFORE = _set(
    """
    in at to from near into across around outside inside visiting visit visited based
    located relocated relocating moved moving via towards toward throughout within
    across between across office offices branch city town region state country province
    county
    """
)
# places are more sure after these than after "to", "from" or "at"
STRONG_WHERE = _set(
    """
    in near into inside outside across around throughout within visiting based located
    relocated relocating moved moving
    """
)
# cues after which a word in lower case that is a town and no English word is the town
TO_PLACE = frozenset({"in", "to", "from", "near", "at", "via", "based", "visiting", "moved"})
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
# the words that end a street's name without its number ("Harbour Road")
STREET_TAILS = _set(
    """
    street st road rd lane avenue ave boulevard blvd crescent terrace drive close way
    strasse straße gasse allee
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


# ----------------------------------------------------------- never a surname after a name

# words that follow a name and are surnames too ("priya will", "anna may", "tom said")
NOT_SURNAME = (
    PERSON_AFTER
    | MODALS
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


# ------------------------------------------------------------------------- organisations

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
ORG_FIRST = frozenset({"pt", "cv", "ud", "pd"})  # "PT Napitupulu"
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
LEADS = _set(
    """
    the then our we a an this that their your my his her its when if so but also new old
    dear hi supplier vendor competitor company firm
    """
)
NOT_FIRM = PERSON_BEFORE | PLACE_BEFORE | LEADS
# what a legal form with dots, a slash or several words holds (lower case)
FORM_HINTS = (
    "s.r.l", "s.p.a", "s.a.", "s.l.", "s.r.o", "s.c.", "s.n.c", "sp.", "spółka", "ltda.",
    "a/s", "a.s.", "b.v.", "n.v.", "a.ş", "co.", "pvt", "pty", "sdn", "k.k.", "e.v.",
    "gmbh &", "l.l.c", "p.l.c", "inc.", "ltd.", "corp.",
)  # fmt: skip
FORM_LETTERS = frozenset(h[0] for h in FORM_HINTS) | frozenset(h[0].upper() for h in FORM_HINTS)


# ----------------------------------------------------------------------------- JSON keys

# keys of a tool call's arguments (or any JSON content) whose value is a name: the value
# is that name whole, though alone it would be only a word ("Grace", "Hopper", "Reading")
KEY_HINTS: dict[str, str] = {
    key: kind
    for kind, keys in (
        (
            "PERSON",
            """
            name fullname firstname first givenname given forename lastname last surname
            familyname middlename maidenname nickname customername clientname contactname
            recipientname sendername patientname employeename holdername accountholder
            accountname cardholder cardholdername beneficiary beneficiaryname payee
            payeename payer payername applicant applicantname owner ownername spouse
            guardian nextofkin emergencycontact person personname signatory attendee
            passenger guest tenant borrower debtor creditor customer client contact author
            assignee reporter fname lname prenom vorname nachname apellido nombre nome
            cognome sn cn gn fn family holder displayname commonname
            """,
        ),
        (
            "LOCATION",
            """
            city town village locality county state province region country street
            streetname streetaddress address addressline1 addressline2 address1 address2
            line1 line2 postaltown birthplace placeofbirth hometown residence
            """,
        ),
        (
            "ORGANIZATION",
            """
            company companyname employer employername organisation organization org
            orgname business businessname firm bank bankname school university hospital
            insurer vendor supplier merchant
            """,
        ),
    )
    for key in keys.split()
}
# the keys among them whose value is a street address (which may hold a house number)
ADDRESS_KEYS = _set(
    "street streetaddress address addressline1 addressline2 address1 address2 line1 line2"
)
