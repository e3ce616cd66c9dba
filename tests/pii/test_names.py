"""The built-in name detector (issue 15): people, places and organisations found with the
word lists shipped in the package; placeholders, restore, chat histories, tool
arguments, streams, allow-listed terms, the client record, fail-closed, the bar."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import responsible_ai as rai
from responsible_ai._entities import BUILTIN_ENTITIES
from responsible_ai._errors import RedactionFailed
from responsible_ai._pii import OutputScanner, Redactor
from responsible_ai._pii._names import NameDetector
from responsible_ai._policy import PiiRule, PiiSettings
from responsible_ai.testing import FakeModelServer

from ..conftest import base_policy

ROOT = Path(__file__).resolve().parents[2]
NAMES = NameDetector()


def found(text: str, detector: Any = NAMES) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start : f.end]) for f in detector.detect(text) if f.score >= 0.5]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Dear Mr. Okonkwo, thanks for the call.", [("PERSON", "Okonkwo")]),
        ("John Smith moved from Berlin to Siemens AG.",
         [("PERSON", "John Smith"), ("LOCATION", "Berlin"), ("ORGANIZATION", "Siemens AG")]),
        ("Send it to 42 Harbour Road, Leith, Edinburgh EH6 6LJ today.",
         [("LOCATION", "42 Harbour Road, Leith, Edinburgh EH6 6LJ")]),
        ("Maria José García-López joined the University of Leeds.",
         [("PERSON", "Maria José García-López"), ("ORGANIZATION", "University of Leeds")]),
        ("ask priya sharma before Friday", [("PERSON", "priya sharma")]),
        ("ACCOUNT HOLDER: JOHN SMITH", [("PERSON", "JOHN SMITH")]),
        ("Priya's report is late.", [("PERSON", "Priya")]),
        ("Will Turner signed; Grace said yes.", [("PERSON", "Will Turner"), ("PERSON", "Grace")]),
        ("She lives in New York City.", [("LOCATION", "New York City")]),
        ("Ludwig van der Berg called.", [("PERSON", "Ludwig van der Berg")]),
        ("Counsel: Ross, Rogers and Jones.", [("ORGANIZATION", "Ross, Rogers and Jones")]),
        ("Ship to Hauptstraße 12 or 12 rue de Rivoli.",
         [("LOCATION", "Hauptstraße 12"), ("LOCATION", "12 rue de Rivoli")]),
    ],
)  # fmt: skip
def test_finds_people_places_and_organisations(text: str, want: list[tuple[str, str]]) -> None:
    """People, places and organisations are found with their types."""
    assert found(text) == want


@pytest.mark.parametrize(
    "text",
    [
        "Please review the Q3 Board Review before Monday.",
        "Action Items: update the KPI dashboard in Excel.",
        "Will you mark the invoice as paid in May?",
        "The GDPR and SLA terms apply. Thanks!",
        "Translate this into plain English and French.",
        "I have 3 apples and dr pepper.",
    ],
)
def test_leaves_capitalised_words_that_are_no_names(text: str) -> None:
    """Capitalised words that are no names are left alone."""
    assert found(text) == []


def test_disguised_names_are_found() -> None:
    """A look-alike letter of another script, accents, compatibility forms: still a name."""
    jane = "J\u0430ne Smith"  # a Cyrillic a
    assert found(f"Dear {jane},") == [("PERSON", jane)]
    assert found("Contact Zoë Müller today.") == [("PERSON", "Zoë Müller")]
    red = Redactor().redact("Contact J\u200bane Smith today.")  # a zero-width space inside
    assert "ane" not in red.text and red.counts == {"PERSON": 1}


def test_redact_and_restore_round_trip() -> None:
    """Names become numbered placeholders, and restore puts them back."""
    red = Redactor().redact("Dear Mr. Okafor, John Smith from Acme Ltd will visit Lyon.")
    assert (
        red.text == "Dear Mr. <PERSON_1>, <PERSON_2> from <ORGANIZATION_1> will visit <LOCATION_1>."
    )
    assert red.restore("Tell <PERSON_2> that <LOCATION_1> is fine.") == (
        "Tell John Smith that Lyon is fine."
    )


def test_the_policy_decides_which_types_are_on() -> None:
    """pii.entities turns each name type on or off; the detector knows only its three."""
    text = "John Smith from Acme Ltd in Lyon, mail john@smith.example"
    only_people = Redactor(PiiSettings.model_validate({"entities": ["PERSON", "EMAIL_ADDRESS"]}))
    assert only_people.redact(text).counts == {"PERSON": 1, "EMAIL_ADDRESS": 1}
    structured = Redactor(PiiSettings.model_validate({"entities": list(BUILTIN_ENTITIES)}))
    assert structured.redact(text).counts == {"EMAIL_ADDRESS": 1}
    with pytest.raises(ValueError, match="finds PERSON"):
        NameDetector(["NRP"])


def test_allow_listed_terms_are_never_redacted_alone() -> None:
    """pii.allow terms are left as they are, in any case."""
    settings = PiiSettings.model_validate({"allow": ["acme ltd", "Lyon"]})
    red = Redactor(settings).redact("John Smith from Acme Ltd will visit Lyon.")
    assert red.text == "<PERSON_1> from Acme Ltd will visit Lyon."


def test_an_allow_table_says_which_type_a_term_is() -> None:
    """`LOCATION = ["Lyon"]` lets the town through, not Ms Lyon; a list holds for all
    three name types."""
    typed = Redactor(PiiSettings.model_validate({"allow": {"LOCATION": ["Lyon"]}}))
    assert typed.redact("Ms Lyon will visit Lyon.").text == "Ms <PERSON_1> will visit Lyon."
    with pytest.raises(rai.PolicyError, match="allow"):
        rai.Policy.from_dict(
            {**base_policy("http://127.0.0.1:9"), "pii": {"allow": {"CITY": ["x"]}}}
        )


@pytest.mark.parametrize(
    "term", ["4111 1111 1111 1111", "jane@roe.example", "DE89370400440532013000"]
)
def test_an_identifier_is_never_an_allow_term(term: str) -> None:
    """The allow-list is for names; an identifier in it is refused at start-up, and only
    names found as names are ever let through."""
    with pytest.raises(rai.ConfigurationError, match="allow") as err:
        Redactor(PiiSettings.model_validate({"allow": ["Acme", term]}))
    assert term not in str(err.value)


def test_an_allow_term_never_frees_an_identifier_it_is_part_of() -> None:
    """An allow term inside an e-mail address does not let the address out."""
    red = Redactor(PiiSettings.model_validate({"allow": ["Jane"]})).redact("JANE@ROE.EXAMPLE")
    assert red.text == "<EMAIL_ADDRESS_1>"


def test_an_empty_allow_term_is_a_policy_error() -> None:
    """An empty pii.allow term is a policy error."""
    with pytest.raises(rai.PolicyError, match="allow"):
        rai.Policy.from_dict({**base_policy("http://127.0.0.1:9"), "pii": {"allow": [""]}})


def test_the_client_record_wins_over_a_guess() -> None:
    """A client record's words take its placeholder, not a new person's."""
    jane = rai.ClientRecord(name="Jane Roe")
    red = Redactor().redact("Ms Roe wrote to Janet Fox; Jane agreed.", subject=jane)
    assert red.text == "Ms <PERSON_1> wrote to <PERSON_2>; <PERSON_1> agreed."


def test_chat_history_and_tool_arguments() -> None:
    """Names are found in every message of a chat history and in tool-call arguments."""
    messages = [
        {"role": "system", "content": "You help the claims team."},
        {"role": "user", "content": "Draft a letter to Maria Lopez in Seville."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{
                "id": "call_1", "type": "function",
                "function": {"name": "lookup", "arguments": json.dumps({"who": "Maria Lopez"})},
            }],
        },
    ]  # fmt: skip
    red = Redactor().redact_messages(messages)
    flat = json.dumps(red.messages)
    assert "Maria" not in flat and "Lopez" not in flat and "Seville" not in flat
    assert red.messages[1]["content"] == "Draft a letter to <PERSON_1> in <LOCATION_1>."
    args = json.loads(red.messages[2]["tool_calls"][0]["function"]["arguments"])
    assert args == {"who": "<PERSON_1>"}  # the same person, the same placeholder


@pytest.mark.parametrize("chunk", [1, 3, 7, 50])
def test_a_name_split_across_stream_chunks_is_masked_whole(chunk: int) -> None:
    """A name split across stream chunks is masked whole, whatever the chunk size."""
    r = Redactor()
    scanner = OutputScanner(r, r.plan.merged(PiiRule(output="mask"), "test"))
    answer = "Sure. I spoke with Maria Lopez about the claim; she lives in Seville."
    out = [scanner.feed(answer[i : i + chunk]) for i in range(0, len(answer), chunk)]
    masked = "".join(out) + scanner.flush()
    assert "Maria" not in masked and "Lopez" not in masked and "Seville" not in masked
    assert masked.startswith("Sure. I spoke with ")
    assert sorted(f.entity_type for f in scanner.findings) == ["LOCATION", "PERSON"]


def test_a_failing_name_detector_blocks_the_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name detector that fails refuses the call, naming it but not the text."""

    def broken(self: NameDetector, text: str) -> Any:
        raise RuntimeError(f"cannot read {text}")

    monkeypatch.setattr(NameDetector, "detect", broken)
    with pytest.raises(RedactionFailed) as info:
        Redactor().redact("John Smith from Lyon")
    assert "John" not in str(info.value) and info.value.detector == "names"


