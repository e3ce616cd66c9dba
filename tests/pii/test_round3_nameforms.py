"""Names in the forms the detector did not read (round 3): handles and slugs whose parts
are words, initials or digits, user folders and profile paths; surname-first orders and
unknown names in a name's slot (a label, a greeting in any language, a sign-off); first
names that are also words where only a name can stand; a name found whole. Each class
with cases beyond the attack report's, the words that must stay words, and canaries
through the Guard (a message's ``name``, the ``user`` parameter)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

import responsible_ai as rai
from responsible_ai._pii._names import NameDetector
from responsible_ai.testing import FakeModelServer

from ..conftest import base_policy

R = rai.Redactor()
NAMES = NameDetector()


def leaks(text: str, parts: list[str]) -> list[str]:
    out = R.redact(text).text.lower()
    return [p for p in parts if p.lower() in out]


# ----------------------------------------------------------------- handles and slugs


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        # a part that is an English word, beside a known name or an unknown word
        ("grace.whitfield", ["grace", "whitfield"]),
        ("login grace_whitfield failed", ["grace", "whitfield"]),
        ("hope.okonkwo approved it", ["hope", "okonkwo"]),
        ("ping rose.okafor about it", ["rose", "okafor"]),
        ("assign it to joy_mensah please", ["mensah"]),
        ("will.turner signed in", ["will", "turner"]),
        ("grace.hopper", ["grace", "hopper"]),
        ("u-grace-whitfield", ["grace", "whitfield"]),
        # digits and initials
        ("kenji.watanabe2", ["kenji", "watanabe"]),
        ("user kenji.watanabe.1 locked", ["kenji", "watanabe"]),
        ("ayodele_bakare_1990 uploaded", ["ayodele", "bakare"]),
        ("login failed for faith.adebayo2", ["adebayo"]),
        ("mail kenji.watanabe87@corp", ["kenji", "watanabe"]),
        ("user t_nakamura locked out", ["nakamura"]),
        ("k_watanabe", ["watanabe"]),
        ("a.bakare", ["bakare"]),
        ("watanabe-k", ["watanabe"]),
        ("kwatanabe87", ["watanabe"]),
        ("user: jsmith42", ["jsmith"]),
        ("handle: KenjiW", ["kenji"]),
        ("AyodeleB", ["ayodele"]),
        # folders and profiles
        ("/home/abakare/", ["abakare"]),
        ("see /home/mkowalski/notes.txt", ["mkowalski"]),
        ("C:\\Users\\abakare", ["abakare"]),
        ("C:\\Users\\priya.sharma\\Desktop", ["priya", "sharma"]),
        ("/Users/kwatanabe/Documents", ["kwatanabe"]),
        ("see fb.com/ayodele.bakare.9 now", ["ayodele", "bakare"]),
        ("github.com/janesmith/notes", ["janesmith"]),
        ("github.com/kwatanabe/dotfiles", ["kwatanabe"]),
        ("linkedin.com/in/priya-sharma-4821", ["priya", "sharma"]),
        ("twitter.com/hopeokonkwo", ["hopeokonkwo"]),
        # a file named after a person: the name part whole
        ("file Jane_Smith_CV.pdf", ["jane", "smith"]),
        ("attached Priya_Sharma_Passport.jpg", ["priya", "sharma"]),
        ("saved as kenji-watanabe-cv.docx", ["kenji", "watanabe"]),
    ],
)
def test_handles_and_slugs(text: str, parts: list[str]) -> None:
    assert not leaks(text, parts), R.redact(text).text


def test_a_file_keeps_its_extension() -> None:
    assert R.redact("file Jane_Smith_CV.pdf").text == "file <PERSON_1>.pdf"


@pytest.mark.parametrize(
    "text",
    [
        "Please review the mark-up.",
        "It was a follow-up to the e-mail; a state-of-the-art, long-term plan.",
        "The config.yaml file and index.html are attached.",
        "Run numpy.linalg; see os.path.join.",
        "The grace_period field, will_retry = True",
        "path /home/user/projects and /Users/admin/",
        "Visit www.example.com/about/contact for info",
        "COVID-19 rules for Q3-2024",
    ],
)
def test_words_and_code_are_not_handles(text: str) -> None:
    assert "PERSON" not in R.redact(text).text


# ------------------------------------------------ surname first, unknown names in slots


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Name: Tanaka Yuki", ["Tanaka", "Yuki"]),
        ("NAME: SZABÓ ANNA", ["SZAB", "ANNA"]),
        ("CLIENT: OKONKWO Chidi", ["OKONKWO", "Chidi"]),
        ("Applicant: Kowalczyk Anna", ["Kowalczyk", "Anna"]),
        ("CUSTOMER: TANAKA HIROSHI", ["TANAKA", "HIROSHI"]),
        ("Borrower: ADEBAYO Tunde", ["ADEBAYO", "Tunde"]),
        ("Tenant: Obi Nwosu", ["Obi", "Nwosu"]),
        ("NGUYEN VAN THANH", ["NGUYEN", "THANH"]),
        ("TRAN VAN MINH signed the form", ["TRAN", "MINH"]),
        ("patient: nguyen van thanh", ["nguyen", "thanh"]),
        ("client: pham thi lan", ["pham", "lan"]),
        ("Okonkwo, Hope", ["Okonkwo", "Hope"]),
        ("Kovacs, Peter", ["Kovacs", "Peter"]),
        ("Nwosu, Grace called", ["Nwosu", "Grace"]),
        ("Smith, John A. called", ["Smith", "John"]),
        ("Okonkwo H.", ["Okonkwo"]),
        ("Signed by Kowalczyk A.", ["Kowalczyk"]),
        ("Chidi Okonkwo", ["Chidi", "Okonkwo"]),
        ("Okonkwo Chidi", ["Okonkwo", "Chidi"]),
        ("Dear Chidi Okonkwo,", ["Chidi", "Okonkwo"]),
        ("Tisztelt Nagy Zoltán!", ["Nagy", "Zolt"]),
        ("Kedves Zoltán!", ["Zolt"]),
        ("Lieber Herr Schmidt,", ["Schmidt"]),
        ("Sehr geehrter Herr Becker,", ["Becker"]),
        ("Hola Sra. Martínez,", ["Martínez"]),
        ("Bonjour Mme Dubois,", ["Dubois"]),
        ("Nakamura-san", ["Nakamura"]),
        ("Tanaka-sensei", ["Tanaka"]),
        ("Suzuki-sama will attend", ["Suzuki"]),
    ],
)
def test_surname_first_and_unknown_names_in_a_slot(text: str, parts: list[str]) -> None:
    assert not leaks(text, parts), R.redact(text).text


# ------------------------------------------- first names that are words, where only a name stands


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # sign-offs
        ("-- Mark", ["Mark"]),
        ("Thanks for the help!\n-- Grace", ["Grace"]),
        ("— Hope", ["Hope"]),
        ("See you then.\n— Will", ["Will"]),
        ("~Rose", ["Rose"]),
        ("Yours,\nWill", ["Will"]),
        ("Cheers,\nJoy", ["Joy"]),
        ("Best,\nHope", ["Hope"]),
        ("BR, Mark", ["Mark"]),
        ("Rgds Mark", ["Mark"]),
        ("Regards\nFaith\nRelationship Manager", ["Faith"]),
        ("Mark\nSenior Analyst, Acme Ltd", ["Mark"]),
        ("Grace\nHead of Credit, Bank plc", ["Grace"]),
        # labels and speakers
        ("Owner: Mark", ["Mark"]),
        ("Reviewer: Grace", ["Grace"]),
        ("Assigned to: Will", ["Will"]),
        ("Hope: on it", ["Hope"]),
        ("Grace: sounds good", ["Grace"]),
        ("Mark - please review", ["Mark"]),
        ("Will - can you check the numbers?", ["Will"]),
        # lists
        ("Will, Mark, Hope", ["Will", "Mark", "Hope"]),
        ("Attendees: Grace, Hope, Joy", ["Grace", "Hope", "Joy"]),
        ("Meeting: Hope (HR), Mark (Legal)", ["Hope", "Mark"]),
        ("Panel: Grace (Risk), Will (Ops), Joy (Legal)", ["Grace", "Will", "Joy"]),
        # verbs and words that take a person
        ("Hope said the loan is fine", ["Hope"]),
        ("Grace said the card is blocked", ["Grace"]),
        ("Rose told me the PIN", ["Rose"]),
        ("Please call Hope back", ["Hope"]),
        ("please ask Grace to sign", ["Grace"]),
        ("ty Mark", ["Mark"]),
        ("thx Joy", ["Joy"]),
        ("thank Rose for me", ["Rose"]),
        ("remind Hope about the payment", ["Hope"]),
        ("Happy birthday to my girl Hope!!", ["Hope"]),
        ("my son Will is at the branch", ["Will"]),
        ("my wife Grace has the card", ["Grace"]),
        ("Happy birthday Joy!", ["Joy"]),
        # greetings in other languages
        ("Querida Hope,", ["Hope"]),
        ("Chère Rose,", ["Rose"]),
        ("Liebe Grace,", ["Grace"]),
        ("Querido Will,", ["Will"]),
        ("Cher Mark,", ["Mark"]),
    ],
)
def test_a_word_name_where_only_a_name_can_stand(text: str, names: list[str]) -> None:
    out = R.redact(text).text
    for name in names:
        assert name not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "I hope the rate holds.",
        "Will you mark the form?",
        "Hope is not a strategy.",
        "Faith, hope and love.",
        "Rose gardens bloom in May.",
        "Grace period ends Monday.",
        "Call us back tomorrow.",
        "Best regards,\nThe Support Team",
        "Name: the account name",
        "Owner: finance team",
        "Summary: Will review next week",
        "To: All staff",
        "Priority: High",
        "Paris, France is lovely",
        "See Section B. for details",
        "Meeting notes (draft), v2 (final)",
        "Type: Mortgage (fixed), Term (25y)",
    ],
)
def test_the_word_stays_a_word(text: str) -> None:
    assert "PERSON" not in R.redact(text).text, R.redact(text).text


# --------------------------------------------------------------------- found whole


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Le Van Tam called", "Le Van Tam"),
        ("Nguyen Thi Lan called", "Nguyen Thi Lan"),
        ("Pham Van Duc", "Pham Van Duc"),
    ],
)
def test_a_vietnamese_name_whole(text: str, name: str) -> None:
    assert R.redact(text).text == text.replace(name, "<PERSON_1>")


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("WATANABE Kenji (渡辺健二)", "渡辺健二"),
        ("TANAKA Hiroshi (田中宏)", "田中宏"),
        ("金美英 (Kim Mi-young)", "金美英"),
    ],
)
def test_the_same_name_in_another_script_beside_it(text: str, script: str) -> None:
    out = R.redact(text).text
    assert script not in out and "PERSON" in out, out


@pytest.mark.parametrize(
    ("text", "holder"),
    [
        ("%B4111111111111111^ROE/JANE^2712101?", ["ROE", "JANE"]),
        ("%B5500005555555559^NWOSU/ADAEZE A^2512101?", ["NWOSU", "ADAEZE"]),
    ],
)
def test_a_card_track_holder(text: str, holder: list[str]) -> None:
    assert not leaks(text, holder), R.redact(text).text


# ------------------------------------------------------------- hostile input stays linear


@pytest.mark.parametrize(
    "unit",
    ["Hope, ", "Name: ", "/home/a.b", "Smith, ", "Hope (HR), ", "^A/", "x" * 200 + "87 ",
     "grace-", "~abc", "Hope said ", "Will, Mark, Hope, ", "kenji_watanabe "],
)  # fmt: skip
def test_the_new_rules_stay_linear(unit: str) -> None:
    """Four times the text costs less than six times the time (inputs on which the
    detector before these rules was linear too)."""

    def seconds(size: int) -> float:
        text = (unit * (size // len(unit) + 1))[:size]
        best = float("inf")
        for _ in range(2):
            t0 = time.thread_time()
            list(NAMES.detect(text))
            best = min(best, time.thread_time() - t0)
        return best

    small, large = seconds(16_000), seconds(64_000)
    assert large < 6 * small + 0.05, (unit, small, large)


# ------------------------------------------------------------ through the Guard: canaries


@pytest.fixture
def guard(server: FakeModelServer) -> Iterator[rai.Guard]:
    g = rai.Guard(rai.Policy.from_dict(base_policy(server.base_url)), sleep=lambda s: None)
    yield g
    g.close()


MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}


@pytest.mark.http
@pytest.mark.parametrize(
    ("name", "user"),
    [
        ("grace_whitfield", "grace.whitfield1985"),
        ("hope_okonkwo", "u-grace-whitfield"),
        ("kenji.watanabe87", "kwatanabe87"),
    ],
)
def test_handles_never_reach_the_provider(
    guard: rai.Guard, server: FakeModelServer, name: str, user: str
) -> None:
    messages = [
        {"role": "user", "name": name, "content": "Owner: Mark. Please call Hope back."},
        {"role": "user", "content": "Name: Tanaka Yuki, file Jane_Smith_CV.pdf\n-- Rose"},
    ]
    guard.chat(messages, user=user, **MK)
    sent = server.requests[-1].text.lower()
    for part in {*name.replace("_", ".").split("."), *user.replace("-", ".").split(".")}:
        letters = part.rstrip("0123456789")
        if len(letters) > 2:
            assert letters not in sent, (letters, sent)
    for word in ("mark", "hope", "tanaka", "yuki", "jane", "smith", "rose"):
        assert word not in sent, (word, sent)
