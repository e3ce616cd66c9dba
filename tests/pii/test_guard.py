"""PII in governed calls over real HTTP: nothing leaves unredacted; answers restored,
scanned, masked or refused per policy; streams restore split placeholders."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer, stand_in_answer

from ..conftest import base_policy, without_opaque

pytestmark = pytest.mark.http

MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}
JANE = rai.ClientRecord(name="Jane Roe", emails=["jane@roe.example"], phones=["+44 20 7946 0958"])


def make(server: FakeModelServer, **pii: Any) -> rai.Policy:
    data = base_policy(server.base_url)
    if pii:
        data["pii"] = pii
    return rai.Policy.from_dict(data)


@pytest.fixture
def guard_for(server: FakeModelServer) -> Iterator[Callable[..., rai.Guard]]:
    made: list[rai.Guard] = []

    def build(**pii: Any) -> rai.Guard:
        g = rai.Guard(make(server, **pii), sleep=lambda s: None)
        made.append(g)
        return g

    yield build
    for g in made:
        g.close()


class TestPrompt:
    def test_every_message_redacted_before_sending(
        self, guard_for: Callable[..., rai.Guard], server: FakeModelServer
    ) -> None:
        """What the server receives holds placeholders, not the client's data."""
        guard = guard_for()
        messages = [
            {"role": "system", "content": "You write to Jane Roe."},
            {
                "role": "user",
                "content": "Her card is 4111 1111 1111 1111, mail jane@roe.example, SSN 536-22-1234.",
            },
        ]
        resp = guard.chat(messages, subject=JANE, **MK)
        sent = server.requests[0].text
        for value in ("Jane", "Roe", "4111", "jane@roe", "536-22"):
            assert value not in sent
        assert "<PERSON_1>" in sent and "<CREDIT_CARD_1>" in sent
        assert resp.redactions == {"PERSON": 1, "CREDIT_CARD": 1, "EMAIL_ADDRESS": 1, "US_SSN": 1}

    def test_restore_on_request(self, guard_for: Callable[..., rai.Guard]) -> None:
        """Placeholders stay in the answer unless the call asks for restore."""
        guard = guard_for()
        prompt = "Write to Jane Roe at jane@roe.example"
        plain = guard.chat(prompt, subject=JANE, **MK)
        assert "<PERSON_1>" in plain.text and not plain.restored
        restored = guard.chat(prompt, subject=JANE, restore=True, **MK)
        assert restored.text == stand_in_answer(prompt) and restored.restored

    def test_restore_by_policy_and_use_case(self, guard_for: Callable[..., rai.Guard]) -> None:
        """The policy's restore holds for every call, and a call may turn it off."""
        guard = guard_for(restore=True)
        assert guard.chat("to jane@roe.example", **MK).restored
        assert not guard.chat("to jane@roe.example", restore=False, **MK).restored

    def test_use_case_operators(self, server: FakeModelServer) -> None:
        """Per use case: marketing masks cards, client support blocks SSNs."""
        data = base_policy(server.base_url)
        data["use_cases"]["rules"]["marketing.copy"]["pii"] = {"operators": {"CREDIT_CARD": "mask"}}
        data["use_cases"]["rules"]["client.support"]["pii"] = {"operators": {"US_SSN": "block"}}
        audit: list[rai.Decision] = []
        with rai.Guard(rai.Policy.from_dict(data), on_decision=audit.append) as guard:
            guard.chat("card 4111 1111 1111 1111", **MK)
            assert "*******************" in server.requests[0].text
            consent = rai.Consent(subject="c-1", scope="client.support")
            with pytest.raises(rai.PIIBlocked) as info:
                guard.chat("SSN 536-22-1234", use_case="client.support", provider="openai-prod",
                           model="gpt-4o-mini", consent=consent)  # fmt: skip
        assert info.value.rule == 'use_cases.rules["client.support"].pii.operators'
        assert info.value.use_case == "client.support"
        assert len(server.requests) == 1  # the blocked call sent nothing
        assert audit[-1].outcome == "blocked"

    def test_tool_arguments_redacted_and_restored(
        self, guard_for: Callable[..., rai.Guard], server: FakeModelServer
    ) -> None:
        """Tool-call arguments in history are redacted; the model's call of a tool the policy
        names in ``restore_tools`` is restored for local use."""
        guard = guard_for(restore_tools=["crm_lookup"])
        tools = [
            {
                "type": "function",
                "function": {"name": "crm_lookup", "parameters": {"type": "object"}},
            }
        ]
        messages = [
            {"role": "user", "content": "Look up jane@roe.example"},
        ]
        resp = guard.chat(messages, tools=tools, restore=True, **MK)
        assert "jane@roe" not in server.requests[0].text
        args = json.loads(resp.tool_calls[0].arguments)
        assert args == {"query": "Look up jane@roe.example"}  # restored locally for the tool
        history = [
            *messages,
            {"role": "assistant", "content": None, "tool_calls": [{"id": resp.tool_calls[0].id, "type": "function",
             "function": {"name": "crm_lookup", "arguments": resp.tool_calls[0].arguments}}]},
            {"role": "tool", "tool_call_id": resp.tool_calls[0].id, "content": "Jane Roe, +44 20 7946 0958"},
        ]  # fmt: skip
        guard.chat(history, subject=JANE, **MK)
        assert not any(v in server.requests[1].text for v in ("jane@roe", "Jane", "7946"))

    def test_no_restore_into_tools_by_default(
        self, guard_for: Callable[..., rai.Guard], server: FakeModelServer
    ) -> None:
        """Restore writes client values into no tool call unless the policy names the tool."""
        tools = [{"type": "function", "function": {"name": "send_email", "parameters": {}}}]
        for guard in (guard_for(), guard_for(restore_tools=["crm_lookup"])):
            resp = guard.chat("Look up jane@roe.example", tools=tools, restore=True, **MK)
            assert json.loads(resp.tool_calls[0].arguments) == {
                "query": "Look up <EMAIL_ADDRESS_1>"
            }

    def test_forged_placeholder_never_restored_to_a_value(
        self, guard_for: Callable[..., rai.Guard], server: FakeModelServer
    ) -> None:
        """Text that looks like a placeholder is neutralised: restore gives the literal
        text back, never the client value that shares the token."""
        resp = guard_for().chat(
            "Reply to jane@roe.example and forward to <EMAIL_ADDRESS_1>", restore=True, **MK
        )
        sent = server.requests[0].text
        assert "<EMAIL_ADDRESS_1>" in sent and "<PLACEHOLDER_1>" in sent
        assert resp.text.count("jane@roe.example") == 1
        assert "forward to <EMAIL_ADDRESS_1>" in resp.text
        assert resp.redactions == {"EMAIL_ADDRESS": 1, "PLACEHOLDER": 1}

    def test_disguised_values_redacted(
        self, guard_for: Callable[..., rai.Guard], server: FakeModelServer
    ) -> None:
        """Zero-width characters, no-break spaces, fullwidth digits, other scripts' digits
        and common escapes do not hide a value: detection runs on a normalised view, the
        original is redacted."""
        disguised = [
            "jane\u200b@roe.example",
            "card 4012\u00a08888\u00a08888\u00a01881",
            "card \uff14\uff10\uff11\uff12 8888 8888 1881",
            "card 4012 \u0668\u0668\u0668\u0668 \u096e\u096e\u096e\u096e 1881",  # Arabic, Devanagari
            "jane%40roe.example",
            "jane&#64;roe.example",
            "jane&commat;roe&period;example",
            "jane\\u0040roe.example",
        ]
        guard = guard_for()
        for i, text in enumerate(disguised):
            resp = guard.chat(f"write to {text} today", restore=True, **MK)
            sent = server.requests[i].text
            assert "roe" not in sent and "8888" not in sent and "\uff18" not in sent, text
            assert "\u0668" not in sent and "\u096e" not in sent, text
            assert text in resp.text  # restored as the caller wrote it

    def test_failing_detector_sends_nothing(self, server: FakeModelServer) -> None:
        """A detector that fails refuses the call: nothing reaches the provider."""

        class Broken:
            name = "ner"

            def detect(self, text: str) -> list[rai.Finding]:
                raise MemoryError

        audit: list[rai.Decision] = []
        with rai.Guard(make(server), detectors=[Broken()], on_decision=audit.append) as guard:
            with pytest.raises(rai.RedactionFailed):
                guard.chat("hello Jane", **MK)
            with pytest.raises(rai.RedactionFailed):
                guard.stream("hello Jane", **MK)
        assert server.requests == []
        assert [d.rule for d in audit] == ["pii.fail_closed", "pii.fail_closed"]

    def test_image_refused_or_passed(
        self, guard_for: Callable[..., rai.Guard], server: FakeModelServer
    ) -> None:
        """An image part is refused by default and sent under non_text = pass."""
        image = [{"role": "user", "content": [{"type": "text", "text": "what is it?"},
                  {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]  # fmt: skip
        with pytest.raises(rai.RedactionFailed):
            guard_for().chat(image, **MK)
        assert server.requests == []
        guard_for(non_text="pass").chat(image, **MK)
        assert len(server.requests) == 1

    def test_disabled(self, guard_for: Callable[..., rai.Guard], server: FakeModelServer) -> None:
        """With PII redaction off, the prompt leaves as it was written."""
        guard_for(enabled=False).chat("jane@roe.example", **MK)
        assert "jane@roe.example" in server.requests[0].text


class TestAnswer:
    def test_model_pii_reported(
        self, guard_for: Callable[..., rai.Guard], server: FakeModelServer
    ) -> None:
        """PII the model produces on its own is reported (positions, never values)."""
        server.reply_next("Contact bob@elsewhere.example for details.")
        resp = guard_for().chat("who handles it?", **MK)
        assert resp.text == "Contact bob@elsewhere.example for details."
        assert [f.entity_type for f in resp.output_findings] == ["EMAIL_ADDRESS"]

    def test_model_pii_masked(
        self, guard_for: Callable[..., rai.Guard], server: FakeModelServer
    ) -> None:
        """PII the model writes on its own is masked under output = mask."""
        server.reply_next("Contact bob@elsewhere.example for details.")
        resp = guard_for(output="mask").chat("who?", **MK)
        assert resp.text == "Contact ********************* for details."

    def test_model_pii_refused(
        self, guard_for: Callable[..., rai.Guard], server: FakeModelServer
    ) -> None:
        """PII the model writes on its own is refused under output = block, never quoted."""
        server.reply_next("His SSN is 536-22-1234.")
        with pytest.raises(rai.PIIBlocked) as info:
            guard_for(output="block").chat("who?", **MK)
        assert info.value.rule == "pii.output" and "536" not in str(info.value)


class TestStreams:
    def test_placeholders_split_across_chunks_restored(self, server: FakeModelServer) -> None:
        """With 3-character chunks every placeholder is split; the restored stream is exact."""
        server.chunk_size = 3
        with rai.Guard(make(server)) as guard:
            prompt = "Write to Jane Roe (jane@roe.example, +44 20 7946 0958)"
            stream = guard.stream(prompt, subject=JANE, restore=True, **MK)
            pieces = [c.text for c in stream]
        assert "".join(pieces) == stand_in_answer(prompt) == stream.response.text
        assert len(pieces) > 10  # still streamed, not buffered whole
        assert "Jane" not in server.requests[0].text

    async def test_async_stream_restored(self, server: FakeModelServer) -> None:
        """An async stream in two-character chunks is restored whole."""
        server.chunk_size = 2
        async with rai.Guard(make(server)) as guard:
            prompt = "Write to Jane Roe"
            stream = guard.astream(prompt, subject=JANE, restore=True, **MK)
            assert "".join([c.text async for c in stream]) == stand_in_answer(prompt)

    def test_stream_output_masked_with_bounded_lookbehind(self, server: FakeModelServer) -> None:
        """Masking holds back at most a window of text; PII split over chunks is masked."""
        server.chunk_size = 4
        long = "word " * 120
        server.reply_next(f"{long}Card 4111 1111 1111 1111 here. {long}")
        with rai.Guard(make(server, output="mask")) as guard:
            stream = guard.stream("go", **MK)
            first_at = None
            pieces = []
            for i, c in enumerate(stream):
                pieces.append(c.text)
                if first_at is None and c.text:
                    first_at = i
        text = "".join(pieces)
        assert "4111" not in text and "*******************" in text
        assert first_at is not None and first_at < 150  # emitted long before the stream's end
        assert [f.entity_type for f in stream.response.output_findings] == ["CREDIT_CARD"]

    def test_stream_output_blocked(self, server: FakeModelServer) -> None:
        """A stream whose answer holds blocked PII raises PIIBlocked."""
        server.reply_next("His SSN is 536-22-1234.")
        with rai.Guard(make(server, output="block")) as guard, pytest.raises(rai.PIIBlocked):
            guard.stream("go", **MK).text()


class TestGoverned:
    def test_subject_and_one_session_per_invocation(
        self, policy: rai.Policy, server: FakeModelServer
    ) -> None:
        """A governed function's calls share one session: placeholders stay stable."""
        guard = rai.Guard(policy)

        @rai.governed(guard=guard, subject=JANE, restore=True, **MK)
        def two_calls() -> tuple[str, str]:
            a = rai.client().complete("Hello Jane Roe")
            b = rai.client().complete("Bob Ray and Jane Roe")
            return a, b

        a, b = two_calls()
        assert a == stand_in_answer("Hello Jane Roe") and b == stand_in_answer(
            "Bob Ray and Jane Roe"
        )
        assert "<PERSON_1>" in server.requests[0].text and "<PERSON_1>" in server.requests[1].text
        guard.close()


class TestNER:
    def test_presidio_adapter_with_a_spacy_pipeline(self, server: FakeModelServer) -> None:
        """presidio-analyzer with a spaCy pipeline built here (no download) finds names."""
        spacy = pytest.importorskip("spacy")
        from responsible_ai.presidio import PresidioAnalyzerDetector

        nlp = spacy.blank("en")
        ruler = nlp.add_pipe("entity_ruler")
        ruler.add_patterns([
            {"label": "PERSON", "pattern": [{"LOWER": "maria"}, {"LOWER": "gonzalez"}]},
            {"label": "GPE", "pattern": "Springfield"},
        ])  # fmt: skip
        ner = PresidioAnalyzerDetector.from_spacy(nlp)
        with rai.Guard(make(server), detectors=[ner]) as guard:
            resp = guard.chat("Maria Gonzalez moved to Springfield.", restore=True, **MK)
        assert (
            server.requests[0].body["messages"][0]["content"] == "<PERSON_1> moved to <LOCATION_1>."
        )
        assert resp.text == stand_in_answer("Maria Gonzalez moved to Springfield.")


class TestCanary:
    def test_canaries_only_in_local_restore(
        self, server: FakeModelServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Canary PII in prompts, tool arguments and known records appears nowhere but the
        local restore: not in what the server received, errors, logs, spans (content
        capture on), metrics, audit events or provenance stamps."""
        from responsible_ai.testing import CapturedTelemetry

        caplog.set_level(logging.DEBUG)
        otel = CapturedTelemetry(capture_content=True)
        trail: list[str] = []
        canaries = {
            "name": "Zyxwvut Canarius", "email": "zyx.canary@canary-domain.example",
            "card": "4012 8888 8888 1881", "ssn": "536-22-9876", "account": "CANARY-ACCT-77",
            "key": "sk-proj-CANARYcanaryCANARYcanary1234",
        }  # fmt: skip
        record = rai.ClientRecord(
            name=canaries["name"], emails=[canaries["email"]], account_numbers=[canaries["account"]]
        )
        audit: list[rai.Decision] = []
        errors: list[str] = []
        data = base_policy(server.base_url)
        data["use_cases"]["rules"]["client.support"]["pii"] = {"operators": {"US_SSN": "block"}}
        with rai.Guard(
            rai.Policy.from_dict(data), on_decision=audit.append, sleep=lambda s: None,
            telemetry=otel.telemetry, audit=rai.AuditTrail(trail.append),
            signer=rai.HmacSigner(b"c" * 32, "canary"),
        ) as guard:  # fmt: skip
            prompt = (f"Client {canaries['name']} ({canaries['email']}), card {canaries['card']}, "
                      f"SSN {canaries['ssn']}, account {canaries['account']}, key {canaries['key']}")  # fmt: skip
            tools = [
                {"type": "function", "function": {"name": "crm", "parameters": {"type": "object"}}}
            ]
            history = [
                {"role": "user", "content": prompt},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
                 "function": {"name": "crm", "arguments": json.dumps({"who": canaries["name"], "card": canaries["card"]})}}]},
                {"role": "tool", "tool_call_id": "c1", "content": f"found {canaries['account']}"},
                {"role": "user", "content": "Summarise."},
            ]  # fmt: skip
            restored = guard.chat(prompt, subject=record, restore=True, **MK)
            guard.chat(history, subject=record, tools=tools, **MK)
            stream = guard.stream(prompt, subject=record, restore=True, **MK)
            streamed = stream.text()
            for kw in ({"use_case": "client.support", "consent": rai.Consent(subject="c-9", scope="client")},
                       {"use_case": "hr.performance_review"}, {"model": "gpt-5"}):  # fmt: skip
                try:
                    guard.chat(prompt, subject=record, **{**MK, **kw})  # type: ignore[arg-type]
                except rai.ResponsibleAIError as exc:
                    errors.append(f"{exc!s} {exc!r} {getattr(exc, '__dict__', {})}")
            server.fail_next(500, times=3)
            try:
                guard.chat(prompt, subject=record, **MK)
            except rai.ResponsibleAIError as exc:
                errors.append(f"{exc!s} {exc!r}")
        assert len(errors) == 4
        assert len(otel.spans()) == 7 and len(trail) >= 7  # every call observed and audited
        assert any("gen_ai.input.messages" in (sp.attributes or {}) for sp in otel.spans())
        outside = without_opaque("\n".join([
            *(r.text + json.dumps(r.headers) for r in server.requests),
            *errors, caplog.text, *(repr(d) + json.dumps(d.as_dict()) for d in audit),
            repr(restored.output_findings), repr(restored.redactions), repr(restored.decision),
            restored.provenance.to_json() if restored.provenance else "",
            stream.provenance.to_json() if stream.provenance else "",
            *trail, *(json.dumps(dict(sp.attributes or {})) + sp.name for sp in otel.spans()),
            repr(otel.metrics()),
            repr(stream.response.output_findings), repr(record),
        ]))  # fmt: skip
        for label, canary in canaries.items():
            where = outside.find(canary)
            assert where == -1, (label, outside[max(0, where - 300) : where + 50])
            first = canary.split()[0]  # "4012" alone could be part of a timing in the metrics
            assert (first if not first[0].isdigit() else canary.replace(" ", "")) not in outside, (
                label
            )
        # ... while the local restore gives the caller their own text back
        assert canaries["name"] in restored.text and canaries["card"] in streamed


def test_text_that_is_not_unicode_is_refused(server: FakeModelServer) -> None:
    """A lone surrogate cannot be sent as UTF-8: refused as unreadable (it was a bare
    UnicodeEncodeError whose .object held the body), nothing sent."""
    with rai.Guard(make(server)) as guard, pytest.raises(rai.RedactionFailed) as info:
        guard.chat("hello \ud800 jane@roe.example", **MK)
    assert "not valid Unicode" in str(info.value) and info.value.__context__ is None
    assert server.requests == []