@pytest.mark.http
def test_nothing_of_a_name_reaches_the_provider_span_or_audit() -> None:
    """Over real HTTP: the provider sees placeholders; the answer is restored; the
    decision, the span attributes and the provenance carry no name."""
    from responsible_ai.testing import CapturedTelemetry

    with FakeModelServer() as server:
        policy = rai.Policy.from_dict(base_policy(server.base_url))
        telemetry = CapturedTelemetry()
        decisions: list[rai.Decision] = []
        with rai.Guard(policy, telemetry=telemetry, on_decision=decisions.append) as guard:
            resp = guard.chat(
                "Summarise the call with Bartholomew Okonkwo from Zurich.",
                use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini",
            )  # fmt: skip
        sent = server.requests[-1].text
    assert "Bartholomew" not in sent and "Okonkwo" not in sent and "Zurich" not in sent
    assert "<PERSON_1>" in sent and "<LOCATION_1>" in sent
    spans = [dict(s.attributes or {}) for s in telemetry.spans()]
    elsewhere = repr(decisions) + repr(spans) + resp.provenance.to_json()
    assert "Okonkwo" not in elsewhere and "Zurich" not in elsewhere


def test_the_bar_on_our_synthetic_set() -> None:
    """PERSON recall and precision >= 0.85 on the synthetic test split (the figures of
    docs/pii.md), computed by the benchmark script itself."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "benchmarks/ner_eval.py", "--only", "synthetic", "--split", "test",
         "--no-speed"],
        capture_output=True, text=True, check=True, cwd=ROOT, env=env, timeout=300,
    ).stdout  # fmt: skip
    rows = {
        line.split()[1]: line.split()[2:4] for line in out.splitlines() if "responsible-ai" in line
    }
    precision, recall = map(float, rows["PERSON"])
    assert precision >= 0.85 and recall >= 0.85, out


# ------------------------------------------------------------------ what an attacker tried


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Ship 4111 1111 1111 1111 Harbour Road, Leith EH6 6LJ", ["4111", "1111", "Harbour"]),
        ("12 Harbour Road, Apt 4111 1111 1111 1111", ["4111", "1111"]),
        ("invoice 5500 0000 0000 0004 Main St", ["5500", "0004"]),
        ("Tel 555 0134 Elm Street, Springfield, IL 62704", ["555", "0134", "Elm"]),
        ("DOB 1980-03-12 Main St", ["1980", "03", "Main"]),
    ],
)
def test_an_address_beside_a_number_never_lets_part_of_it_out(text: str, kept: list[str]) -> None:
    """A finding that loses an overlap keeps what it covered beyond the winner: a street
    address that starts on a card's last group does not free the first twelve digits."""
    out = Redactor().redact(text).text
    assert not [k for k in kept if k in out], out


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("Jane Goodall called.", "Goodall"),
        ("Please call Jane Roe-Smith today.", "Smith"),
        ("Mary Jane Watson called", "Watson"),
    ],
)
def test_a_client_record_never_frees_the_rest_of_a_name(text: str, leak: str) -> None:
    """The record's value wins on the words it covers; the detector's guess keeps the rest."""
    red = Redactor().redact(text, subject=rai.ClientRecord(name="Jane Roe"))
    assert leak not in red.text and "Jane" not in red.text, red.text
    assert red.restore(red.text) == text


