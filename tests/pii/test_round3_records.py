"""Records wherever they stand, and names that belong to the whole request.

Two leak classes: JSON and other records (CSV, tables, "Key: value" lines, query
strings, XML) read by the public `Redactor` as the body walker reads them, keys as hints,
numbers scanned under identifier keys; and a name learned anywhere in a request found in
every part of it, earlier parts too, and in handle fields (`name`, `user`,
`safety_identifier`, `metadata.user_id`) in any case.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

from ..conftest import base_policy

R = rai.Redactor()
CRM = {"first_name": "Grace", "last_name": "Whitfield", "employer": "Kessler", "ssn": 234567890}
SECRETS = ["Grace", "Whitfield", "Kessler", "234567890"]


def leaked(text: str, secrets: list[str] = SECRETS) -> list[str]:
    return [s for s in secrets if s in text]


# ------------------------------------------------------------------ JSON in a text


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(CRM),
        json.dumps(CRM, indent=2),
        f"Here: {json.dumps(CRM)} thanks",
        f"```json\n{json.dumps(CRM, indent=2)}\n```",
        json.dumps(json.dumps(CRM)),  # double-encoded
        json.dumps({"data": json.dumps(CRM)}),
        f"payload={json.dumps(json.dumps(CRM))}",
        repr(CRM),  # a Python dict literal
        f"Result: {[CRM]!r}",
        json.dumps({"user": {"profile": CRM}}),
        json.dumps([{"field": k, "value": v} for k, v in CRM.items()]),
        json.dumps([{"name": k, "value": v} for k, v in CRM.items()]),
        json.dumps({"columns": list(CRM), "rows": [list(CRM.values())]}),
        json.dumps({"headers": list(CRM), "data": [list(CRM.values())]}),
    ],
)
def test_json_and_literals_in_a_text_are_walked(text: str) -> None:
    """`Redactor.redact` reads JSON however it stands in a text: whole, after a prefix,
    fenced, double-encoded, as a Python literal, as field/value pairs or columns/rows."""
    red = R.redact(text)
    assert not leaked(red.text), red.text
    for f in red.findings:  # positions are in the text given
        assert 0 <= f.start < f.end <= len(text)


def test_scan_positions_are_in_the_original_text() -> None:
    text = 'Note {"first_name": "Grace", "ssn": 234567890.0} end'
    found = {text[f.start : f.end] for f in R.scan(text)}
    assert "Grace" in found and "234567890.0" in found


@pytest.mark.parametrize(
    ("record", "value"),
    [
        ({"FIRST_NAME": "GRACE"}, "GRACE"),
        ({"First Name": "Grace"}, "Grace"),
        ({"first-name": "Grace"}, "Grace"),
        ({"customerFirstName": "Grace"}, "Grace"),
        ({"client_surname": "Whitfield"}, "Whitfield"),
        ({"user_given_name": "Grace"}, "Grace"),
        ({"emergency_contact": "Hope"}, "Hope"),
        ({"emergencyContactName": "Hope Okafor"}, "Okafor"),
        ({"next_of_kin": "Rose"}, "Rose"),
        ({"full_name": "grace whitfield"}, "whitfield"),
        ({"account_holder": "WHITFIELD G"}, "WHITFIELD"),
        ({"beneficiary": "Mark Okafor"}, "Okafor"),
        ({"fn": "Grace"}, "Grace"),
        ({"fname": "Grace"}, "Grace"),
        ({"given": "Grace"}, "Grace"),
        ({"sn": "Whitfield", "cn": "Grace Whitfield"}, "Whitfield"),
        ({"displayName": "Grace Whitfield"}, "Whitfield"),
        ({"username": "grace.whitfield"}, "whitfield"),
        ({"login": "hope_okafor"}, "okafor"),
        ({"user": {"handle": "kenji.watanabe87"}}, "watanabe"),
    ],
)
def test_name_keys_by_rule(record: dict[str, Any], value: str) -> None:
    """Keys are read by rule (case, separators, camelCase, qualifying words, handles)."""
    out = R.redact(f"see {json.dumps(record)}").text
    assert value not in out, out


@pytest.mark.parametrize(
    "record",
    [
        {"ssn": 234567890.0},
        {"tax_id": 234567890},
        {"taxpayerId": 234567890},
        {"social": 234567890},
        {"national_id": 234567890},
        {"customer_ssn": "234567890"},
    ],
)
def test_identifier_keys(record: dict[str, Any]) -> None:
    """A bare 9-digit number under a key that names a social-security or tax number."""
    out = R.redact(json.dumps(record)).text
    assert "234567890" not in out, out


@pytest.mark.parametrize("key", ["dob", "birth_date", "dateOfBirth", "customer_dob", "birthday"])
def test_birth_dates_as_numbers(key: str) -> None:
    out = R.redact(json.dumps({key: 19850416})).text
    assert "19850416" not in out and "DATE_OF_BIRTH" in out, out


# ------------------------------------------------------------------ other records


@pytest.mark.parametrize(
    "text",
    [
        "first_name,last_name,employer,ssn\nGrace,Whitfield,Kessler,234567890",
        "first_name\tlast_name\temployer\tssn\nGrace\tWhitfield\tKessler\t234567890",
        'id;"Surname";"Employer";tax_id\n7;"Whitfield";"Kessler";234567890\n8;x;y;z',
        "| First name | Surname | Employer | SSN |\n|---|---|---|---|\n"
        "| Grace | Whitfield | Kessler | 234567890 |",
        "first_name: Grace\nlast_name: Whitfield\nemployer: Kessler\nssn: 234567890",
        "- Name: Grace Whitfield\n- Employer: Kessler\n- Tax ID: 234567890",
        "first_name=Grace&last_name=Whitfield&employer=Kessler&tax_id=234567890",
        "<client><first_name>Grace</first_name><surname>Whitfield</surname>"
        "<employer>Kessler</employer><ssn>234567890</ssn></client>",
    ],
)
def test_records_that_are_not_json(text: str) -> None:
    """CSV/TSV with a header row, markdown tables, "Key: value" lines, query strings and
    XML elements: the key (or the column's header) is a hint for its value."""
    out = R.redact(text).text
    assert not leaked(out), out


@pytest.mark.parametrize(
    "text",
    [
        "Status: Open\nOwner: Platform Team\nState: Closed\nNote: call at 10:30",
        "- name: Checkout\n  uses: actions/checkout@v4\n- name: Build\n  run: make test",
        "x = {'a': 1, 'b': [1, 2]}; print(x['a'])",
        'see [the docs] and {"version": "1.2", "name": "README", "tags": ["a", "b"]}',
        "name,version,license\nrequests,2.31,Apache\nnumpy,1.26,BSD",
        "| Name | Status |\n|---|---|\n| Build | Passing |",
        "page=2&per_page=50&sort=name",
    ],
)
def test_ordinary_records_are_left_alone(text: str) -> None:
    """Words that are not names under name keys stay (no English word is a name here
    unless it is a known first name or surname)."""
    assert R.redact(text).text == text


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "' * 20_000,
        "[" * 100_000,
        "{'a': [" * 20_000,
        "a: b\n" * 50_000,
        "k=v&" * 50_000,
        "<a>b</a>" * 30_000,
        "x,y\n" + "1,2\n" * 50_000,
        "| a | b |\n" * 30_000,
        '"{\\"a\\": ' * 20_000,
    ],
)
def test_hostile_records_are_bounded(text: str) -> None:
    t0 = time.thread_time()
    R.redact(text)
    assert time.thread_time() - t0 < 5.0


