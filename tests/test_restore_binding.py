"""Restore binds to the finished tool call: a streamed tool call gets client values only
if the name its SDK ends with is in ``restore_tools``, and a stream whose events disagree
about a tool is refused. Real SDKs, real HTTP on 127.0.0.1: a small server that answers
every request with a stream written here, event by event."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anthropic
import openai
import pytest

import responsible_ai as rai

from .conftest import base_policy

pytestmark = pytest.mark.http

JANE = rai.ClientRecord(name="Jane Roe", id="client-1")
ARGS = '{"who": "<PERSON_1>"}'


class ScriptedServer:
    """Answers every POST with the server-sent events of `events` (type, data)."""

    def __init__(self) -> None:
        self.events: list[tuple[str | None, Any]] = []
        self.bodies: list[bytes] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                size = int(self.headers.get("content-length") or 0)
                owner.bodies.append(self.rfile.read(size))
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                for kind, data in owner.events:
                    head = f"event: {kind}\n" if kind else ""
                    body = data if isinstance(data, str) else json.dumps(data)
                    self.wfile.write(f"{head}data: {body}\n\n".encode())
                self.wfile.flush()
                self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    with ScriptedServer() as s:
        yield s


def _policy(server: ScriptedServer, tools: tuple[str, ...] = ("crm",)) -> rai.Policy:
    data = base_policy(server.base_url)
    data["pii"] = {"restore_tools": list(tools)}
    return rai.Policy.from_dict(data)


def _openai(server: ScriptedServer, restoring: bool = True) -> openai.OpenAI:
    http = rai.http_client(
        policy=_policy(server, ("crm",) if restoring else ()), use_case="marketing.copy",
        subject=JANE, restore=restoring,
    )  # fmt: skip
    return openai.OpenAI(base_url=server.base_url, api_key="sk-test", http_client=http,
                         max_retries=0)  # fmt: skip


def _chunk(**delta: Any) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}  # fmt: skip


def _call(name: str | None = None, args: str | None = None) -> dict[str, Any]:
    fn: dict[str, Any] = {}
    if name is not None:
        fn["name"] = name
    if args is not None:
        fn["arguments"] = args
    call: dict[str, Any] = {"index": 0, "function": fn}
    if name is not None:
        call |= {"id": "call_1", "type": "function"}
    return _chunk(tool_calls=[call])


def _chat_stream(
    server: ScriptedServer, *events: dict[str, Any], restoring: bool = True
) -> tuple[str, str]:
    """The tool call an openai SDK stream ends with: (name, arguments)."""
    done = {**_chunk(), "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}
    server.events = [(None, e) for e in events] + [(None, done), (None, "[DONE]")]
    with _openai(server, restoring) as c:
        stream = c.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Find Jane Roe"}],
            stream=True,
        )  # fmt: skip
        name, args = "", ""
        for ch in stream:
            for call in (ch.choices[0].delta.tool_calls or ()) if ch.choices else ():
                name += (call.function.name or "") if call.function else ""
                args += (call.function.arguments or "") if call.function else ""
    assert b"Jane Roe" not in server.bodies[-1]
    return name, args


class TestChatCompletionsStream:
    def test_restored_into_a_tool_the_policy_names(self, scripted: ScriptedServer) -> None:
        name, args = _chat_stream(scripted, _call("crm", ""), _call(args=ARGS))
        assert name == "crm" and json.loads(args) == {"who": "Jane Roe"}

    def test_a_name_in_pieces_before_the_arguments_is_read_whole(
        self, scripted: ScriptedServer
    ) -> None:
        name, args = _chat_stream(scripted, _call("cr"), _call("m"), _call(args=ARGS))
        assert name == "crm" and json.loads(args) == {"who": "Jane Roe"}
        name, args = _chat_stream(scripted, _call("crm"), _call("_export"), _call(args=ARGS))
        assert name == "crm_export" and args == ARGS  # not restored: the tool is not "crm"

    def test_a_name_finished_after_the_arguments_began_is_refused(
        self, scripted: ScriptedServer
    ) -> None:
        with pytest.raises(rai.ProviderResponseError, match="names one tool call") as caught:
            _chat_stream(scripted, _call("crm", ""), _call(args=ARGS), _call("_export"))
        assert "Jane Roe" not in str(caught.value)

    def test_where_nothing_is_restored_into_tools_names_pass_as_they_come(
        self, scripted: ScriptedServer
    ) -> None:
        name, args = _chat_stream(
            scripted, _call("crm", ""), _call(args=ARGS), _call("_export"), restoring=False
        )
        assert name == "crm_export" and args == ARGS


def _responses_events(first: str, last: str) -> list[tuple[str | None, Any]]:
    item = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": first,
            "arguments": "", "status": "in_progress"}  # fmt: skip
    done = {**item, "name": last, "arguments": ARGS, "status": "completed"}
    response = {"id": "resp_1", "object": "response", "created_at": 1, "model": "gpt-4o-mini",
                "output": [], "status": "in_progress"}  # fmt: skip
    return [
        ("response.created", {"type": "response.created", "response": response, "sequence_number": 0}),
        ("response.output_item.added", {"type": "response.output_item.added", "output_index": 0,
                                        "item": item, "sequence_number": 1}),
        ("response.function_call_arguments.delta",
         {"type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 0,
          "delta": ARGS, "sequence_number": 2}),
        ("response.function_call_arguments.done",
         {"type": "response.function_call_arguments.done", "item_id": "fc_1", "output_index": 0,
          "arguments": ARGS, "sequence_number": 3}),
        ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0,
                                       "item": done, "sequence_number": 4}),
        ("response.completed", {"type": "response.completed", "sequence_number": 5,
                                "response": {**response, "status": "completed", "output": [done]}}),
    ]  # fmt: skip


class TestResponsesStream:
    def _run(self, server: ScriptedServer, first: str, last: str) -> list[Any]:
        server.events = _responses_events(first, last)
        with _openai(server) as c:
            return list(c.responses.create(model="gpt-4o-mini", input="Find Jane Roe", stream=True))

    def test_the_same_name_throughout_is_restored(self, scripted: ScriptedServer) -> None:
        events = self._run(scripted, "crm", "crm")
        deltas = "".join(
            e.delta for e in events if e.type == "response.function_call_arguments.delta"
        )
        assert json.loads(deltas) == {"who": "Jane Roe"}

    def test_a_name_that_changes_is_refused(self, scripted: ScriptedServer) -> None:
        with pytest.raises(rai.ProviderResponseError, match="names one tool call") as caught:
            self._run(scripted, "crm", "send_email")
        assert "Jane Roe" not in str(caught.value)


def test_anthropic_stream_naming_a_block_twice_is_refused(scripted: ScriptedServer) -> None:
    start = {"type": "message_start", "message": {
        "id": "m1", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1}}}  # fmt: skip

    def block(name: str) -> dict[str, Any]:
        return {"type": "content_block_start", "index": 0,
                "content_block": {"type": "tool_use", "id": "tu_1", "name": name, "input": {}}}  # fmt: skip

    delta = {"type": "content_block_delta", "index": 0,
             "delta": {"type": "input_json_delta", "partial_json": ARGS}}  # fmt: skip
    scripted.events = [("message_start", start), ("content_block_start", block("crm")),
                       ("content_block_delta", delta), ("content_block_start", block("mailer")),
                       ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                       ("message_stop", {"type": "message_stop"})]  # fmt: skip
    http = rai.http_client(
        policy=_policy(scripted), use_case="marketing.copy", subject=JANE, restore=True
    )
    base = scripted.base_url.removesuffix("/v1")
    with anthropic.Anthropic(base_url=base, api_key="ak", http_client=http, max_retries=0) as c:
        stream = c.messages.create(
            model="claude-haiku-4-5", max_tokens=50, stream=True,
            messages=[{"role": "user", "content": "Find Jane Roe"}],
        )  # fmt: skip
        with pytest.raises(rai.ProviderResponseError, match="names one tool call"):
            list(stream)
