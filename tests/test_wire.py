"""Wire formats, checked with respx against realistic bodies of both APIs (httpx)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

import responsible_ai as rai
from responsible_ai._sse import SSEDecoder

from .conftest import base_policy

pytestmark = pytest.mark.http

BASE = "https://api.example.test/v1"
MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}
AN = {"use_case": "marketing.copy", "provider": "anthropic-prod", "model": "claude-haiku-4-5"}

OPENAI_COMPLETION = {
    "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", "object": "chat.completion", "created": 1741569952,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! How can I assist you today?",
                 "refusal": None, "annotations": []}, "logprobs": None, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29,
              "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
              "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}},
    "service_tier": "default", "system_fingerprint": "fp_06737a9306",
}  # fmt: skip

OPENAI_TOOL_CALL = {
    "id": "chatcmpl-abc", "object": "chat.completion", "created": 1741570283, "model": "gpt-4o-mini-2024-07-18",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_DdmO9pD3xa9XTPNJ32zg2hcA", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris, France\"}"}}],
        "refusal": None}, "logprobs": None, "finish_reason": "tool_calls"}],
    "usage": {"prompt_tokens": 66, "completion_tokens": 15, "total_tokens": 81},
}  # fmt: skip


def openai_stream() -> bytes:
    base = {"id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1694268190,
            "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_44709d6fcb"}  # fmt: skip
    chunks = [
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {"role": "assistant", "content": ""},
                    "logprobs": None,
                    "finish_reason": None,
                }
            ],
        }
    ]
    chunks += [{**base, "choices": [{"index": 0, "delta": {"content": t}, "logprobs": None, "finish_reason": None}]}
               for t in ["Hello", "!", " How", " can", " I", " help", "?"]]  # fmt: skip
    chunks.append(
        {**base, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}]}
    )
    chunks.append(
        {
            **base,
            "choices": [],
            "usage": {"prompt_tokens": 9, "completion_tokens": 7, "total_tokens": 16},
        }
    )
    return b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"


ANTHROPIC_MESSAGE = {
    "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
    "model": "claude-haiku-4-5-20251001", "content": [{"type": "text", "text": "Hello!"}],
    "stop_reason": "end_turn", "stop_sequence": None,
    "usage": {"input_tokens": 12, "output_tokens": 6, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
}  # fmt: skip

ANTHROPIC_STREAM = b"""event: message_start
data: {"type":"message_start","message":{"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","type":"message","role":"assistant","content":[],"model":"claude-haiku-4-5-20251001","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"!"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\":"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \\"Paris\\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":15}}

event: message_stop
data: {"type":"message_stop"}

