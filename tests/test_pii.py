"""The Redactor: detectors, known values, operators, sessions, message shapes, fail-closed."""

from __future__ import annotations

import copy
import hashlib
import json
import pickle
import time

import pytest

import responsible_ai as rai
from responsible_ai._entities import BUILTIN_ENTITIES
from responsible_ai._policy import PiiSettings

from .conftest import base_policy

JANE = rai.ClientRecord(
    name="Jane Roe", emails=["jane@roe.example"], account_numbers=["ACC-0042-77"]
)


def entities(red: rai.Redaction) -> list[str]:
    return [f.entity_type for f in red.findings]


class TestRedact:
    def test_contract_example(self) -> None:
        """The example of the public contract, as written."""
        r = rai.Redactor()
        red = r.redact(
            "Call Jane Roe on +44 20 7946 0958 or jane@roe.example",
            subject=rai.ClientRecord(name="Jane Roe"),
        )
        assert red.text == "Call <PERSON_1> on <PHONE_NUMBER_1> or <EMAIL_ADDRESS_1>"
        f = red.findings[0]
        assert (f.entity_type, f.start, f.end, f.detector) == ("PERSON", 5, 13, "known")
        assert 0 < f.score <= 1
        assert red.restore("Dear <PERSON_1>, ...") == "Dear Jane Roe, ..."

    def test_findings_in_original_positions(self) -> None:
        text = "Mail jane@roe.example, card 4111 1111 1111 1111."
        red = rai.Redactor().redact(text)
        assert [text[f.start : f.end] for f in red.findings] == [
            "jane@roe.example",
            "4111 1111 1111 1111",
        ]

    def test_no_pii_untouched(self) -> None:
        text = "Please draft a friendly note about the branch closing early on Friday."
        red = rai.Redactor().redact(text)
        assert red.text == text and red.findings == ()

    def test_validated_not_just_matched(self) -> None:
        """Checksums and ranges decide: a Luhn-invalid card, a 000 SSN, a bad IBAN stay."""
        r = rai.Redactor()
        assert entities(r.redact("card 4111 1111 1111 1112")) == []
        assert entities(r.redact("SSN 000-12-3456 and 666-12-3456")) == []
        assert entities(r.redact("IBAN DE89 3704 0044 0532 0130 01")) == []
        assert entities(r.redact("IBAN DE89 3704 0044 0532 0130 00")) == ["IBAN_CODE"]
        assert entities(r.redact("from 300.1.2.3")) == []

    def test_context_raises_and_lowers(self) -> None:
        """A bare 9-digit number is an SSN only next to 'SSN'; an order number is not a phone."""
        r = rai.Redactor()
        assert entities(r.redact("my SSN is 536221234")) == ["US_SSN"]
        assert entities(r.redact("batch 536221234 shipped")) == []
        assert entities(r.redact("call me on 3034315321")) == ["PHONE_NUMBER"]
        assert entities(r.redact("order 3034315321 shipped")) == []

    def test_threshold_from_policy(self) -> None:
        strict = rai.Redactor(PiiSettings(threshold=0.9))
        assert entities(strict.redact("see https://acme.example/x")) == []
        assert entities(rai.Redactor().redact("see https://acme.example/x")) == ["URL"]

    def test_secrets(self) -> None:
        r = rai.Redactor()
        text = (
            "key sk-proj-abcdefghijklmnopqrstuvwx12 aws AKIAIOSFODNN7EXAMPLE "
            "Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345 "
            "db postgres://app:s3cr3t-pass@db.internal/prod"
        )
        red = r.redact(text)
        assert sorted(set(entities(red))) == ["API_KEY", "BEARER_TOKEN", "PASSWORD"]
        assert "s3cr3t" not in red.text and "sk-proj" not in red.text and "AKIA" not in red.text

    def test_entities_subset(self) -> None:
        r = rai.Redactor(PiiSettings(entities=["EMAIL_ADDRESS"]))
        assert entities(r.redact("jane@roe.example +44 20 7946 0958")) == ["EMAIL_ADDRESS"]

    def test_overlaps_deterministic(self) -> None:
        """Overlapping findings: higher score wins, then the longer span; always the same."""
        from responsible_ai._pii import resolve_overlaps

        a = rai.Finding("A", 0, 10, 0.6, "x")
        b = rai.Finding("B", 5, 12, 0.9, "x")
        c = rai.Finding("C", 11, 20, 0.9, "x")
        d = rai.Finding("D", 11, 25, 0.9, "x")
        e = rai.Finding("E", 30, 35, 0.7, "x")
        f = rai.Finding("F", 30, 35, 0.7, "y")  # a tie in everything but the detector
        results = {
            tuple(resolve_overlaps(order))
            for order in ([a, b, c, d, e, f], [f, e, d, c, b, a], [c, f, a, d, e, b])
        }
        assert results == {(a, d, e)}  # D beats C (longer) and B (longer); A keeps its place


