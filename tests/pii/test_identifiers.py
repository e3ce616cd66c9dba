"""Identifiers in every spelling, numbers beside numbers, dates that are never phone
numbers, and JSON wherever it stands (issue #23). Each class is a rule; these are
examples of it, each asserting that no digit of the value leaves."""

from __future__ import annotations

import json
import time

import pytest

import responsible_ai as rai
from responsible_ai._pii import BuiltinDetector

R = rai.Redactor()


def leaves(text: str, value: str) -> bool:
    """Whether any 4-character piece of `value`'s characters survives redaction."""
    out = R.redact(text).text
    core = "".join(c for c in value if c.isalnum())
    kept = "".join(c for c in out if c.isalnum())
    return any(core[i : i + 4] in kept for i in range(len(core) - 3))


class TestNumbersBesideNumbers:
    @pytest.mark.parametrize(
        ("text", "values"),
        [
            ("Card 2: 4111111111111111", ["4111111111111111"]),
            ("SSN 1: 234-56-7890", ["234-56-7890"]),
            ("Server 1: 10.20.30.40", ["10.20.30.40"]),
            ("cards 4111111111111111 5555555555554444", ["4111111111111111", "5555555555554444"]),
            ("SSNs 234-56-7890 345-67-8901", ["234-56-7890", "345-67-8901"]),
            ("call 020 7946 0958 020 7946 0959", ["79460958", "79460959"]),
            ("hosts 10.1.2.3 10.1.2.4", ["10.1.2.3", "10.1.2.4"]),
            ("route 10.0.0.0/8 via 192.168.1.1", ["10.0.0.0/8", "192.168.1.1"]),
            ("IPv4: 192.168.1.1", ["192.168.1.1"]),
            ("1. 4111 1111 1111 1111 2. 5555 5555 5555 4444", ["41111111", "55554444"]),
            ("card 4012 8888 8888 1881 0", ["4012888888881881"]),
            ("row 3 | 17 | 4111-1111-1111-1111 | 2026", ["4111111111111111"]),
        ],
    )
    def test_each_value_is_redacted(self, text: str, values: list[str]) -> None:
        """A value beside another number is redacted whole."""
        for value in values:
            assert not leaves(text, value), (text, R.redact(text).text)

    @pytest.mark.parametrize(
        "address",
        ["::ffff:192.168.1.1", "64:ff9b::198.51.100.1", "2001:db8::10.0.0.1",
         "0:0:0:0:0:FFFF:129.144.52.38", "fe80::1%eth0", "2001:db8::/32"],
    )  # fmt: skip
    def test_ipv6_with_an_embedded_ipv4_is_one_address(self, address: str) -> None:
        """An IPv6 address (embedded IPv4, zone, prefix) is one finding, redacted whole."""
        red = R.redact(f"from {address} today")
        assert red.text == "from <IP_ADDRESS_1> today"


class TestOtherSpellings:
    @pytest.mark.parametrize(
        "card",
        ["4111.1111.1111.1111", "4111  1111  1111  1111", "4111/1111/1111/1111",
         "4111\n1111\n1111\n1111", "4111-1111-1111-1111", "4111_1111_1111_1111",
         "41 11 11 11 11 11 11 11", "4111 - 1111 - 1111 - 1111"],
    )  # fmt: skip
    def test_cards_through_any_separator(self, card: str) -> None:
        """A Luhn-valid card is read through any separator."""
        assert not leaves(f"pay with {card} please", card)

    def test_card_glued_to_a_word(self) -> None:
        """A card glued to a word is still a card."""
        assert not leaves("card4111111111111111", "4111111111111111")
        assert not leaves("4111111111111111abc", "4111111111111111")

    @pytest.mark.parametrize(
        "iban",
        ["gb82 west 1234 5698 7654 32", "Gb82West12345698765432", "GB82.WEST.1234.5698.7654.32",
         "GB82-WEST-1234-5698-7654-32", "GB82  WEST  1234  5698  7654  32", "IBANGB82WEST12345698765432",
         "GB82 WEST\n1234 5698\n7654 32"],
    )  # fmt: skip
    def test_iban_any_case_any_separator(self, iban: str) -> None:
        """An IBAN (mod 97) is read in any case and through any separator."""
        assert not leaves(f"refund to {iban} today", iban.removeprefix("IBAN"))

    @pytest.mark.parametrize("ssn", ["234-56-7890", "234.56.7890", "234 56 7890", "234  56  7890"])
    def test_ssn_common_separators(self, ssn: str) -> None:
        """An SSN is read through the common separators."""
        assert not leaves(f"SSN {ssn}", ssn)

    @pytest.mark.parametrize("phone", ["020.7946.0958", "020 7946 0958", "(020) 7946-0958",
                                       "06.12.34.56.78", "+44 20 7946 0958"])  # fmt: skip
    def test_phone_common_separators(self, phone: str) -> None:
        """A phone number is read through the common separators."""
        assert not leaves(f"phone {phone}", phone)

    @pytest.mark.parametrize(
        ("text", "value"),
        [("mail jane @ roe.example now", "jane"), ("mail jane@ roe.example", "jane"),
         ('mail "jane doe"@roe.example', "jane doe"), ("jane.doe @ gmail.com", "jane.doe")],
    )  # fmt: skip
    def test_email_spaced_or_quoted(self, text: str, value: str) -> None:
        """An e-mail with spaces around its @ or a quoted local part is one address."""
        out = R.redact(text).text
        assert "EMAIL_ADDRESS" in out and value not in out

    def test_spaced_at_is_not_every_at(self) -> None:
        """ "me @ team.lead" (no known top-level domain) is no address."""
        assert R.redact("ping me @ team.lead").text == "ping me @ team.lead"