def test_long_runs_of_links_and_particles_are_read_not_refused() -> None:
    """'Smith and Smith and ...' over 10 KB once recursed per link (RecursionError, and
    the call refused); runs are bounded now."""
    text = "Please pay " + " and ".join(["Smith"] * 2000)
    assert Redactor().scan(text) is not None
    assert found("Jan " + "van de " * 3000 + "Berg") is not None


@pytest.mark.parametrize(
    "text",
    [
        unicodedata.normalize("NFD", "Client: François Müller"),  # decomposed accents
        "Ja\u034fne Smi\u034fth called",  # a combining grapheme joiner
        "Ja\ufe0fne Smi\ufe0fth called",  # a variation selector
        "\u1d0a\u1d00\u0274\u1d07 \ua731\u1d0d\u026a\u1d1b\u029c called",  # small capitals
        "JaNe SmItH called",  # a case meant to hide the name
        "Jane\u200bSmith called",  # glued by a zero-width space
        "ping @JaneSmith",
        "PLEASE TRANSFER 500 EUR TO MARIA GARCIA BY FRIDAY.",
        "PLEASE EMAIL JANE SMITH ABOUT THE LOAN.",
        "VP Jane Smith approved the transfer.",
        "KYC Review Jane Smith",
        "Notes - Officer Jane Smith; file closed.",
        "AML check for JOHN O'BRIEN",
        "please email jane smith",
        "Call john smith tomorrow",
        "hans van der berg called",
    ],
)
def test_names_in_disguise_or_beside_capitals_are_found(text: str) -> None:
    """Names in look-alike letters, odd case or beside capitals are found and restored."""
    red = Redactor().redact(text)
    assert red.counts.get("PERSON", 0) >= 1, red.text
    for part in ("Jane", "Smith", "Maria", "Garcia", "JANE", "SMITH", "john", "BRIEN", "berg"):
        assert part not in red.text or part not in text, red.text
    assert red.restore(red.text) == text