"""


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[rai.Guard]:
    monkeypatch.setenv("RAI_WIRE_OPENAI", "sk-wire")
    monkeypatch.setenv("RAI_WIRE_ANTHROPIC", "ak-wire")
    data = base_policy(BASE)
    data["providers"][0]["api_key_env"] = "RAI_WIRE_OPENAI"
    data["providers"][1]["api_key_env"] = "RAI_WIRE_ANTHROPIC"
    policy = rai.Policy.from_dict(data)
    with httpx.Client() as client, rai.Guard(policy, http_client=client, sleep=lambda s: None) as g:
        yield g


class TestOpenAIWire:
    @respx.mock
    def test_completion(self, guard: rai.Guard) -> None:
        route = respx.post(f"{BASE}/chat/completions").mock(
            return_value=httpx.Response(200, json=OPENAI_COMPLETION)
        )
        resp = guard.chat([{"role": "user", "content": "Hi"}], temperature=0, **MK)
        assert resp.text == "Hello! How can I assist you today?"
        assert (resp.model, resp.id, resp.finish_reason) == (
            "gpt-4o-mini-2024-07-18",
            OPENAI_COMPLETION["id"],
            "stop",
        )
        assert (resp.usage.input_tokens, resp.usage.output_tokens) == (19, 10)
        request = route.calls.last.request
        assert request.headers["authorization"] == "Bearer sk-wire"
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "Hi"}],
            "temperature": 0,
        }

    @respx.mock
    def test_reserved_params_refused(self, guard: rai.Guard) -> None:
        """`stream` and `system` are no extra parameters: refused with what to use instead
        (they were dropped in silence, so chat(stream=True) was a non-streamed call)."""
        route = respx.post(f"{BASE}/chat/completions").mock(
            return_value=httpx.Response(200, json=OPENAI_COMPLETION)
        )
        with pytest.raises(TypeError, match=r"guard\.stream"):
            guard.chat("Hi", stream=True, **MK)
        with pytest.raises(TypeError, match="system prompt"):
            guard.chat("Hi", system="x", **MK)
        assert not route.called

    @respx.mock
    def test_tool_call(self, guard: rai.Guard) -> None:
        respx.post(f"{BASE}/chat/completions").mock(
            return_value=httpx.Response(200, json=OPENAI_TOOL_CALL)
        )
        resp = guard.chat("Weather in Paris?", **MK)
        assert resp.text == "" and resp.finish_reason == "tool_calls"
        assert resp.tool_calls == (
            rai.ToolCall(
                "call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather", '{"location":"Paris, France"}'
            ),
        )

    @respx.mock
    def test_stream(self, guard: rai.Guard) -> None:
        route = respx.post(f"{BASE}/chat/completions").mock(
            return_value=httpx.Response(
                200, content=openai_stream(), headers={"content-type": "text/event-stream"}
            )
        )
        stream = guard.stream("Hi", **MK)
        assert [c.text for c in stream] == ["Hello", "!", " How", " can", " I", " help", "?"]
        assert stream.response.text == "Hello! How can I help?"
        assert (stream.response.usage.input_tokens, stream.response.usage.output_tokens) == (9, 7)
        assert stream.response.model == "gpt-4o-mini-2024-07-18"
        body = json.loads(route.calls.last.request.content)
        assert body["stream"] is True and body["stream_options"] == {"include_usage": True}

    @respx.mock
    def test_not_the_wire_format(self, guard: rai.Guard) -> None:
        """A body that is not the provider's wire format is an error, not an empty answer."""
        respx.post(f"{BASE}/chat/completions").mock(
            side_effect=[
                httpx.Response(200, json={"result": "?"}),
                httpx.Response(200, content=b"<html>"),
            ]
        )
        with pytest.raises(rai.ProviderResponseError, match=r"choices\[0\]"):
            guard.chat("Hi", **MK)
        with pytest.raises(rai.ProviderResponseError, match="not JSON"):
            guard.chat("Hi", **MK)

    @respx.mock
    def test_error_body_type_only(self, guard: rai.Guard) -> None:
        """Error statuses report the provider's error type, never its message (it may echo input)."""
        body = {"error": {"message": "Your prompt 'SECRET-PROMPT' is too long", "type": "invalid_request_error",
                          "param": None, "code": "context_length_exceeded"}}  # fmt: skip
        respx.post(f"{BASE}/chat/completions").mock(return_value=httpx.Response(400, json=body))
        with pytest.raises(rai.ProviderHTTPError) as info:
            guard.chat("Hi", **MK)
        assert info.value.error_type == "invalid_request_error"
        assert "SECRET-PROMPT" not in str(info.value)

    @respx.mock
    def test_retry_after_ms(self, guard: rai.Guard) -> None:
        sleeps: list[float] = []
        guard.sync_sender().sleep = sleeps.append
        respx.post(f"{BASE}/chat/completions").mock(side_effect=[
            httpx.Response(429, headers={"retry-after-ms": "250"}, json={"error": {"type": "rate_limit_exceeded"}}),
            httpx.Response(503, headers={"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}),
            httpx.Response(200, json=OPENAI_COMPLETION),
        ])  # fmt: skip
        guard.chat("Hi", **MK)
        assert sleeps == [0.25, 0.0]  # a date in the past means "now"


class TestAnthropicWire:
    @respx.mock
    def test_message(self, guard: rai.Guard) -> None:
        route = respx.post(f"{BASE}/messages").mock(
            return_value=httpx.Response(200, json=ANTHROPIC_MESSAGE)
        )
        resp = guard.chat(
            [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
            max_tokens=64,
            **AN,
        )
        assert (resp.text, resp.finish_reason, resp.model) == (
            "Hello!",
            "end_turn",
            "claude-haiku-4-5-20251001",
        )
        assert (resp.usage.input_tokens, resp.usage.output_tokens) == (12, 6)
        request = route.calls.last.request
        assert request.headers["x-api-key"] == "ak-wire"
        assert "authorization" not in request.headers
        assert json.loads(request.content) == {
            "model": "claude-haiku-4-5", "system": "Be brief.", "max_tokens": 64,
            "messages": [{"role": "user", "content": "Hi"}],
        }  # fmt: skip

    @respx.mock
    def test_tool_use_block(self, guard: rai.Guard) -> None:
        body = {**ANTHROPIC_MESSAGE, "stop_reason": "tool_use", "content": [
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "toolu_01A", "name": "get_weather", "input": {"location": "Paris"}}]}  # fmt: skip
        respx.post(f"{BASE}/messages").mock(return_value=httpx.Response(200, json=body))
        resp = guard.chat("Weather?", **AN)
        assert resp.text == "Checking."
        assert resp.tool_calls == (
            rai.ToolCall("toolu_01A", "get_weather", '{"location":"Paris"}'),
        )

    @respx.mock
    def test_stream_with_tool_use(self, guard: rai.Guard) -> None:
        respx.post(f"{BASE}/messages").mock(
            return_value=httpx.Response(
                200, content=ANTHROPIC_STREAM, headers={"content-type": "text/event-stream"}
            )
        )
        stream = guard.stream("Hi", **AN)
        assert [c.text for c in stream] == ["Hello", "!"]
        r = stream.response
        assert (r.text, r.finish_reason, r.usage.input_tokens, r.usage.output_tokens) == (
            "Hello!",
            "tool_use",
            25,
            15,
        )
        assert r.tool_calls == (
            rai.ToolCall("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather", '{"location": "Paris"}'),
        )

    @respx.mock
    def test_stream_error_event(self, guard: rai.Guard) -> None:
        body = b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
        respx.post(f"{BASE}/messages").mock(return_value=httpx.Response(200, content=body))
        with pytest.raises(rai.ProviderResponseError, match="overloaded_error"):
            guard.stream("Hi", **AN).text()


class _Trickle(httpx.SyncByteStream):
    def __init__(self, data: bytes, sizes: Iterator[int]) -> None:
        self.data, self.sizes = data, sizes

    def __iter__(self) -> Iterator[bytes]:
        i = 0
        while i < len(self.data):
            n = next(self.sizes)
            yield self.data[i : i + n]
            i += n


class TestStreamsOverMockTransport:
    def guard_with(self, handler: Any) -> rai.Guard:
        policy = rai.Policy.from_dict(base_policy(BASE))
        return rai.Guard(policy, http_client=httpx.Client(transport=httpx.MockTransport(handler)))

    def test_chunks_split_anywhere(self) -> None:
        """SSE split at arbitrary byte boundaries (even inside UTF-8) parses the same."""
        data = openai_stream().replace(b"Hello", "Hell\u00f6 \u2713".encode())
        rng = random.Random(7)

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, stream=_Trickle(data, iter(lambda: rng.randint(1, 7), None)))

        with self.guard_with(handler) as guard:
            assert guard.stream("Hi", **MK).text() == "Hell\u00f6 \u2713! How can I help?"

    def test_interrupted_stream_is_not_complete(self) -> None:
        """A stream cut before its final event raises; no complete response is made."""
        data = openai_stream()
        cut = data[: data.index(b'"finish_reason": "stop"') - 200]

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, stream=_Trickle(cut, iter(lambda: 50, None)))

        with self.guard_with(handler) as guard:
            stream = guard.stream("Hi", **MK)
            with pytest.raises(rai.ProviderUnavailable, match="before its final event"):
                stream.text()
            with pytest.raises(rai.ConfigurationError):
                _ = stream.response


class TestSSEDecoder:
    def test_line_endings_and_fields(self) -> None:
        d = SSEDecoder()
        raw = b": comment\r\nevent: a\r\ndata: 1\r\ndata: 2\r\nid: x\r\n\r\ndata:3\r\rdata: 4\n\n"
        events = list(d.feed(raw)) + list(d.flush())
        assert [(e.event, e.data, e.id) for e in events] == [
            ("a", "1\n2", "x"),
            ("message", "3", "x"),
            ("message", "4", "x"),
        ]

    def test_byte_at_a_time(self) -> None:
        raw = b'event: e\ndata: {"t": "\xc3\xa9"}\n\n'
        d = SSEDecoder()
        events = [e for i in range(len(raw)) for e in d.feed(raw[i : i + 1])]
        assert [(e.event, json.loads(e.data)) for e in events] == [("e", {"t": "\u00e9"})]

    def test_incomplete_event_discarded(self) -> None:
        """An event the stream did not close with a blank line is never dispatched."""
        d = SSEDecoder()
        assert [e.data for e in d.feed(b"data: done\n\ndata: last")] == ["done"]
        assert list(d.flush()) == []
        d = SSEDecoder()
        assert list(d.feed(b"data: half\n")) == []
        assert list(d.flush()) == []