class TestDatesAreNeverPhones:
    @pytest.mark.parametrize(
        "text",
        ["at 2000-04-16 11:34:35", "2000-04-16T11:34:35Z", "2000-04-16T11:34:35.123+02:00",
         "16/04/2000", "04.16.2000 11:34", "20000416", "20000416T113435Z", "11:34:35.123",
         "2000/04/16 11:34", "16-04-2000 11:34:35", "Apr 16 2000 11:34:35", "16.04.2000, 11:34 pm",
         "2026-03-04 09:15:00,123 INFO started", "[16/Apr/2000:11:34:35 +0000]",
         "licence number 94215671", "Driver licence: 123-456-7890", "passport 0123456789"],
    )  # fmt: skip
    def test_no_phone_card_or_ssn(self, text: str) -> None:
        """Dates, times and licence numbers hold no phone number, card or SSN."""
        kinds = {f.entity_type for f in R.scan(text)}
        assert not kinds & {"PHONE_NUMBER", "CREDIT_CARD", "US_SSN"}, (text, kinds)

    def test_a_date_of_birth_is_still_one(self) -> None:
        """A birth date beside a birth-date word is still redacted."""
        assert R.redact("born 16/04/2000").text == "born <DATE_OF_BIRTH_1>"


RECORD = {"first_name": "Grace", "last_name": "Hopper", "city": "Arlington",
          "employer": "Navy", "ssn": 234567890, "note": "fine"}  # fmt: skip


class TestJsonWhereverItStands:
    def _leaked(self, sent: str) -> list[str]:
        values = ["Grace", "Hopper", "Arlington", "Navy", "234567890"]
        return [v for v in values if v in sent]

    def test_tool_results_of_every_format(self) -> None:
        """A record returned as a tool result is walked as JSON: key hints, numbers."""
        crm = json.dumps(RECORD)
        openai_tool = [{"role": "tool", "tool_call_id": "c1", "content": crm}]
        anthropic_tool = [{"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": crm}]}]  # fmt: skip
        for messages in (openai_tool, anthropic_tool):
            sent = json.dumps(R.redact_messages(messages).messages)
            assert not self._leaked(sent), sent
        from responsible_ai._providers._responses import RESPONSES_BODY

        body = {"model": "gpt-4o-mini", "input": [
            {"type": "function_call_output", "call_id": "c1", "output": crm}]}  # fmt: skip
        sent = json.dumps(R.redact_document(body, RESPONSES_BODY).document)
        assert not self._leaked(sent), sent

    def test_ssn_as_a_json_number_in_arguments(self) -> None:
        """An SSN given as a JSON number in tool-call arguments does not leave."""
        messages = [{"role": "assistant", "content": None, "tool_calls": [{
            "id": "c1", "type": "function",
            "function": {"name": "crm", "arguments": json.dumps({"ssn": 234567890, "id": 7})}}]}]  # fmt: skip
        sent = json.dumps(R.redact_messages(messages).messages)
        assert "234567890" not in sent and '\\"id\\":7' in sent

    def test_pasted_json_in_a_message(self) -> None:
        """A record pasted into a message, whole or inside prose, gives its keys as hints."""
        whole = [{"role": "user", "content": json.dumps(RECORD, indent=2)}]
        prose = [{"role": "user", "content": f"Here it is: {json.dumps(RECORD)} thanks"}]
        for messages in (whole, prose):
            sent = json.dumps(R.redact_messages(messages).messages)
            assert not self._leaked(sent), sent

    def test_clean_json_text_is_left_as_it_was(self) -> None:
        """JSON text with nothing to redact leaves byte for byte as it came."""
        text = '{"status":  "ok", "count": 3}'
        out = R.redact_messages([{"role": "tool", "tool_call_id": "x", "content": text}])
        assert out.messages[0]["content"] == text


class TestLinear:
    @pytest.mark.parametrize(
        "text",
        ["1 " * 100_000, "4 " * 100_000, "02 " * 66_000, "de89 " * 40_000, "4111 " * 40_000,
         "2000-04-16 11:34:35 " * 10_000, "a@" * 100_000, "0:" * 100_000],
    )  # fmt: skip
    def test_hostile_numbers_are_bounded(self, text: str) -> None:
        """Inputs built against the number and address readers stay linear (200 KB)."""
        detector = BuiltinDetector()
        t0 = time.thread_time()
        list(detector.detect(text))
        assert time.thread_time() - t0 < 2.0

    @pytest.mark.parametrize("text", ["[" * 100_000, '{"a":' * 40_000, '"first_name": "' * 20_000])
    def test_hostile_json_is_bounded(self, text: str) -> None:
        """Text built against the JSON readers (deep, unclosed, many pairs) stays linear."""
        t0 = time.thread_time()
        rai.Redactor().redact_messages([{"role": "tool", "tool_call_id": "x", "content": text}])
        assert time.thread_time() - t0 < 2.0