class TestKnownValues:
    def test_case_and_whitespace_insensitive(self) -> None:
        red = rai.Redactor().redact(
            "JANE\n   roe wrote from JANE@ROE.EXAMPLE about acc-0042-77", subject=JANE
        )
        assert entities(red) == ["PERSON", "EMAIL_ADDRESS", "ACCOUNT_NUMBER"]
        assert "jane" not in red.text.lower() and "0042" not in red.text

    def test_first_or_surname_alone(self) -> None:
        """The first name or surname alone is matched, on word boundaries only."""
        text = "Jane called. Ms Roe asked; Janet and Roessler did not."
        structured = PiiSettings.model_validate({"entities": list(BUILTIN_ENTITIES)})
        red = rai.Redactor(structured).redact(text, subject=JANE)
        assert red.text == "<PERSON_1> called. Ms <PERSON_1> asked; Janet and Roessler did not."
        # with the name detector on, the record still wins on its own words ("Ms Roe" is
        # the record's person, not a new one); Janet is somebody else
        red = rai.Redactor().redact(text, subject=JANE)
        assert red.text.startswith("<PERSON_1> called. Ms <PERSON_1> asked; <PERSON_2> and ")

    def test_variants_share_a_placeholder(self) -> None:
        red = rai.Redactor().redact("Jane Roe, Roe, Jane and J. Roe", subject=JANE)
        assert red.text == "<PERSON_1>, <PERSON_1> and <PERSON_1>"

    def test_free_fields(self) -> None:
        record = rai.ClientRecord(name="Li Wei", fields={"employer": "Northwind Traders"})
        red = rai.Redactor().redact("Li works at northwind  traders.", subject=record)
        assert red.text == "<PERSON_1> works at <EMPLOYER_1>."

    def test_record_repr_shows_no_value(self) -> None:
        assert "Jane" not in repr(JANE) and "roe" not in repr(JANE)

    def test_100k_values_one_pass(self) -> None:
        """100,000 known values match in one pass; the text's cost does not grow with them."""
        records = [
            rai.ClientRecord(name=f"Client{i} Surname{i}", account_numbers=[f"ACCT{i:07d}"])
            for i in range(50_000)
        ]
        known = rai.KnownValues(records)
        assert len(known) >= 100_000
        r = rai.Redactor(known=known)
        red = r.redact("Ask client31337 surname31337 about ACCT0049999 today.")
        assert red.text == "Ask <PERSON_1> about <ACCOUNT_NUMBER_1> today."


