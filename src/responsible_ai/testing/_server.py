"""Test helpers for your own suites: a real model server on 127.0.0.1.

`FakeModelServer` speaks the OpenAI chat-completions and the Anthropic messages wire
formats (SSE streaming included) over real HTTP, records every request it receives,
and answers with a deterministic stand-in model, so tests exercise sockets, timeouts,
retries and streams without network access or keys::

    from responsible_ai.testing import FakeModelServer

    with FakeModelServer() as server:
        policy = rai.Policy.from_dict({... "base_url": server.base_url ...})
        ...
        assert server.requests == []      # a refused call sent nothing

Faults are scripted: ``server.fail_next(503, times=2, retry_after=0)`` answers the next
two requests with 503; ``server.fail_next(None, delay=2.0)`` answers late; ``drop=True`` closes
the connection without an answer.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from ._answers import (
    chosen_tool,
    format_schema,
    last_user_text,
    schema_arguments,
    schema_example,
    split_chunks,
    stand_in_answer,
)

__all__ = ["FakeModelServer", "Fault", "RecordedRequest", "stand_in_answer"]


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the server received it (headers lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes = b""

    @property
    def text(self) -> str:
        """Every string the request carried, joined: what a provider would have seen."""
        return json.dumps(self.body, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Fault:
    """What the server does instead of answering one request."""

    status: int | None = 503
    retry_after: float | None = None
    delay: float = 0.0
    drop: bool = False
    error_type: str = "server_error"
    message: str = "scripted fault"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms ACK wait

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        owner = self.server.owner
        owner._record(
            RecordedRequest(
                "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body, raw
            )
        )
        fault = owner._next_fault()
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                self.connection.close()
                return
            if fault.status is not None:
                headers = {}
                if fault.retry_after is not None:
                    headers["retry-after"] = f"{fault.retry_after:g}"
                error = {"error": {"type": fault.error_type, "message": fault.message}}
                self._json(fault.status, error, headers)
                return
        prefix = owner.prefix
        path = self.path.split("?", 1)[0]  # query parameters (Azure's api-version) do not route
        # any path ending in {prefix}/<endpoint>: one server can stand in for several
        # providers at their own addresses (http://127.0.0.1:port/anthropic/v1, ...)
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            self._json(400, {"error": {"type": "invalid_request_error", "message": "bad body"}})
        elif path.endswith(f"{prefix}/chat/completions"):
            self._openai(body)
        elif path.endswith(f"{prefix}/messages"):
            self._anthropic(body)
        elif path.endswith(f"{prefix}/responses"):
            self._responses(body)
        else:
            self._json(404, {"error": {"type": "not_found", "message": "unknown path"}})

    # -------------------------------------------------------------- formats

    def _openai(self, body: dict[str, Any]) -> None:
        owner = self.server.owner
        model = owner.served_model(body["model"])
        prompt = last_user_text(body.get("messages"))
        answer = owner.answer(prompt)
        rid = owner._id("chatcmpl")
        usage = {
            "prompt_tokens": len(prompt.split()),
            "completion_tokens": len(answer.split()),
            "total_tokens": len(prompt.split()) + len(answer.split()),
        }
        tools = [t.get("function") or {} for t in body.get("tools") or [] if isinstance(t, dict)]
        tool = chosen_tool(
            tools, body.get("tool_choice"), lambda c: (c.get("function") or {}).get("name")
        )
        answered = any(m.get("role") == "tool" for m in body.get("messages", []))
        schema = format_schema(body.get("response_format"))
        if tool is not None and not answered:
            arguments = json.dumps(schema_arguments(tool.get("parameters"), prompt))
            call = {
                "id": owner._id("call"),
                "type": "function",
                "function": {"name": tool.get("name", "tool"), "arguments": arguments},
            }
            message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [call]}
            finish = "tool_calls"
        elif schema is not None:  # structured output: an answer the schema accepts
            message = {"role": "assistant", "content": json.dumps(schema_example(schema, prompt))}
            finish = "stop"
        else:
            message, finish = {"role": "assistant", "content": answer}, "stop"
        if not body.get("stream"):
            self._json(
                200,
                {
                    "id": rid,
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                    "usage": usage,
                },
            )
            return
        base = {
            "id": rid,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
        }
        events = [
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
        ]
        if finish == "tool_calls":
            events.append(
                {
                    **base,
                    "choices": [
                        {
                            "index": 0,
                            "delta": {"tool_calls": [{"index": 0, **message["tool_calls"][0]}]},
                        }
                    ],
                }
            )
        else:
            events += [
                {
                    **base,
                    "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                }
                for piece in owner.chunks(message["content"])
            ]
        events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            events.append({**base, "choices": [], "usage": usage})
        self._sse([(None, e) for e in events] + [(None, "[DONE]")])

    def _anthropic(self, body: dict[str, Any]) -> None:
        owner = self.server.owner
        model = owner.served_model(body["model"])
        prompt = last_user_text(body.get("messages"))
        answer = owner.answer(prompt)
        rid = owner._id("msg")
        usage = {"input_tokens": len(prompt.split()), "output_tokens": len(answer.split())}
        tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
        tool = chosen_tool(tools, body.get("tool_choice"), lambda c: c.get("name"))
        answered = any(
            isinstance(block, dict) and block.get("type") == "tool_result"
            for m in body.get("messages", [])
            for block in (m.get("content") if isinstance(m.get("content"), list) else [])
        )
        if tool is not None and not answered:  # a tool_use block: the model calls the tool
            use = {"type": "tool_use", "id": owner._id("toolu"), "name": tool.get("name", "tool"),
                   "input": schema_arguments(tool.get("input_schema"), prompt)}  # fmt: skip
            if not body.get("stream"):
                self._json(200, {"id": rid, "type": "message", "role": "assistant", "model": model,
                                 "content": [use], "stop_reason": "tool_use", "stop_sequence": None,
                                 "usage": usage})  # fmt: skip
                return
            start = {"type": "message_start", "message": {
                "id": rid, "type": "message", "role": "assistant", "model": model, "content": [],
                "stop_reason": None, "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 1}}}  # fmt: skip
            partial = json.dumps(use["input"])
            tool_events: list[tuple[str | None, Any]] = [
                ("message_start", start),
                ("content_block_start", {"type": "content_block_start", "index": 0,
                                         "content_block": {**use, "input": {}}}),
            ]  # fmt: skip
            tool_events += [
                ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                         "delta": {"type": "input_json_delta", "partial_json": piece}})
                for piece in owner.chunks(partial)
            ]  # fmt: skip
            tool_events += [
                ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                ("message_delta", {"type": "message_delta",
                                   "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                                   "usage": {"output_tokens": usage["output_tokens"]}}),
                ("message_stop", {"type": "message_stop"}),
            ]  # fmt: skip
            self._sse(tool_events)
            return
        if not body.get("stream"):
            self._json(
                200,
                {
                    "id": rid,
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [{"type": "text", "text": answer}],
                    "stop_reason": "end_turn",
                    "stop_sequence": None,
                    "usage": usage,
                },
            )
            return
        start = {
            "type": "message_start",
            "message": {
                "id": rid, "type": "message", "role": "assistant", "model": model, "content": [],
                "stop_reason": None,
                "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 1},
            },
        }  # fmt: skip
        events: list[tuple[str | None, Any]] = [
            ("message_start", start),
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            ),
            ("ping", {"type": "ping"}),
        ]
        events += [
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": piece},
                },
            )
            for piece in owner.chunks(answer)
        ]
        events += [
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": usage["output_tokens"]},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        self._sse(events)

    def _responses(self, body: dict[str, Any]) -> None:
        """The OpenAI Responses API: `input` (text or items) in; one output_text out, or a
        function call when `tools` are given and the input holds no call's output yet.
        Streams carry every event the SDK's helpers read (`output_item.added`,
        `content_part.added`, the deltas, their `done` events)."""
        owner = self.server.owner
        model = owner.served_model(body["model"])
        raw = body.get("input")
        prompt = raw if isinstance(raw, str) else last_user_text(raw)
        answered = isinstance(raw, list) and any(
            isinstance(i, dict) and i.get("type") == "function_call_output" for i in raw
        )
        tools = [t for t in body.get("tools") or [] if t.get("type") == "function"]
        tool = chosen_tool(tools, body.get("tool_choice"), lambda c: c.get("name"))
        schema = format_schema((body.get("text") or {}).get("format"))
        answer = owner.answer(prompt)
        if schema is not None:
            answer = json.dumps(schema_example(schema, prompt))
        rid, mid = owner._id("resp"), owner._id("msg")
        usage = {"input_tokens": len(prompt.split()), "output_tokens": len(answer.split()),
                 "total_tokens": len(prompt.split()) + len(answer.split())}  # fmt: skip
        if tool is not None and not answered:
            arguments = json.dumps(schema_arguments(tool.get("parameters"), prompt))
            item: dict[str, Any] = {"type": "function_call", "id": owner._id("fc"),
                                    "call_id": owner._id("call"), "name": tool.get("name", "tool"),
                                    "arguments": arguments, "status": "completed"}  # fmt: skip
        else:
            item = {"type": "message", "id": mid, "status": "completed", "role": "assistant",
                    "content": [{"type": "output_text", "text": answer, "annotations": []}]}  # fmt: skip

        def response(status: str, done: bool) -> dict[str, Any]:
            return {"id": rid, "object": "response", "created_at": int(time.time()), "status": status,
                    "model": model, "output": [item] if done else [],
                    "usage": usage if done else None,
                    "parallel_tool_calls": True, "tool_choice": "auto", "tools": []}  # fmt: skip

        if not body.get("stream"):
            self._json(200, response("completed", True))
            return
        seq = iter(range(1_000_000))

        def ev(kind: str, **fields: Any) -> tuple[str, dict[str, Any]]:
            return kind, {"type": kind, **fields, "sequence_number": next(seq)}

        events = [ev("response.created", response=response("in_progress", False)),
                  ev("response.in_progress", response=response("in_progress", False))]  # fmt: skip
        at = {"output_index": 0}
        if item["type"] == "function_call":
            events.append(ev("response.output_item.added", **at,
                             item={**item, "arguments": "", "status": "in_progress"}))  # fmt: skip
            events += [
                ev("response.function_call_arguments.delta", item_id=item["id"], **at, delta=piece)
                for piece in owner.chunks(item["arguments"])
            ]
            events.append(ev("response.function_call_arguments.done", item_id=item["id"], **at,
                             arguments=item["arguments"]))  # fmt: skip
        else:
            part = {"item_id": mid, **at, "content_index": 0}
            events.append(ev("response.output_item.added", **at,
                             item={**item, "status": "in_progress", "content": []}))  # fmt: skip
            events.append(ev("response.content_part.added", **part,
                             part={"type": "output_text", "text": "", "annotations": []}))  # fmt: skip
            events += [
                ev("response.output_text.delta", **part, delta=piece)
                for piece in owner.chunks(answer)
            ]
            events.append(ev("response.output_text.done", **part, text=answer))
            events.append(ev("response.content_part.done", **part, part=item["content"][0]))
        events.append(ev("response.output_item.done", **at, item=item))
        events.append(ev("response.completed", response=response("completed", True)))
        self._sse(list(events))

    # -------------------------------------------------------------- writing

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, events: list[tuple[str | None, Any]]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        delay = self.server.owner.chunk_delay
        for name, data in events:
            payload = data if isinstance(data, str) else json.dumps(data)
            frame = (f"event: {name}\n" if name else "") + f"data: {payload}\n\n"
            blob = frame.encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(blob), blob))
            self.wfile.flush()
            if delay:
                time.sleep(delay)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: FakeModelServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client went away (a time-out test, a closed stream): not a server fault
        super().handle_error(request, client_address)


@dataclass
class FakeModelServer:
    """An OpenAI- and Anthropic-compatible model server on 127.0.0.1 and a free port.

    Use as a context manager (or `start()` / `stop()`). `base_url` ends in ``/v1``:
    OpenAI-kind providers post to ``{base_url}/chat/completions``, Anthropic-kind ones to
    ``{base_url}/messages``. `requests` lists what was received, in order.
    """

    host: str = "127.0.0.1"
    port: int = 0
    prefix: str = "/v1"
    chunk_delay: float = 0.0
    chunk_size: int | None = None
    model_aliases: dict[str, str] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list, init=False)
    _faults: deque[Fault] = field(default_factory=deque, init=False, repr=False)
    _replies: deque[str] = field(default_factory=deque, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _server: _Server | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _counter: int = field(default=0, init=False, repr=False)

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeModelServer is not running: use it as a context manager")
        return f"http://{self.host}:{self._server.server_address[1]}{self.prefix}"

    def start(self) -> Self:
        server = _Server((self.host, self.port), _Handler)
        server.owner = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name="rai-fake-model-server",
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def fail_next(
        self,
        status: int | None = 503,
        *,
        times: int = 1,
        retry_after: float | None = None,
        delay: float = 0.0,
        drop: bool = False,
        error_type: str = "server_error",
        message: str = "scripted fault",
    ) -> None:
        """Script the next `times` requests to fail (or be late, or be dropped); the
        error body names `error_type` and carries `message`."""
        with self._lock:
            for _ in range(times):
                self._faults.append(Fault(status, retry_after, delay, drop, error_type, message))

    def reply_next(self, text: str, *, times: int = 1) -> None:
        """Answer the next `times` requests with `text` instead of the stand-in's reply
        (to test what a model says on its own)."""
        with self._lock:
            self._replies.extend([text] * times)

    def answer(self, prompt: str) -> str:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        return stand_in_answer(prompt)

    def chunks(self, text: str) -> list[str]:
        if self.chunk_size:
            return [text[i : i + self.chunk_size] for i in range(0, len(text), self.chunk_size)]
        return split_chunks(text)

    def served_model(self, requested: str) -> str:
        return self.model_aliases.get(requested, requested)

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self._faults.clear()
            self._replies.clear()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _id(self, prefix: str) -> str:
        """Unique across servers and runs, as a provider's ids are (a counter, then random)."""
        with self._lock:
            self._counter += 1
            return f"{prefix}-{self._counter:06d}{secrets.token_hex(4)}"
