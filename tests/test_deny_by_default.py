"""Deny by default: every field of what leaves is content unless its wire format lists it as
structure, and structure must look like structure. Each test is an attack that got
through before (found by probing the redesign as an adversary)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import openai
import pytest

import responsible_ai as rai
from responsible_ai._http import backend as backend_module
from responsible_ai.testing import FakeModelServer

from .conftest import base_policy, wire

pytestmark = pytest.mark.http

BACKEND = os.environ.get("RAI_SDK_BACKEND", "httpx2")
MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}
EMAIL = "zed.canary@canary.example"
CARD = "4012 8888 8888 1881"
NAME = "Zyx Canarius"
SUBJECT = rai.ClientRecord(name=NAME)


def assert_clean(server: FakeModelServer) -> None:
    seen = wire(server)
    for canary in (EMAIL, CARD, "4012888888881881", "4012-8888", "Canarius"):
        assert canary not in seen, canary


@pytest.fixture
def guard(server: FakeModelServer) -> Iterator[rai.Guard]:
    data = base_policy(server.base_url)
    data["pii"] = {"restore_tools": ["lookup"]}
    with rai.Guard(rai.Policy.from_dict(data)) as g:
        yield g


@pytest.fixture
def sdk(guard: rai.Guard, server: FakeModelServer) -> Iterator[openai.OpenAI]:
    http = rai.http_client(guard, backend=BACKEND, use_case="marketing.copy", subject=SUBJECT)
    with openai.OpenAI(
        base_url=server.base_url, api_key="sk-test", http_client=http, max_retries=0
    ) as c:
        yield c


class TestStructureMustLookLikeStructure:
    @pytest.mark.parametrize(
        "model",
        ["gpt-4.1-4012-8888-8888-1881", "gpt-4.1 zed.canary@canary.example", "gpt-4.1-canarius"],
    )
    def test_model_suffix_under_a_glob_refused(
        self, guard: rai.Guard, server: FakeModelServer, model: str
    ) -> None:
        """A glob on the allow-list (gpt-4.1*) cannot carry a value as a model suffix."""
        with pytest.raises(rai.RedactionFailed):
            guard.chat("hi", **{**MK, "model": model}, subject=SUBJECT)
        assert server.requests == []

    def test_dated_model_names_pass(self, guard: rai.Guard, server: FakeModelServer) -> None:
        """Real model names (dates included) are not mistaken for phone numbers."""
        guard.chat("hi", **{**MK, "model": "gpt-4.1-2025-04-14"})
        assert json.loads(server.requests[0].raw)["model"] == "gpt-4.1-2025-04-14"

    def test_names_and_enum_fields_are_scanned(
        self, guard: rai.Guard, server: FakeModelServer
    ) -> None:
        """Tool names, schema names and enum-valued parameters are scanned like content."""
        tools = [{"type": "function", "function": {"name": "card:4012-8888-8888-1881"}}]
        guard.chat(
            f"about {NAME}", tools=tools, service_tier="Canarius", reasoning_effort=CARD,
            response_format={"type": "json_schema", "json_schema": {"name": "Canarius", "schema": {}}},
            subject=SUBJECT, **MK,
        )  # fmt: skip
        assert_clean(server)

    def test_structure_on_the_sdk_path(self, sdk: openai.OpenAI, server: FakeModelServer) -> None:
        """The same through the SDK transport: names, ids, user, metadata, stop."""
        sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi", "name": "Canarius"}],
            tools=[{"type": "function", "function": {"name": "lookup", "description": EMAIL,
                    "parameters": {"type": "object", "properties": {EMAIL: {"enum": [CARD]}}}}}],
            user=EMAIL, metadata={EMAIL: CARD}, stop=[NAME],
        )  # fmt: skip
        assert_clean(server)


class TestNumbersAndJson:
    @pytest.mark.parametrize(
        "params", [{"seed": 4012888888881881.0}, {"top_k": 4012888888881881}, {"seed": 4.012e15}]
    )
    def test_numbers_of_any_form_are_refused(
        self, guard: rai.Guard, server: FakeModelServer, params: dict[str, Any]
    ) -> None:
        """A card number as a structural integer, float or in scientific notation is
        refused (a parameter cannot carry a placeholder)."""
        with pytest.raises(rai.RedactionFailed):
            guard.chat("hi", **params, **MK)
        assert server.requests == []

    def test_duplicate_keys_in_tool_arguments(
        self, guard: rai.Guard, server: FakeModelServer
    ) -> None:
        """What was scanned is what leaves: a key given twice cannot hide its first value."""
        history = [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
             "function": {"name": "lookup", "arguments": f'{{"q": "{EMAIL}", "q": "x"}}'}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "ok"},
        ]  # fmt: skip
        guard.chat(history, **MK)
        assert_clean(server)

    def test_deep_nesting_refused(self, guard: rai.Guard, server: FakeModelServer) -> None:
        """A parameter nested hundreds deep is refused as the library's error, not a crash."""
        deep: Any = "x"
        for _ in range(600):
            deep = [deep]
        with pytest.raises(rai.RedactionFailed):
            guard.chat("hi", metadata=deep, **MK)
        assert server.requests == []


