"""The official openai and anthropic SDKs governed through `rai.http_client()`, talking to
real HTTP servers on 127.0.0.1. The main run uses the current majors (openai >= 3,
anthropic >= 2, on httpx2); a second run (scripts/test, RAI_SDK_BACKEND=httpx) uses the
previous, httpx-based majors."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer, stand_in_answer

from .conftest import base_policy

pytestmark = pytest.mark.http

JANE = rai.ClientRecord(name="Jane Roe", emails=["jane@roe.example"])
BACKEND = os.environ.get("RAI_SDK_BACKEND", "httpx2")  # what the installed SDK majors take
CANARY = "Zyx Canarius"


def _backoffs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The SDK's retry back-offs on this thread (it sleeps with `time.sleep` before each
    retry): a count, not a wall-clock bound a loaded machine could break."""
    import threading

    here, real, slept = threading.get_ident(), time.sleep, []

    def sleep(seconds: float) -> None:
        if threading.get_ident() == here:
            slept.append(seconds)
        real(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    return slept


@pytest.fixture
def policy(server: FakeModelServer) -> rai.Policy:
    data = base_policy(server.base_url)
    data["pii"] = {"restore_tools": ["crm"]}  # restore may write client values into "crm" only
    return rai.Policy.from_dict(data)


@pytest.fixture
def oai(policy: rai.Policy, server: FakeModelServer) -> Iterator[openai.OpenAI]:
    http = rai.http_client(
        backend=BACKEND, policy=policy, use_case="marketing.copy", subject=JANE, restore=True
    )
    with openai.OpenAI(
        base_url=server.base_url, api_key="sk-test", http_client=http, max_retries=2
    ) as c:
        yield c


@pytest.fixture
def ant(policy: rai.Policy, server: FakeModelServer) -> Iterator[anthropic.Anthropic]:
    http = rai.http_client(
        backend=BACKEND, policy=policy, use_case="marketing.copy", subject=JANE, restore=True
    )
    base = server.base_url.removesuffix("/v1")
    with anthropic.Anthropic(
        base_url=base, api_key="ak-test", http_client=http, max_retries=2
    ) as c:
        yield c


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


class TestOpenAI:
    def test_allowed_redacted_restored_stamped(
        self, oai: openai.OpenAI, server: FakeModelServer
    ) -> None:
        prompt = "Write to Jane Roe at jane@roe.example"
        completion = oai.chat.completions.create(model="gpt-4o-mini", messages=ask(prompt))  # type: ignore[arg-type]
        assert completion.choices[0].message.content == stand_in_answer(prompt)
        sent = server.requests[0]
        assert sent.body["messages"][0]["content"] == "Write to <PERSON_1> at <EMAIL_ADDRESS_1>"
        stamp = rai.provenance_of(completion)
        assert stamp is not None and stamp.redactions == {"PERSON": 1, "EMAIL_ADDRESS": 1}
        check = rai.verify(completion.choices[0].message.content, stamp, allow_unsigned=True)
        assert check.provenance_id == stamp.id and check.checks == ("schema", "output_hash")

    def test_refusal_not_retried(
        self, oai: openai.OpenAI, server: FakeModelServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A refusal raises the library's own error, directly, at once, with no retry."""
        backoff = _backoffs(monkeypatch)
        with pytest.raises(rai.UseCaseBlocked) as info:
            oai.chat.completions.create(model="gpt-4o-mini", messages=ask("x"),  # type: ignore[arg-type]
                                        extra_headers={"X-RAI-Use-Case": "surveillance"})  # fmt: skip
        assert backoff == []  # the SDK never slept to retry
        assert isinstance(info.value, openai.OpenAIError)  # and the SDK's base error
        assert server.requests == []
        with pytest.raises(rai.PolicyViolation):  # gpt-5 is not in the allow-list
            oai.chat.completions.create(model="gpt-5", messages=ask("x"))  # type: ignore[arg-type]
        assert server.requests == []

    def test_use_case_context_and_header_stripped(
        self, policy: rai.Policy, server: FakeModelServer
    ) -> None:
        with openai.OpenAI(
            base_url=server.base_url,
            api_key="sk",
            http_client=rai.http_client(backend=BACKEND, policy=policy),
        ) as c:
            with pytest.raises(rai.UseCaseBlocked):  # no use case: the policy's default (deny)
                c.chat.completions.create(model="gpt-4o-mini", messages=ask("x"))  # type: ignore[arg-type]
            with rai.use_case("engineering"):
                c.chat.completions.create(model="gpt-4o-mini", messages=ask("x"))  # type: ignore[arg-type]
            c.chat.completions.create(model="gpt-4o-mini", messages=ask("x"),  # type: ignore[arg-type]
                                      extra_headers={"X-RAI-Use-Case": "marketing.copy"})  # fmt: skip
        assert len(server.requests) == 2
        assert all("x-rai-use-case" not in r.headers for r in server.requests)

    def test_stream_with_split_placeholders(
        self, oai: openai.OpenAI, server: FakeModelServer
    ) -> None:
        server.chunk_size = 3
        prompt = "Stream to Jane Roe at jane@roe.example"
        stream = oai.chat.completions.create(model="gpt-4o-mini", messages=ask(prompt), stream=True)  # type: ignore[arg-type]
        pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
        assert "".join(pieces) == stand_in_answer(prompt)
        assert "Jane" not in server.requests[0].text

    def test_tool_call_arguments_restored(
        self, oai: openai.OpenAI, server: FakeModelServer
    ) -> None:
        tools = [
            {"type": "function", "function": {"name": "crm", "parameters": {"type": "object"}}}
        ]
        c = oai.chat.completions.create(
            model="gpt-4o-mini", messages=ask("Find jane@roe.example"), tools=tools
        )  # type: ignore[arg-type]
        args = json.loads(c.choices[0].message.tool_calls[0].function.arguments)  # type: ignore[index, union-attr]
        assert args == {"query": "Find jane@roe.example"}
        assert "jane@roe" not in server.requests[0].text

    def test_raw_and_streaming_response(self, oai: openai.OpenAI) -> None:
        raw = oai.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=ask("hi"))  # type: ignore[arg-type]
        stamp = rai.Provenance.from_header(raw.headers["ai-provenance"])
        assert stamp.use_case == "marketing.copy"
        with oai.chat.completions.with_streaming_response.create(
            model="gpt-4o-mini", messages=ask("hi")
        ) as r:  # type: ignore[arg-type]
            assert json.loads(r.read())["choices"][0]["message"]["content"] == stand_in_answer("hi")

    def test_sdk_retries_still_work(self, oai: openai.OpenAI, server: FakeModelServer) -> None:
        server.fail_next(503, retry_after=0)
        c = oai.chat.completions.create(model="gpt-4o-mini", messages=ask("hi"))  # type: ignore[arg-type]
        assert c.choices[0].message.content == stand_in_answer("hi")
        assert len(server.requests) == 2

    def test_non_inference_endpoint_refused(
        self, oai: openai.OpenAI, server: FakeModelServer
    ) -> None:
        """models.list(), a doubled /v1: their own error, naming the path and what the
        policy allows (it was a "redaction failure")."""
        with pytest.raises(rai.EndpointNotGoverned, match="not an inference endpoint") as info:
            oai.models.list()
        message = str(info.value)
        assert "/v1/models on openai-prod" in message
        assert "/v1/chat/completions" in message and "/v1/responses" in message
        assert info.value.provider == "openai-prod"
        doubled = openai.OpenAI(
            base_url=server.base_url + "/v1", api_key="sk", max_retries=0,
            http_client=oai._client,
        )  # fmt: skip
        with pytest.raises(rai.EndpointNotGoverned, match="/v1/v1/chat/completions on"):
            doubled.chat.completions.create(model="gpt-4o-mini", messages=ask("hi"))  # type: ignore[arg-type]
        # a path can carry data: only API words are shown, an id or a name is "…"
        with pytest.raises(rai.EndpointNotGoverned) as info:
            oai.files.retrieve("Jane-Roe-4111111111111111")
        assert "/v1/files/… on openai-prod" in str(info.value)
        assert "Jane" not in str(info.value) and "4111" not in str(info.value)
        assert server.requests == []

    def test_responses_api(self, oai: openai.OpenAI, server: FakeModelServer) -> None:
        """Responses bodies are read, redacted and restored, streamed or not."""
        prompt = f"Summarise for {JANE.name}"
        r = oai.responses.create(model="gpt-4o-mini", input=prompt, instructions="Be brief")
        assert server.requests[0].body["input"] == "Summarise for <PERSON_1>"
        assert r.output_text == stand_in_answer(prompt) and rai.provenance_of(r) is not None
        server.chunk_size = 3
        stream = oai.responses.create(model="gpt-4o-mini", input=prompt, stream=True)
        events = list(stream)
        deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        done = next(e for e in events if e.type == "response.output_text.done")
        assert deltas == done.text == stand_in_answer(prompt)
        assert "Jane" not in server.requests[1].text

    async def test_async(self, policy: rai.Policy, server: FakeModelServer) -> None:
        http = rai.async_http_client(
            backend=BACKEND, policy=policy, use_case="marketing.copy", subject=JANE, restore=True
        )
        async with openai.AsyncOpenAI(
            base_url=server.base_url, api_key="sk", http_client=http
        ) as c:
            done = await c.chat.completions.create(model="gpt-4o-mini", messages=ask("to Jane Roe"))  # type: ignore[arg-type]
            stream = await c.chat.completions.create(
                model="gpt-4o-mini", messages=ask("to Jane Roe"), stream=True
            )  # type: ignore[arg-type]
            text = "".join([ch.choices[0].delta.content or "" async for ch in stream if ch.choices])
            with pytest.raises(rai.UseCaseBlocked):
                await c.chat.completions.create(model="gpt-4o-mini", messages=ask("x"),  # type: ignore[arg-type]
                                                extra_headers={"X-RAI-Use-Case": "legal.contract"})  # fmt: skip
        assert done.choices[0].message.content == text == stand_in_answer("to Jane Roe")
        assert len(server.requests) == 2 and "Jane" not in server.requests[1].text


class TestAnthropic:
    def test_allowed_redacted_restored(
        self, ant: anthropic.Anthropic, server: FakeModelServer
    ) -> None:
        msg = ant.messages.create(model="claude-haiku-4-5", max_tokens=64, system=f"You help {JANE.name}.",
                                  messages=[{"role": "user", "content": "mail jane@roe.example"}])  # fmt: skip
        assert msg.content[0].text == stand_in_answer("mail jane@roe.example")  # type: ignore[union-attr]
        sent = server.requests[0]
        assert sent.path == "/v1/messages" and sent.body["system"] == "You help <PERSON_1>."
        assert sent.body["messages"][0]["content"] == "mail <EMAIL_ADDRESS_1>"
        assert rai.provenance_of(msg) is not None

    def test_refusal_not_retried(
        self, ant: anthropic.Anthropic, server: FakeModelServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        backoff = _backoffs(monkeypatch)
        with pytest.raises(rai.UseCaseBlocked) as info:
            ant.messages.create(model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user", "content": "x"}],
                                extra_headers={"X-RAI-Use-Case": "surveillance"})  # fmt: skip
        assert backoff == [] and isinstance(info.value, anthropic.AnthropicError)
        assert server.requests == []

    def test_stream(self, ant: anthropic.Anthropic, server: FakeModelServer) -> None:
        server.chunk_size = 4
        prompt = f"Write to {JANE.name}"
        with ant.messages.stream(
            model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user", "content": prompt}]
        ) as s:
            text = "".join(s.text_stream)
        assert text == stand_in_answer(prompt) and "Jane" not in server.requests[0].text

    async def test_async(self, policy: rai.Policy, server: FakeModelServer) -> None:
        http = rai.async_http_client(
            backend=BACKEND, policy=policy, use_case="marketing.copy", subject=JANE, restore=True
        )
        base = server.base_url.removesuffix("/v1")
        async with anthropic.AsyncAnthropic(base_url=base, api_key="ak", http_client=http) as c:
            msg = await c.messages.create(model="claude-haiku-4-5", max_tokens=64,
                                          messages=[{"role": "user", "content": "to Jane Roe"}])  # fmt: skip
        assert msg.content[0].text == stand_in_answer("to Jane Roe")  # type: ignore[union-attr]
        assert "Jane" not in server.requests[0].text


def test_canary_never_reaches_the_server(policy: rai.Policy, server: FakeModelServer) -> None:
    record = rai.ClientRecord(name=CANARY, emails=["zyx@canary.example"])
    http = rai.http_client(
        backend=BACKEND, policy=policy, use_case="marketing.copy", subject=record
    )
    with openai.OpenAI(base_url=server.base_url, api_key="sk", http_client=http) as c:
        c.chat.completions.create(model="gpt-4o-mini", messages=[  # type: ignore[arg-type]
            {"role": "system", "content": f"Client: {CANARY}"},
            {"role": "user", "content": "Mail zyx@canary.example"},
        ])  # fmt: skip
    assert CANARY not in server.requests[0].text and "canary.example" not in server.requests[0].text


class TestToolsAndUpstreamCapture:
    def test_tool_definitions_redacted(self, oai: openai.OpenAI, server: FakeModelServer) -> None:
        tools = [{"type": "function", "function": {
            "name": "notify", "description": "Send the note to jane@roe.example",
            "parameters": {"type": "object", "properties": {"to": {"type": "string", "description": "Jane Roe's address"}}}}}]  # fmt: skip
        oai.chat.completions.create(model="gpt-4o-mini", messages=ask("go"), tools=tools)  # type: ignore[arg-type]
        sent = server.requests[0].body["tools"][0]["function"]
        assert sent["description"] == "Send the note to <EMAIL_ADDRESS_1>"
        assert sent["parameters"]["properties"]["to"]["description"] == "<PERSON_1>'s address"
        assert sent["name"] == "notify"

    def test_upstream_capture_warns_or_refuses(
        self, server: FakeModelServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Content capture above the transport sees unredacted prompts: warn (at the
        caller's line), or refuse; the setting alone, with no instrumentor loaded to read
        it, records nothing and says nothing."""
        import sys
        import types
        import warnings

        monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
        data = base_policy(server.base_url)
        for name in (
            "opentelemetry.instrumentation.openai_v2",
            "openinference.instrumentation.openai",
        ):
            monkeypatch.delitem(sys.modules, name, raising=False)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            rai.http_client(backend=BACKEND, policy=rai.Policy.from_dict(data)).close()
        # "refuse" refuses on the setting alone: an instrumentor imported later captures too
        refusing = {**data, "pii": {"upstream_capture": "refuse"}}
        with pytest.raises(rai.ConfigurationError, match="upstream_capture is 'refuse'"):
            rai.http_client(backend=BACKEND, policy=rai.Policy.from_dict(refusing))
        instrumentor = types.ModuleType("opentelemetry.instrumentation.openai_v2")
        monkeypatch.setitem(sys.modules, "opentelemetry.instrumentation.openai_v2", instrumentor)
        with pytest.warns(RuntimeWarning, match="may record prompts before they are redacted") as w:
            rai.http_client(backend=BACKEND, policy=rai.Policy.from_dict(data)).close()
        assert w[0].filename == __file__
        data["pii"] = {"upstream_capture": "refuse"}
        with pytest.raises(rai.ConfigurationError, match="upstream_capture is 'refuse'"):
            rai.http_client(backend=BACKEND, policy=rai.Policy.from_dict(data))
        monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT")
        monkeypatch.setenv("ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE", "content")
        with pytest.raises(
            rai.ConfigurationError, match="ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE"
        ):
            rai.http_client(backend=BACKEND, policy=rai.Policy.from_dict(data))
        monkeypatch.setenv("ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE", "metadata")
        rai.http_client(backend=BACKEND, policy=rai.Policy.from_dict(data)).close()

    def test_no_canary_in_any_span_when_capture_is_off(self, policy: rai.Policy, server: FakeModelServer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
        from responsible_ai.testing import CapturedTelemetry

        monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
        otel = CapturedTelemetry()
        guard = rai.Guard(policy, telemetry=otel.telemetry)
        http = rai.http_client(
            backend=BACKEND,
            policy=guard,
            use_case="marketing.copy",
            subject=rai.ClientRecord(name=CANARY),
        )
        tracer = otel.tracer_provider.get_tracer("sdk")
        with (
            openai.OpenAI(base_url=server.base_url, api_key="sk", http_client=http) as c,
            tracer.start_as_current_span("chat gpt-4o-mini (SDK span)") as outer,
        ):
            c.chat.completions.create(model="gpt-4o-mini", messages=ask(f"About {CANARY}"))  # type: ignore[arg-type]
        spans = otel.spans()
        ours = next(s for s in spans if s.attributes.get("rai.decision"))
        assert ours.parent.span_id == outer.get_span_context().span_id  # nests under the SDK's span
        assert CANARY not in json.dumps([dict(s.attributes or {}) for s in spans])


def test_stream_closed_early_ends_its_span(policy: rai.Policy, server: FakeModelServer) -> None:
    from responsible_ai.testing import CapturedTelemetry

    otel = CapturedTelemetry()
    http = rai.http_client(
        backend=BACKEND,
        policy=rai.Guard(policy, telemetry=otel.telemetry),
        use_case="marketing.copy",
    )
    server.chunk_size = 2
    with openai.OpenAI(base_url=server.base_url, api_key="sk", http_client=http) as c:
        stream = c.chat.completions.create(
            model="gpt-4o-mini", messages=ask("a long enough prompt"), stream=True
        )  # type: ignore[arg-type]
        next(iter(stream))
        stream.close()
    [span] = otel.spans()
    assert span.attributes["error.type"] == "StreamClosed"


class TestStreamedOutputPolicy:
    @pytest.fixture
    def masked_policy(self, server: FakeModelServer) -> rai.Policy:
        data = base_policy(server.base_url)
        data["pii"] = {"output": "mask"}
        return rai.Policy.from_dict(data)

    def test_openai_stream_masks_model_pii(
        self, masked_policy: rai.Policy, server: FakeModelServer
    ) -> None:
        """PII the model writes is masked in the stream itself (bounded look-behind), and
        the held-back tail arrives before the finish chunk."""
        server.chunk_size = 5
        words = "word " * 80
        server.reply_next(f"{words}Card 4111 1111 1111 1111 here. {words}end.")
        http = rai.http_client(backend=BACKEND, policy=masked_policy, use_case="marketing.copy")
        with openai.OpenAI(base_url=server.base_url, api_key="sk", http_client=http) as c:
            stream = c.chat.completions.create(model="gpt-4o-mini", messages=ask("go"), stream=True)  # type: ignore[arg-type]
            text = "".join(ch.choices[0].delta.content or "" for ch in stream if ch.choices)
        assert "4111" not in text and "*******************" in text
        assert text.endswith("end.") and len(text) == len(
            f"{words}Card 4111 1111 1111 1111 here. {words}end."
        )

    def test_anthropic_stream_blocks_model_pii(self, server: FakeModelServer) -> None:
        data = base_policy(server.base_url)
        data["pii"] = {"output": "block"}
        server.chunk_size = 4
        server.reply_next("His SSN is 536-22-1234, as you asked.")
        http = rai.http_client(
            backend=BACKEND, policy=rai.Policy.from_dict(data), use_case="marketing.copy"
        )
        base = server.base_url.removesuffix("/v1")
        with (
            anthropic.Anthropic(base_url=base, api_key="ak", http_client=http) as c,
            pytest.raises(rai.PIIBlocked),
            c.messages.stream(
                model="claude-haiku-4-5",
                max_tokens=64,
                messages=[{"role": "user", "content": "go"}],
            ) as s,
        ):
            "".join(s.text_stream)


def test_nests_under_anthropics_own_span_and_no_canary(
    policy: rai.Policy, server: FakeModelServer
) -> None:
    """anthropic >= 2 emits its own GenAI span above the transport; ours nests under it, and
    with its content mode off no client value reaches either span."""
    from responsible_ai.testing import CapturedTelemetry

    if BACKEND != "httpx2":
        pytest.skip("the previous anthropic major has no spans of its own")
    otel = CapturedTelemetry()
    http = rai.http_client(backend=BACKEND, policy=rai.Guard(policy, telemetry=otel.telemetry),
                           use_case="marketing.copy", subject=rai.ClientRecord(name=CANARY))  # fmt: skip
    base = server.base_url.removesuffix("/v1")
    options: Any = {"tracer_provider": otel.tracer_provider, "traces": True}
    with anthropic.Anthropic(
        base_url=base, api_key="ak", http_client=http, open_telemetry=options
    ) as c:
        c.messages.create(
            model="claude-haiku-4-5",
            max_tokens=32,
            messages=[{"role": "user", "content": f"About {CANARY}"}],
        )
    spans = otel.spans()
    ours = next(s for s in spans if s.attributes.get("rai.decision"))
    theirs = [s for s in spans if s is not ours]
    assert theirs and ours.parent is not None
    assert ours.parent.span_id in {s.context.span_id for s in theirs}
    assert CANARY not in json.dumps([dict(s.attributes or {}) for s in spans])


def test_sdk_timeouts_apply(oai: openai.OpenAI, server: FakeModelServer) -> None:
    """The SDK's own time-out reaches the network through the governed transport."""
    server.fail_next(None, delay=1.0)
    with pytest.raises(openai.APITimeoutError):
        oai.with_options(timeout=0.2, max_retries=0).chat.completions.create(
            model="gpt-4o-mini", messages=ask("hi")
        )  # type: ignore[arg-type]


class TestStandInSpeaksWhatTheHelpersRead:
    """The stand-in server's Responses streams carry `output_item.added` and the other
    events the SDK's helpers need, Responses function calls, and Anthropic `tool_use`:
    through the governed transport, as a service's own tests would use them."""

    def test_responses_stream_helper(self, oai: openai.OpenAI, server: FakeModelServer) -> None:
        prompt = f"Summarise for {JANE.name}"
        with oai.responses.stream(model="gpt-4o-mini", input=prompt) as stream:
            text = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
            final = stream.get_final_response()
        assert text == final.output_text == stand_in_answer(prompt)
        assert server.requests[0].body["input"] == "Summarise for <PERSON_1>"

    def test_responses_function_call(self, oai: openai.OpenAI, server: FakeModelServer) -> None:
        tools: Any = [{"type": "function", "name": "lookup", "description": "Find a client",
                       "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}}]  # fmt: skip
        r = oai.responses.create(model="gpt-4o-mini", input="find the ACME file", tools=tools)
        (call,) = [o for o in r.output if o.type == "function_call"]
        assert call.name == "lookup" and json.loads(call.arguments) == {
            "query": "find the ACME file"
        }
        with oai.responses.stream(model="gpt-4o-mini", input="find it", tools=tools) as stream:
            final = stream.get_final_response()
        assert [o.type for o in final.output] == ["function_call"]

    def test_anthropic_tool_use(self, ant: Any) -> None:
        client = ant
        tools: Any = [{"name": "lookup", "description": "Find a client",
                       "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}]  # fmt: skip
        msg = client.messages.create(model="claude-haiku-4-5", max_tokens=100, tools=tools,
                                     messages=[{"role": "user", "content": "find it"}])  # fmt: skip
        (use,) = [b for b in msg.content if b.type == "tool_use"]
        assert msg.stop_reason == "tool_use" and use.name == "lookup"
        assert use.input == {"query": "find it"}
        with client.messages.stream(model="claude-haiku-4-5", max_tokens=100, tools=tools,
                                    messages=[{"role": "user", "content": "find it"}]) as stream:  # fmt: skip
            final = stream.get_final_message()
        assert [b.type for b in final.content] == ["tool_use"]