# ------------------------------------------------------------------ a name in a request


def msgs(*texts: str) -> list[dict[str, Any]]:
    return [{"role": ("user", "assistant")[i % 2], "content": t} for i, t in enumerate(texts)]


@pytest.mark.parametrize(
    ("messages", "secret"),
    [
        (msgs("Is Hope here?", "no", "Hope Okonkwo asked about a loan"), "Hope"),
        (msgs("Thank Rose for me", "sure", "Rose Tyler is the client"), "Rose"),
        (msgs("Okonkwo sent it", "ok", "Hope Okonkwo asked"), "Okonkwo"),
        (msgs("OKONKWO file attached", "ok", "Hope Okonkwo asked"), "OKONKWO"),
        (
            [
                {"role": "assistant", "content": "I told Grace yes"},
                {"role": "user", "content": "Grace Whitfield here"},
            ],
            "Grace",
        ),
        (
            [
                {"role": "system", "content": "You help Hope."},
                {"role": "user", "content": "Hope Okonkwo asked about a loan"},
            ],
            "Hope",
        ),
        (msgs("Will said no.", "ok", "Will Turner called again"), "Will"),
        (msgs("ask about hokonkwo", "ok", "Hope Okonkwo asked"), "okonkwo"),
        (msgs("Mark it for Zoltán", "ok", "Nagy Zoltán wrote"), "Zoltán"),
    ],
)
def test_a_name_learned_later_in_a_request(messages: list[Any], secret: str) -> None:
    """A name given in full only later in the request is found in its earlier mentions."""
    red = R.redact_messages(messages)
    assert secret not in json.dumps(red.messages, ensure_ascii=False), red.messages