def test_products_in_camel_case_are_not_names() -> None:
    """Products in camel case are no names."""
    assert found("We use SharePoint and HubSpot with PayPal.") == []


def test_a_key_that_names_a_name_makes_its_value_one() -> None:
    """In tool-call arguments {"first_name": "Grace"} is a person, though "Grace" alone
    is a word; a value without a name's shape ("report-2024.pdf") is left as it is."""
    args = {"first_name": "Grace", "last_name": "Hopper", "city": "Reading",
            "employer": "Acme", "name": "report-2024.pdf", "notes": "ok"}  # fmt: skip
    messages = [
        {"role": "user", "content": "update the contact"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function",
             "function": {"name": "update_contact", "arguments": json.dumps(args)}}]},
    ]  # fmt: skip
    red = Redactor().redact_messages(messages)
    sent = json.loads(red.messages[1]["tool_calls"][0]["function"]["arguments"])
    assert sent == {
        "first_name": "<PERSON_1>", "last_name": "<PERSON_2>", "city": "<LOCATION_1>",
        "employer": "<ORGANIZATION_1>", "name": "report-2024.pdf", "notes": "ok",
    }  # fmt: skip
    assert json.loads(red.restore(json.dumps(sent))) == args


@pytest.mark.parametrize(
    "text",
    [
        "MR SMITH WILL SIGN THE LOAN AGREEMENT TOMORROW",
        "DR PATEL SAYS THE PATIENT IS STABLE AND THE DOSE IS FINE",
        "WE WILL CLOSE THE ACCOUNT",
        "THE LOAN WILL BE APPROVED",
        "PLEASE MARK AS URGENT",
        "CHASE SAID YES",
        "GRANT WILL APPROVE",
        "SEND IT TO THE BANK",
        "I RUN A SMALL BUSINESS",
        "HE'S GOT THE FORMS",
    ],
)
def test_in_capitals_english_words_stay_words(text: str) -> None:
    """Every English word is a surname to some list: in capitals only a name's shape
    counts ("MR SMITH", "MARIA GARCIA"), never "WILL CLOSE" or "THE BANK"."""
    red = Redactor().redact(text)
    kept = {"MR SMITH": "SMITH", "DR PATEL": "PATEL"}
    named = [v for k, v in kept.items() if text.startswith(k)]
    assert red.text == (text.replace(named[0], "<PERSON_1>") if named else text), red.text


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 60), st.integers(1, 20), st.sampled_from("XYZ"),
            st.sampled_from([0.5, 0.7, 0.9]),
        ),
        min_size=1, max_size=12,
    )
)  # fmt: skip
def test_overlaps_never_leave_a_letter_of_a_finding_out(spans: list[Any]) -> None:
    """Whatever overlaps: the kept findings do not overlap one another, and every
    letter or digit any finding covered is covered by one of them."""
    from responsible_ai._pii import Finding, resolve_overlaps

    text = ("ab1 ," * 20)[:90]
    findings = [Finding(k, a, a + n, score, "t") for a, n, k, score in spans]
    kept = resolve_overlaps(findings, text)
    assert all(x.end <= y.start for x, y in itertools.pairwise(kept))
    covered = {c for f in kept for c in range(f.start, f.end)}
    wanted = {c for f in findings for c in range(f.start, f.end) if text[c].isalnum()}
    assert wanted <= covered