class TestRequestBeyondTheBody:
    def test_query_and_headers_are_content(
        self, sdk: openai.OpenAI, server: FakeModelServer
    ) -> None:
        """The SDK transport redacts query parameters and non-protocol headers too."""
        sdk.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
            extra_query={"e": EMAIL}, extra_headers={"x-card": CARD},
        )  # fmt: skip
        assert_clean(server)
        assert server.requests[0].headers.get("x-card", "").startswith("<CREDIT_CARD_")


class TestMediaParts:
    def test_non_text_pass_still_scans_what_is_text(self, server: FakeModelServer) -> None:
        """With pii.non_text = "pass" the media passes; its URL, caption and text do not."""
        data = base_policy(server.base_url)
        data["pii"] = {"non_text": "pass"}
        image = "data:image/png;base64," + "iVBORw0KGgo" * 40
        with rai.Guard(rai.Policy.from_dict(data)) as guard:
            guard.chat([{"role": "user", "content": [
                {"type": "text", "text": "see"},
                {"type": "image_url", "image_url": {"url": f"https://img.example/?e={EMAIL}"},
                 "alt": CARD},
                {"type": "image_url", "image_url": {"url": image}},
            ]}], **MK)  # fmt: skip
        assert_clean(server)
        assert image in server.requests[0].raw.decode()


class TestRestoreIntoJson:
    def test_restored_values_are_escaped_for_json(self, server: FakeModelServer) -> None:
        """A restored value with quotes or backslashes can neither break the tool call's
        JSON nor add keys to it."""
        data = base_policy(server.base_url)
        data["pii"] = {"restore_tools": ["lookup"]}
        tricky = rai.ClientRecord(name="Zed Q", fields={"address": '1 "Canary" Road\\'})
        tools = [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]
        with rai.Guard(rai.Policy.from_dict(data)) as guard:
            resp = guard.chat('addr 1 "Canary" Road\\ end', tools=tools, subject=tricky,
                              restore=True, **MK)  # fmt: skip
        args = json.loads(resp.tool_calls[0].arguments)
        assert args == {"query": 'addr 1 "Canary" Road\\ end'}


class TestProviderErrorsCarryNoContent:
    @staticmethod
    def _chain(exc: BaseException | None) -> str:
        seen = []
        while exc is not None and len(seen) < 20:
            seen.append(f"{exc!r} {exc!s} {getattr(exc, 'doc', '')}")
            exc = exc.__cause__ or exc.__context__
        return "\n".join(seen)

    def test_a_broken_answer_leaves_no_body_in_the_error(self) -> None:
        """A provider body that is not JSON (and echoes the prompt) reaches the caller as
        the library's error, with no part of the body in it or in its context chain."""
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Broken(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                payload = f"<html>echo {EMAIL} {{broken".encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        srv = ThreadingHTTPServer(("127.0.0.1", 0), Broken)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{srv.server_address[1]}/v1"
        try:
            with (
                rai.Guard(rai.Policy.from_dict(base_policy(base))) as guard,
                pytest.raises(rai.ProviderResponseError) as info,
            ):
                guard.chat("hi", **MK)
            assert EMAIL not in self._chain(info.value)
            http = rai.http_client(rai.Policy.from_dict(base_policy(base)), backend=BACKEND,
                                   use_case="marketing.copy")  # fmt: skip
            with (
                openai.OpenAI(base_url=base, api_key="sk", http_client=http, max_retries=0) as c,
                pytest.raises(rai.ProviderResponseError) as sdk_info,
            ):
                c.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
                )
            assert EMAIL not in self._chain(sdk_info.value)
        finally:
            srv.shutdown()
            srv.server_close()