def test_earlier_in_the_same_text() -> None:
    for text in ("Tell Hope we got it. Signed, Hope Okonkwo", "Okonkwo: yes. Hope Okonkwo"):
        assert "Hope" not in R.redact(text).text.replace("<PERSON_1>", "")
        assert "Okonkwo" not in R.redact(text).text


def test_one_placeholder_for_the_name_and_its_earlier_part() -> None:
    red = R.redact_messages(msgs("Is Hope here?", "no", "Hope Okonkwo asked"))
    assert red.messages[0]["content"] == "Is <PERSON_1> here?"
    assert red.messages[2]["content"] == "<PERSON_1> asked"


def test_lower_case_word_in_prose_stays_a_word() -> None:
    """In running text a lower-case English word is the word, not the name ("I hope")."""
    red = R.redact_messages(msgs("I hope so", "ok", "Hope Okonkwo asked"))
    assert red.messages[0]["content"] == "I hope so"


@pytest.mark.parametrize(
    "message",
    [
        {"role": "user", "name": "hope", "content": "hi"},
        {"role": "user", "name": "hope_o", "content": "hi"},
        {"role": "user", "name": "hokonkwo", "content": "hi"},
        {"role": "user", "name": "okonkwo85", "content": "hi"},
        {"role": "user", "name": "HOPE", "content": "hi"},
    ],
)
def test_a_message_name_is_a_handle(message: dict[str, Any]) -> None:
    """A message's `name` is a handle: a known name's part counts there in any case,
    glued to an initial or digits, before or after the name is learned."""
    for messages in (
        [{"role": "user", "content": "Hope Okonkwo asked"}, message],
        [message, {"role": "user", "content": "Hope Okonkwo asked"}],
    ):
        red = R.redact_messages(messages)
        name = next(m["name"] for m in red.messages if "name" in m)
        assert "hope" not in name.lower() and "okonkwo" not in name.lower(), name


def test_second_pass_only_when_a_name_is_learned() -> None:
    """A body in which no name is learned is walked once."""
    calls: list[str] = []

    class Counting:
        name = "counting"

        def detect(self, text: str) -> list[rai.Finding]:
            calls.append(text)
            return []

    r = rai.Redactor(detectors=[Counting()])
    r.redact_messages(msgs("the build is green", "ok", "ship it"))
    assert len(calls) == 3
    calls.clear()
    long = "Is Hope here? " + "The build is green and the release notes are written. " * 2
    red = r.redact_messages(msgs(long, "no", "Hope Okonkwo asked", "fine"))
    assert "Hope" not in red.messages[0]["content"]
    assert len(calls) == 4 + 1  # the first pass, and the one text where Hope stood before


@pytest.mark.parametrize(
    ("first", "secret"),
    [
        ("mail hopeokonkwo today", "hopeokonkwo"),  # glued parts
        ("mail okonkwoh today", "okonkwo"),  # an initial glued after
        ("ask jokonkwo", "okonkwo"),  # any letter before a part that is no word
        ("the HopeOkonkwo account", "Okonkwo"),  # a camel hump
        ("ping hope2 and okonkwo_h", "okonkwo"),  # a digit, a slug
    ],
)
def test_a_part_glued_in_an_earlier_text(first: str, secret: str) -> None:
    """The second pass's cheap test lets each glued form of a name learned later through
    (in a short text, read as a handle may be, and in a longer one)."""
    for text in (first, first + ". The build is green and the release notes are written."):
        red = R.redact_messages(msgs(text, "ok", "Hope Okonkwo asked"))
        assert secret.lower() not in red.messages[0]["content"].lower(), red.messages


def test_a_part_inside_a_longer_word_is_no_second_search(monkeypatch: Any) -> None:
    """A name learned late that stands in an earlier text only as the start of a longer
    word ("Frida" in "Friday") sends no text to the conversation's full search again."""
    searched: list[str] = []
    names_in = rai.PIISession.names_in

    def counting(self: rai.PIISession, text: str) -> list[rai.Finding]:
        searched.append(text)
        return names_in(self, text)

    monkeypatch.setattr(rai.PIISession, "names_in", counting)
    first = "The branch closes early on Friday; on Fridays the queue is short."  # > 64
    texts = (first, "ok", "Frida Kahlo asked")
    red = R.redact_messages(msgs(*texts))
    assert red.messages[0]["content"] == texts[0]
    assert "Frida" not in red.messages[2]["content"]
    assert len(searched) == len(texts)  # once per text, in the first pass