class TestSessions:
    def test_stable_across_messages_and_calls(self) -> None:
        """<PERSON_1> is the same person across messages and calls sharing a session."""
        r = rai.Redactor()
        session = rai.PIISession()
        a = r.redact_messages(
            [{"role": "user", "content": "I am Jane Roe"}], subject=JANE, session=session
        )
        b = r.redact(
            "Bob Ray and jane roe", subject=rai.ClientRecord(name="Bob Ray"), session=session
        )
        c = r.redact("Jane again", subject=JANE, session=session)
        assert a.messages[0]["content"] == "I am <PERSON_1>"
        # "jane roe" in lower case is not the record's spelling; the name detector takes
        # "jane" for a name ("roe" is an English word): a new placeholder, never the value
        assert b.text in ("<PERSON_2> and <PERSON_1>", "<PERSON_2> and <PERSON_3> roe")
        assert c.text == "<PERSON_1> again"

    def test_session_never_shows_values(self) -> None:
        session = rai.PIISession()
        rai.Redactor().redact("jane@roe.example", session=session)
        assert "jane" not in repr(session) and "EMAIL_ADDRESS=1" in repr(session)
        with pytest.raises(TypeError):
            pickle.dumps(session)
        with pytest.raises(TypeError):
            copy.deepcopy(session)

    def test_drop(self) -> None:
        session = rai.PIISession()
        red = rai.Redactor().redact("jane@roe.example", session=session)
        session.drop()
        assert red.restore("<EMAIL_ADDRESS_1>") == "<EMAIL_ADDRESS_1>"
        assert len(session) == 0

    def test_restore_leaves_unknown_placeholders(self) -> None:
        red = rai.Redactor().redact("jane@roe.example")
        assert (
            red.restore("<EMAIL_ADDRESS_1> <EMAIL_ADDRESS_2> <b>")
            == "jane@roe.example <EMAIL_ADDRESS_2> <b>"
        )