def test_a_key_hint_needs_a_name_shaped_value() -> None:
    """Ordinary values under name-ish keys stay as they are (the model must see them);
    a name under such a key is found even hidden or in a list, and allow-listed terms
    pass as in free text."""
    plain = {"name": "README", "state": "open", "region": "us-east-1", "owner": "platform-team",
             "tenant": "acme-prod", "person": "me", "guest": "yes", "bank": "default",
             "org": "my_org", "address": "to whom it may concern", "first": "asc"}  # fmt: skip
    names = {"last_name": "Hopper\u200b", "attendees": ["Grace", "Hopper"], "fname": "grace"}
    body = [{"role": "user", "content": "x"}, {"role": "assistant", "content": None,
            "tool_calls": [{"id": "c", "type": "function", "function": {
                "name": "f", "arguments": json.dumps({**plain, **names})}}]}]  # fmt: skip
    red = Redactor().redact_messages(body)
    sent = json.loads(red.messages[1]["tool_calls"][0]["function"]["arguments"])
    assert {k: sent[k] for k in plain} == plain
    assert "Hopper" not in json.dumps(sent) and "grace" not in json.dumps(sent).lower()
    allowed = Redactor(PiiSettings.model_validate({"allow": {"ORGANIZATION": ["Acme Bank"]}}))
    doc = [{"role": "user", "content": "x"}, {"role": "assistant", "content": None,
           "tool_calls": [{"id": "c", "type": "function", "function": {
               "name": "f", "arguments": json.dumps({"employer": "Acme Bank"})}}]}]  # fmt: skip
    out = allowed.redact_messages(doc).messages[1]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(out) == {"employer": "Acme Bank"}


@pytest.mark.parametrize(
    "text", ["Name:\tJane\tSmith", "Contact: John  O'Neil", "JANE  SMITH", "Pay Jane  Smith.",
             "Jane\nSmith", "Jane\u2028Smith"],
)  # fmt: skip
def test_a_name_split_by_tabs_spaces_or_a_line_break_is_one(text: str) -> None:
    """A name split by tabs, double spaces or a line break is found whole."""
    red = Redactor().redact(text)
    assert not {"Smith", "SMITH", "O'Neil"} & set(re.findall(r"[\w']+", red.text)), red.text


def test_a_policy_error_in_pii_allow_never_quotes_a_term() -> None:
    """A policy error in pii.allow never quotes the term."""
    for allow in (["4111 1111 1111 1111", 7], {"PERSON": ["jane.roe@client.com"], "PLACE": ["x"]}):
        with pytest.raises(rai.PolicyError) as err:
            rai.Policy.from_dict({**base_policy("http://127.0.0.1:9"), "pii": {"allow": allow}})
        assert "4111" not in str(err.value) and "jane.roe" not in str(err.value)
