"""Data table: the words around a name's slot (`_slots`): field labels, greetings,
honorifics, sign-offs, the verbs and words that take a person, verbs of speech, job
titles. Lower case, one space between the words of a phrase."""

from __future__ import annotations

__all__ = [
    "ACCOUNT_LABELS",
    "CUES",
    "GREETINGS",
    "GREETING_HEADS",
    "HEADS",
    "HONORIFICS",
    "JOBS",
    "KIN",
    "KIND_WORDS",
    "LABELS",
    "LONG_GREETINGS",
    "POSSESSIVES",
    "SIGNOFFS",
    "SIGNOFF_HEADS",
    "SPEECH",
]


def _phrases(words: str) -> frozenset[str]:
    """A set of phrases, in lower case, one space between words."""
    return frozenset(" ".join(w.split()) for w in words.split(",") if w.strip())


LABELS = _phrases(
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
    user name, username, account name, holder name, cliente, kunde, klient, ügyfél,
    reviewer, reviewed by, approver, assessor, handler, case handler, case owner,
    account manager, relationship manager, chair, sponsor, requestor, submitter,
    creator, created by, updated by, modified by, closed by, opened by, verified by,
    checked by, authorised by, authorized by, on behalf of"""
)
# labels of an account's name: the value is a handle ("user: jsmith42")
ACCOUNT_LABELS = _phrases(
    """user, username, user name, login, handle, account, userid, user id, uid,
    screen name, nick, nickname, alias"""
)
GREETINGS = _phrases(
    """dear, hi, hello, hey, hiya, heya, greetings, good morning, good afternoon,
    good evening, morning, kedves, tisztelt, querida, querido, queridos, queridas,
    estimada, estimado, estimados, chère, cher, chères, chers, lieber, liebe, liebes,
    sehr geehrte, sehr geehrter, geehrte, geehrter, gentile, gentili, caro, cara, beste,
    geachte, hej, hei, hallo, hola, bonjour, salut, ciao, olá, oi, drogi, droga, szanowny,
    szanowna, ahoj, servus, buongiorno, bom dia, buenos días, buenas, kære, käre, bästa"""
)
GREETING_HEADS = frozenset(p.split()[0] for p in GREETINGS)
LONG_GREETINGS = frozenset(p.split()[0] for p in GREETINGS if " " in p)
HONORIFICS = _phrases(
    """mr, mrs, ms, miss, mx, dr, prof, sir, dame, herr, frau, m, mme, mlle, sr, sra, srta,
    don, doña, señor, señora, signor, signora, sig, dott, pan, pani, úr, asszony, meneer,
    mevrouw, dhr, mevr"""
)
SIGNOFFS = _phrases(
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
SIGNOFF_HEADS = frozenset(p.split()[0] for p in SIGNOFFS)
HEADS = GREETING_HEADS | SIGNOFF_HEADS
CUES = _phrases(
    """call, called, calling, ring, rang, text, texted, email, emailed, e-mail, message,
    messaged, dm, dmed, ping, pinged, ask, asked, tell, told, thank, thanked, thanks, thx,
    ty, tysm, remind, reminded, meet, met, invite, invited, congrats, congratulations,
    welcome, cc, paging, hug, birthday, bday, anniversary"""
)
KIN = _phrases(
    """girl, boy, friend, bestie, bff, bro, brother, sis, sister, son, daughter, wife,
    husband, mom, mum, mother, dad, father, colleague, coworker, co-worker, boss, manager,
    partner, fiancé, fiancée, fiance, fiancee, girlfriend, boyfriend, cousin, aunt, uncle,
    niece, nephew, grandson, granddaughter, grandma, grandpa, granny, mate, buddy, pal,
    neighbour, neighbor, client, customer, roommate, flatmate, teammate, baby, man, dude,
    guy, love, lady, homie, twin, kid, kids, boys, girls"""
)
SPEECH = _phrases(
    """said, says, asked, asks, wrote, writes, replied, replies, told, tells, texted,
    emailed, called, mentioned, confirmed, agreed, explained, insisted, tweeted, answered,
    responded"""
)
JOBS = _phrases(
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

POSSESSIVES = _phrases("my, our, your, his, her, their")
KIND_WORDS = _phrases(
    "little, baby, big, best, old, dear, lovely, beautiful, sweet, favourite, favorite"
)