class TestFoundInReview:
    def test_a_dropped_character_cannot_glue_a_number_to_a_word(
        self, guard: rai.Guard, server: FakeModelServer
    ) -> None:
        """A zero-width character between a word and a card cannot hide the card (the
        original text is scanned as well as the normalised view)."""
        guard.chat(f"a\u200b{CARD} and x\u2060{CARD}", **MK)
        assert_clean(server)

    def test_several_choices_refused(self, guard: rai.Guard, server: FakeModelServer) -> None:
        """n > 1 is refused: every choice would need its own screening and stamp."""
        with pytest.raises(rai.RedactionFailed):
            guard.chat("hi", n=2, **MK)
        assert server.requests == []

    def test_a_non_ascii_header_is_redacted_not_a_crash(
        self, guard: rai.Guard, server: FakeModelServer
    ) -> None:
        """A content header that is not ASCII leaves as the library rebuilt it, or the
        call is refused as the library's error: never a raw encoding crash."""
        http = rai.http_client(guard, backend=BACKEND, use_case="marketing.copy")
        request = http.build_request(
            "POST", f"{server.base_url}/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
            headers={"x-note": "caf\u00e9".encode("latin-1")},
        )  # fmt: skip
        try:
            http.send(request)
        except rai.ResponsibleAIError:
            pass
        finally:
            http.close()

    def test_streamed_tool_arguments_get_the_output_policy(self) -> None:
        """With pii.output = "mask", PII the model writes into a streamed tool call's
        arguments is masked as it streams, as in a JSON answer."""
        http = backend_module()
        args = json.dumps({"to": EMAIL, "card": CARD})

        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            return "data: " + json.dumps({"id": "c", "object": "chat.completion.chunk",
                "created": 0, "model": "gpt-4o-mini",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}) + "\n\n"  # fmt: skip

        def handler(request: Any) -> Any:
            events = [
                chunk({"role": "assistant", "tool_calls": [{"index": 0, "id": "t",
                       "type": "function", "function": {"name": "send", "arguments": args}}]}),
                chunk({}, "tool_calls"), "data: [DONE]\n\n",
            ]  # fmt: skip
            return http.Response(
                200, headers={"content-type": "text/event-stream"}, content="".join(events)
            )

        data = base_policy("http://127.0.0.1:9/v1")
        data["pii"] = {"output": "mask"}
        client = rai.http_client(
            rai.Policy.from_dict(data), backend=BACKEND, use_case="engineering",
            inner=http.MockTransport(handler),
        )  # fmt: skip
        with openai.OpenAI(
            base_url="http://127.0.0.1:9/v1", api_key="sk", http_client=client, max_retries=0
        ) as c:
            got = "".join(
                tc.function.arguments or ""
                for ch in c.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
                )
                for choice in ch.choices
                for tc in choice.delta.tool_calls or ()
                if tc.function is not None
            )
        assert EMAIL not in got and "8888" not in got and json.loads(got).keys() == {"to", "card"}


def test_a_refusal_never_names_a_key_that_holds_pii() -> None:
    """Keys of content are content: an error's path names them as they would be sent."""
    from responsible_ai._pii import Redactor
    from responsible_ai._shapes import CONTENT

    deep: object = "x"
    for _ in range(70):
        deep = [deep]
    with pytest.raises(rai.RedactionFailed) as info:
        Redactor().redact_document({"jane.roe@mail.example": deep}, CONTENT)
    assert "jane.roe" not in str(info.value) and "EMAIL_ADDRESS" in str(info.value)
