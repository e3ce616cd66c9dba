"""Names in the forms a run of capitalised words does not show: surname first, a first
name that is also a word where only a name can stand, handles and slugs made of a name
(in message text, a message's ``name`` and the ``user`` parameter)."""

from __future__ import annotations

import pytest

import responsible_ai as rai
from responsible_ai._providers._openai import CHAT_BODY

R = rai.Redactor()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Nagy Zoltán approved the loan.", "Nagy Zoltán"),
        ("Nguyen Van Thanh called twice.", "Nguyen Van Thanh"),
        ("Dear Tran Van Minh,\nthank you.", "Tran Van Minh"),
        ("CLIENT: WATANABE Kenji", "WATANABE Kenji"),
        ("Client: Watanabe Kenji (retail)", "Watanabe Kenji"),
    ],
)
def test_surname_first(text: str, name: str) -> None:
    red = R.redact(text)
    assert red.text == text.replace(name, "<PERSON_1>"), red.text


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Attendees: Rose, Mark and Priya Patel.", ["Rose", "Mark", "Priya Patel"]),
        ("Priya Patel, Will and Hope joined.", ["Priya Patel", "Will", "Hope"]),
        ("cc: Will, Rose", ["Will", "Rose"]),
        ("Mark's account is overdrawn.", ["Mark"]),
        ("Hope's card was blocked.", ["Hope"]),
        ("Hi Will,\ncan you check?", ["Will"]),
        ("Dear Hope, your card is ready.", ["Hope"]),
        ("Thanks,\nHope", ["Hope"]),
        ("Kind regards, Rose", ["Rose"]),
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
        "Jane Smith, Will you call me?",
        "May and June are busy months.",
        "Rose gardens and mark-ups",
    ],
)
def test_the_word_stays_a_word(text: str) -> None:
    out = R.redact(text).text
    for word in ("hope", "Will", "mark", "May", "June", "Rose"):
        if word in text and word not in ("Jane", "Smith"):
            assert word in out, out


@pytest.mark.parametrize(
    ("text", "handle"),
    [
        ("login kenji.watanabe failed", "kenji.watanabe"),
        ("user kenji-watanabe", "kenji-watanabe"),
        ("Kenji_Watanabe uploaded it", "Kenji_Watanabe"),
        ("ping @JaneSmith today", "JaneSmith"),
        ("path /home/ayodele.bakare/docs", "ayodele.bakare"),
        ("email from ayodele.bakare", "ayodele.bakare"),
        ("rose.m.tyler signed", "rose.m.tyler"),
        ("see watanabe_kenji", "watanabe_kenji"),
    ],
)
def test_handles_and_slugs(text: str, handle: str) -> None:
    out = R.redact(text).text
    assert handle not in out and "<PERSON_1>" in out, out
    for part in handle.replace("_", ".").replace("-", ".").split("."):
        if len(part) > 1:
            assert part.lower() not in out.lower(), out


def test_handles_in_the_name_field_and_the_user_parameter() -> None:
    body = {
        "model": "gpt-4o-mini",
        "user": "kenji.watanabe",
        "messages": [
            {"role": "user", "name": "ayodele_bakare", "content": "hi"},
            {"role": "user", "content": "ping @JaneSmith"},
        ],
    }
    out = repr(R.redact_document(body, CHAT_BODY).document)
    for part in ("kenji", "watanabe", "ayodele", "bakare", "Jane", "Smith"):
        assert part.lower() not in out.lower(), out


def test_a_double_barrelled_name_is_not_a_handle() -> None:
    assert R.redact("Call Jane Roe-Smith today.").text == "Call <PERSON_1> today."
    assert R.redact("See the mark-down and will-call desk").text == (
        "See the mark-down and will-call desk"
    )