# ------------------------------------------------------------------ through the Guard


E = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}
A = {"use_case": "engineering", "provider": "anthropic-prod", "model": "claude-haiku-4-5"}


@pytest.fixture
def guard(server: FakeModelServer) -> Iterator[rai.Guard]:
    g = rai.Guard(rai.Policy.from_dict(base_policy(server.base_url)), sleep=lambda s: None)
    yield g
    g.close()


def sent(server: FakeModelServer) -> str:
    return "\n".join(json.dumps(r.body, ensure_ascii=False) for r in server.requests)


@pytest.mark.http
@pytest.mark.parametrize(
    "result",
    [
        json.dumps(json.dumps(CRM)),
        f"Here: {CRM!r}",
        json.dumps([{"field": k, "value": v} for k, v in CRM.items()]),
        json.dumps({"columns": list(CRM), "rows": [list(CRM.values())]}),
        "first_name,last_name,employer,ssn\nGrace,Whitfield,Kessler,234567890",
        "First name: Grace\nSurname: Whitfield\nEmployer: Kessler\nSSN: 234567890",
        "<first_name>Grace</first_name><last_name>Whitfield</last_name>"
        "<employer>Kessler</employer><ssn>234567890</ssn>",
    ],
)
def test_tool_results_never_leave(server: FakeModelServer, guard: rai.Guard, result: str) -> None:
    """A CRM record returned as a tool result, in any record form, in OpenAI and
    Anthropic shape: none of its values reaches the provider."""
    openai_msgs = [
        {"role": "user", "content": "look up the client"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "crm", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": result},
    ]
    anthropic_msgs = [
        {"role": "user", "content": "look up the client"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t1", "name": "crm", "input": {}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t1", "content": result}],
        },
    ]
    guard.chat(openai_msgs, **E)
    guard.chat(anthropic_msgs, max_tokens=50, **A)
    assert len(server.requests) == 2
    assert not leaked(sent(server)), sent(server)


@pytest.mark.http
def test_identifier_keys_in_tool_arguments(server: FakeModelServer, guard: rai.Guard) -> None:
    args = {"tax_id": 234567890, "social": 234567890, "national_id": 234567890, "dob": 19850416}
    guard.chat(
        [{"role": "user", "content": "file it"},
         {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
          "function": {"name": "crm", "arguments": json.dumps(args)}}]},
         {"role": "tool", "tool_call_id": "c1", "content": "ok"}],
        **E,
    )  # fmt: skip
    assert not leaked(sent(server), ["234567890", "19850416"]), sent(server)


@pytest.mark.http
def test_names_across_a_request_never_leave(server: FakeModelServer, guard: rai.Guard) -> None:
    guard.chat(msgs("Is Hope here?", "no", "Hope Okonkwo asked about a loan"), **E)
    guard.chat(
        [{"role": "system", "content": "You help Hope."},
         {"role": "user", "content": "Hope Okonkwo asked about a loan"}],
        **E,
    )  # fmt: skip
    guard.chat(
        [{"role": "user", "content": "Thank Rose for me"},
         {"role": "assistant", "content": "sure"},
         {"role": "user", "content": "Rose Tyler is the client"}],
        max_tokens=50, **A,
    )  # fmt: skip
    assert not leaked(sent(server), ["Hope", "Okonkwo", "Rose", "Tyler"]), sent(server)


@pytest.mark.http
def test_handle_fields_after_the_name_is_known(server: FakeModelServer, guard: rai.Guard) -> None:
    """`name`, `user` and `safety_identifier` are handles: a known name's lower-case part,
    or a handle made of it, never leaves there; also on a later call of the session."""
    guard.chat(
        [{"role": "user", "content": "Hope Okonkwo asked"},
         {"role": "user", "name": "hope", "content": "hi"}],
        user="hokonkwo", **E,
    )  # fmt: skip
    session = rai.PIISession()
    guard.chat("Hope Okonkwo asked about a loan", session=session, **E)
    guard.chat("hi", session=session, user="hope", **E)
    guard.chat([{"role": "user", "name": "okonkwo_h", "content": "hi"}], session=session, **E)
    guard.chat("Hope Okonkwo asked", safety_identifier="hope.o", **E)
    guard.chat("Hope Okonkwo asked", metadata={"user_id": "hope"}, max_tokens=50, **A)
    out = sent(server).lower()
    assert "hope" not in out and "okonkwo" not in out, out