class TestOperators:
    def redactor(self, **pii: object) -> rai.Redactor:
        return rai.Redactor(PiiSettings.model_validate(pii))

    def test_mask(self) -> None:
        r = self.redactor(operators={"CREDIT_CARD": "mask"}, mask={"chars_to_mask": 15})
        assert r.redact("card 4111 1111 1111 1111").text == "card ***************1111"

    def test_hash_salted_and_stable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("RAI_TEST_SALT", "a-salt-of-16-bytes-or-more")
        r = self.redactor(operators={"EMAIL_ADDRESS": "hash"}, hash_salt_env="RAI_TEST_SALT")
        one, two = r.redact("jane@roe.example").text, r.redact("jane@roe.example").text
        assert one == two and len(one) == 64 and "jane" not in one
        salt = b"a-salt-of-16-bytes-or-more"  # presidio-anonymizer's Hash gives the same
        assert one == hashlib.sha256(b"jane@roe.example" + salt).hexdigest()

    def test_hash_unsalted_differs_each_time(self) -> None:
        r = self.redactor(operators={"EMAIL_ADDRESS": "hash"})
        assert r.redact("jane@roe.example").text != r.redact("jane@roe.example").text

    def test_short_salt_or_key_refused_at_start(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A salt under 16 bytes or a key that is no AES size is an error when the
        redactor is made, naming the variable, never the secret."""
        monkeypatch.setenv("RAI_TEST_SALT", "short-s3cret")
        with pytest.raises(rai.ConfigurationError, match=r"\$RAI_TEST_SALT .* 16 bytes") as e:
            self.redactor(operators={"EMAIL_ADDRESS": "hash"}, hash_salt_env="RAI_TEST_SALT")
        assert "s3cret" not in str(e.value)
        monkeypatch.setenv("RAI_TEST_KEY", "seventeen-bytes!!")
        with pytest.raises(rai.ConfigurationError, match=r"\$RAI_TEST_KEY .* 16, 24 or 32"):
            self.redactor(operators={"US_SSN": "encrypt"}, encrypt_key_env="RAI_TEST_KEY")

    def test_encrypt_reversible_with_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from presidio_anonymizer.operators import Decrypt

        monkeypatch.setenv("RAI_TEST_KEY", "WmZq4t7w!z%C&F)J")
        r = self.redactor(operators={"US_SSN": "encrypt"}, encrypt_key_env="RAI_TEST_KEY")
        out = r.redact("SSN 536-22-1234").text
        assert "536" not in out
        assert (
            Decrypt().operate(out.removeprefix("SSN "), {"key": "WmZq4t7w!z%C&F)J"})
            == "536-22-1234"
        )

    def test_redact_and_keep(self) -> None:
        r = self.redactor(operators={"EMAIL_ADDRESS": "redact", "URL": "keep"})
        assert (
            r.redact("jane@roe.example at https://acme.example/x").text
            == " at https://acme.example/x"
        )

    def test_replace_not_reversible(self) -> None:
        r = self.redactor(reversible=False)
        red = r.redact("jane@roe.example")
        assert red.text == "<EMAIL_ADDRESS>" and len(red.session) == 0

    def test_block(self) -> None:
        """`block` refuses, naming entity types and counts, never values."""
        r = self.redactor(operators={"US_SSN": "block", "CREDIT_CARD": "block"})
        with pytest.raises(rai.PIIBlocked) as info:
            r.redact("SSN 536-22-1234, 536-22-1235, card 4111 1111 1111 1111")
        assert info.value.counts == {"CREDIT_CARD": 1, "US_SSN": 2}
        assert "536" not in str(info.value) and "4111" not in str(info.value)
        assert "US_SSN x2" in str(info.value) and info.value.rule == "pii.operators"

    def test_encrypt_needs_key_at_load(self) -> None:
        data = base_policy()
        data["pii"] = {"operators": {"US_SSN": "encrypt"}}
        with pytest.raises(rai.PolicyError, match=r"pii\.encrypt_key_env"):
            rai.Policy.from_dict(data)


class TestCustomDetectors:
    def test_from_policy(self) -> None:
        data = base_policy()
        data["pii"] = {
            "detectors": [
                {
                    "name": "ACME_MEMBER",
                    "regex": r"\bM-\d{6}\b",
                    "context": ["member"],
                    "score": 0.4,
                }
            ]
        }
        r = rai.Redactor(rai.Policy.from_dict(data).pii)
        assert r.redact("member M-123456").text == "member <ACME_MEMBER_1>"
        assert r.redact("part M-123456").text == "part M-123456"  # 0.4 without context

    def test_validator(self) -> None:
        data = base_policy()
        data["pii"] = {
            "detectors": [{"name": "LOYALTY_CARD", "regex": r"\bL\d{16}\b", "validator": "luhn"}]
        }
        r = rai.Redactor(rai.Policy.from_dict(data).pii)
        assert r.redact("L4111111111111111").text == "<LOYALTY_CARD_1>"
        assert r.redact("L4111111111111112").text == "L4111111111111112"

    @pytest.mark.parametrize("regex", [r"(a+)+(?=b)", r"(\w+)\1", r"(?<=x)y"])
    def test_backtracking_features_refused_at_load(self, regex: str) -> None:
        """Look-around and back-references cannot run in linear time: refused, with the reason."""
        data = base_policy()
        data["pii"] = {"detectors": [{"name": "BAD", "regex": regex}]}
        with pytest.raises(rai.PolicyError) as info:
            rai.Policy.from_dict(data)
        assert (
            "pii.detectors[0].regex: expected a regular expression that RE2 can run in linear time"
            in str(info.value)
        )

    def test_nested_quantifiers_run_linear(self) -> None:
        """A classic catastrophic pattern runs under RE2 in linear time on hostile input."""
        data = base_policy()
        data["pii"] = {"detectors": [{"name": "EVIL", "regex": r"(a+)+$"}]}
        r = rai.Redactor(rai.Policy.from_dict(data).pii)
        t0 = time.perf_counter()
        r.redact("a" * 1_000_000 + "!")
        assert time.perf_counter() - t0 < 5


class TestHostileInput:
    @pytest.mark.parametrize(
        "text",
        [
            "1" * 1_000_000, "1 " * 500_000, "a@" * 500_000, "a" * 64 + "@" + "a." * 500_000,
            "http://" + "." * 1_000_000, "0:" * 500_000, "-----BEGIN PRIVATE KEY-----\n" * 36_000,
            "Bearer " + "a" * 1_000_000, "<" * 1_000_000, "DE89 " + "3704 " * 200_000,
        ],
        ids=["digits", "digit-space", "at", "email-dots", "url", "hex-colon", "pem-begins", "bearer", "lt", "iban"],
    )  # fmt: skip
    def test_one_megabyte_bounded(self, text: str) -> None:
        """1 MB of input built to stall a backtracking engine finishes in bounded time."""
        t0 = time.perf_counter()
        rai.Redactor().redact(text)
        assert time.perf_counter() - t0 < 10


class TestMessages:
    def test_shapes(self) -> None:
        """OpenAI and Anthropic shapes: strings, parts, tool-call arguments, tool results, tool inputs."""
        messages = [
            {"role": "system", "content": "You help Jane Roe."},
            {"role": "user", "content": [{"type": "text", "text": "my mail is jane@roe.example"}]},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
             "function": {"name": "lookup", "arguments": json.dumps({"email": "jane@roe.example", "n": 2})}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "Jane Roe, +44 20 7946 0958"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "crm",
             "input": {"who": {"name": "Jane Roe"}, "ids": ["ACC-0042-77"]}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
             "content": [{"type": "text", "text": "card 4111 1111 1111 1111"}]}]},
        ]  # fmt: skip
        red = rai.Redactor().redact_messages(messages, subject=JANE)
        blob = json.dumps(red.messages)
        for value in ("Jane", "jane@roe", "7946", "0042", "4111"):
            assert value not in blob
        args = json.loads(red.messages[2]["tool_calls"][0]["function"]["arguments"])
        assert args == {"email": "<EMAIL_ADDRESS_1>", "n": 2}
        assert red.messages[4]["content"][0]["input"] == {
            "who": {"name": "<PERSON_1>"},
            "ids": ["<ACCOUNT_NUMBER_1>"],
        }
        assert messages[0]["content"] == "You help Jane Roe."  # the caller's list is not changed
        paths = {r.path for r in red.findings}
        assert "messages[2].tool_calls[0].function.arguments.email" in paths
        assert red.counts["PERSON"] == 3

    def test_non_text_refused_by_default(self) -> None:
        messages = [{"role": "user", "content": [{"type": "text", "text": "what is this?"},
                     {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]  # fmt: skip
        with pytest.raises(
            rai.RedactionFailed, match=r"messages\[0\]\.content\[1\] holds image_url"
        ):
            rai.Redactor().redact_messages(messages)
        passed = rai.Redactor(PiiSettings(non_text="pass")).redact_messages(messages)
        assert passed.messages[0]["content"][1]["type"] == "image_url"

    def test_bytes_and_unknown_parts_refused(self) -> None:
        with pytest.raises(rai.RedactionFailed):
            rai.Redactor().redact_messages([{"role": "user", "content": b"raw"}])
        with pytest.raises(rai.RedactionFailed, match="unknown part type"):
            rai.Redactor().redact_messages([{"role": "user", "content": [{"type": "hologram"}]}])


class TestFailClosed:
    def test_detector_error_blocks(self) -> None:
        """A detector that raises blocks the text; the error names it, never the text."""

        class Broken:
            name = "broken-ner"

            def detect(self, text: str) -> list[rai.Finding]:
                raise RuntimeError(f"model crashed on {text}")

        with pytest.raises(rai.RedactionFailed) as info:
            rai.Redactor(detectors=[Broken()]).redact("secret client Jane Roe")
        assert info.value.detector == "broken-ner" and "Jane" not in str(info.value)
        assert (
            info.value.__cause__ is None and info.value.__context__ is None
        )  # no text rides along

    def test_not_a_detector(self) -> None:
        with pytest.raises(rai.ConfigurationError):
            rai.Redactor(detectors=[object()])  # type: ignore[list-item]


class TestDisguisesFound:
    def test_lone_surrogates_and_joined_groups(self) -> None:
        """A lone surrogate inside a value is dropped in the view (it is no character),
        like a zero-width one; a card whose groups it joined is still a card."""
        r = rai.Redactor()
        for text in ("card 4111\ud8001111 1111 1111", "card 4111\u200b1111 1111 1111",
                     "mail john\ud800.doe@example.com"):  # fmt: skip
            out = r.redact(text).text
            assert "1111 1111" not in out and "doe@" not in out, repr(text)

    def test_case_folded_gates(self) -> None:
        """Rules that match any case are gated in any case ("BEarer", "PassWord=")."""
        r = rai.Redactor()
        assert (
            r.redact("auth BEarer abcdefghijklmnopqrstuvwxyz123").text
            == "auth BEarer <BEARER_TOKEN_1>"
        )
        assert r.redact("PassWord=hunter22x").text == "PassWord=<PASSWORD_1>"
