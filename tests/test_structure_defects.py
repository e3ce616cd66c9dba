"""Regression tests for defects found in an architecture review: tool definitions and
fallbacks in the Guard, tool definitions and streams through the governed SDK transport."""

from __future__ import annotations

import json
import os
from typing import Any

import openai
import pytest
from opentelemetry.trace import StatusCode

import responsible_ai as rai
from responsible_ai.testing import CapturedTelemetry, FakeModelServer

from .conftest import base_policy

pytestmark = pytest.mark.http

BACKEND = os.environ.get("RAI_SDK_BACKEND", "httpx2")  # what the installed SDK majors take
MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}
MAIL = "jane.roe@mail.example"
JANE = rai.ClientRecord(name="Jane Roe", emails=[MAIL])
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": f"Look up {MAIL}'s account",
            "parameters": {"type": "object", "properties": {}},
        },
    }
]


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


@pytest.fixture
def otel() -> CapturedTelemetry:
    return CapturedTelemetry()


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return []


def sdk_client(
    data: dict[str, Any],
    server: FakeModelServer,
    otel: CapturedTelemetry,
    events: list[dict[str, Any]],
    **kw: Any,
) -> openai.OpenAI:
    """An openai SDK client through the governed transport, with telemetry and audit."""
    guard = rai.Guard(
        rai.Policy.from_dict(data),
        audit=rai.AuditTrail(sink=events.append, render=False),
        telemetry=otel.telemetry,
    )
    http = rai.http_client(guard, backend=BACKEND, use_case="marketing.copy", **kw)
    return openai.OpenAI(
        base_url=server.base_url, api_key="sk-test", http_client=http, max_retries=0
    )


def test_guard_chat_redacts_tool_descriptions(guard: rai.Guard, server: FakeModelServer) -> None:
    """Guard.chat redacts PII in tool descriptions and counts it in the response."""
    resp = guard.chat("Find the account", tools=TOOLS, **MK)
    [sent] = server.requests
    assert MAIL not in sent.raw.decode()
    assert resp.redactions.get("EMAIL_ADDRESS") == 1


def test_transport_tool_redactions_reach_audit_and_span(
    server: FakeModelServer, otel: CapturedTelemetry, events: list[dict[str, Any]]
) -> None:
    """Tool-description redactions through the SDK transport appear in the audit and span."""
    with sdk_client(base_policy(server.base_url), server, otel, events) as c:
        c.chat.completions.create(model="gpt-4o-mini", messages=ask("Find it"), tools=TOOLS)  # type: ignore[arg-type]
    assert MAIL not in server.requests[0].raw.decode()
    redacted = [e for e in events if e.get("outcome") == "redacted"]
    assert [e["redactions"] for e in redacted] == [{"EMAIL_ADDRESS": 1}]
    [span] = otel.spans()
    assert span.attributes.get("rai.redactions.EMAIL_ADDRESS") == 1
    assert span.attributes.get("rai.redactions.total") == 1


def test_transport_blocked_tool_description_ends_span_and_audits(
    server: FakeModelServer, otel: CapturedTelemetry, events: list[dict[str, Any]]
) -> None:
    """A blocked e-mail in a tool description refuses the call, ends its span, audits 'blocked'."""
    data = base_policy(server.base_url)
    data["pii"] = {"operators": {"EMAIL_ADDRESS": "block"}}
    with sdk_client(data, server, otel, events) as c, pytest.raises(rai.PIIBlocked):
        c.chat.completions.create(model="gpt-4o-mini", messages=ask("Find it"), tools=TOOLS)  # type: ignore[arg-type]
    assert server.requests == []
    spans = otel.spans()  # an ended span is exported; an open one is not
    assert len(spans) == 1 and spans[0].status.status_code is StatusCode.ERROR
    outcomes = [e["outcome"] for e in events if e.get("event") == "decision"]
    assert "blocked" in outcomes


def test_transport_tools_with_pii_disabled(
    server: FakeModelServer, otel: CapturedTelemetry, events: list[dict[str, Any]]
) -> None:
    """With pii.enabled = false a request with tools goes through the transport."""
    data = base_policy(server.base_url)
    data["pii"] = {"enabled": False}
    with sdk_client(data, server, otel, events) as c:
        c.chat.completions.create(model="gpt-4o-mini", messages=ask("Find it"), tools=TOOLS)  # type: ignore[arg-type]
    assert len(server.requests) == 1


def test_fallback_keeps_redaction_counts(server: FakeModelServer) -> None:
    """After a fallback the response and its stamp still count the prompt's redactions."""
    data = base_policy(server.base_url)
    data["providers"] = [
        {"name": "a", "kind": "openai", "base_url": server.base_url, "models": ["gpt-4o-mini"],
         "tier": "enterprise", "max_data_class": "confidential", "fallback": {"provider": "b"}},
        {"name": "b", "kind": "openai", "base_url": server.base_url, "models": ["gpt-4o-mini"],
         "tier": "enterprise", "max_data_class": "confidential"},
    ]  # fmt: skip
    data["use_cases"]["rules"] = {"engineering": {}}
    data["retry"] = {"max_attempts": 1, "backoff_initial_s": 0, "backoff_max_s": 0}
    server.fail_next(503)
    with rai.Guard(rai.Policy.from_dict(data), sleep=lambda s: None) as guard:
        resp = guard.chat(f"mail {MAIL}", use_case="engineering", provider="a", model="gpt-4o-mini")
    assert len(server.requests) == 2 and MAIL not in server.requests[1].raw.decode()
    assert resp.provider == "b"
    assert resp.redactions == {"EMAIL_ADDRESS": 1}
    assert resp.provenance is not None and resp.provenance.redactions == {"EMAIL_ADDRESS": 1}


def test_sync_sdk_stream_completes_and_is_stamped(
    server: FakeModelServer, otel: CapturedTelemetry, events: list[dict[str, Any]]
) -> None:
    """A sync SDK chat stream read to its end ends its span without error and is stamped."""
    with sdk_client(base_policy(server.base_url), server, otel, events) as c:
        stream = c.chat.completions.create(
            model="gpt-4o-mini", messages=ask("a prompt for several chunks"), stream=True
        )  # type: ignore[arg-type]
        chunks = list(stream)
    assert chunks and len({ch.id for ch in chunks}) == 1
    [span] = otel.spans()
    assert span.status.status_code is not StatusCode.ERROR
    assert "error.type" not in span.attributes
    assert rai.provenance_of(chunks[0]) is not None


def test_guard_stream_restores_tool_call_arguments(server: FakeModelServer) -> None:
    """Tool-call arguments of a streamed answer are restored when restore=True (for a
    tool the policy's restore_tools names)."""
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    data = base_policy(server.base_url)
    data["pii"] = {"restore_tools": ["lookup"]}
    with rai.Guard(rai.Policy.from_dict(data)) as guard:
        stream = guard.stream(f"Look up {MAIL}", tools=tools, subject=JANE, restore=True, **MK)
        stream.text()
    assert MAIL not in server.requests[0].raw.decode()
    [tool_call] = stream.response.tool_calls
    assert MAIL in tool_call.arguments
    assert json.loads(tool_call.arguments) == {"query": f"Look up {MAIL}"}


def test_sdk_stream_restores_tool_call_arguments(
    server: FakeModelServer, otel: CapturedTelemetry, events: list[dict[str, Any]]
) -> None:
    """Tool-call arguments in an SDK chat stream are restored when restore=True (for a
    tool the policy's restore_tools names)."""
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    data = base_policy(server.base_url)
    data["pii"] = {"restore_tools": ["lookup"]}
    with sdk_client(data, server, otel, events, subject=JANE, restore=True) as c:
        stream = c.chat.completions.create(
            model="gpt-4o-mini", messages=ask(f"Look up {MAIL}"), tools=tools, stream=True
        )  # type: ignore[arg-type]
        args = "".join(
            call.function.arguments or ""
            for ch in stream
            if ch.choices
            for call in ch.choices[0].delta.tool_calls or ()
            if call.function is not None
        )
    assert MAIL not in server.requests[0].raw.decode()
    assert json.loads(args) == {"query": f"Look up {MAIL}"}


def test_a_reused_response_id_cannot_take_over_a_stamp(
    server: FakeModelServer, otel: CapturedTelemetry, events: list[dict[str, Any]]
) -> None:
    """A provider that reuses a response id cannot hand one answer's stamp to another:
    the stamp found for an SDK answer is the one whose output hash matches its text."""
    data = base_policy(server.base_url)
    with sdk_client(data, server, otel, events) as c:
        first = c.chat.completions.create(model="gpt-4o-mini", messages=ask("first prompt"))
        server._id = lambda prefix: "chatcmpl-reused"  # type: ignore[method-assign]
        a = c.chat.completions.create(model="gpt-4o-mini", messages=ask("answer a"))
        b = c.chat.completions.create(model="gpt-4o-mini", messages=ask("answer b"))
    assert a.id == b.id == "chatcmpl-reused"
    stamp_a, stamp_b = rai.provenance_of(a), rai.provenance_of(b)
    assert stamp_a is not None and stamp_b is not None and stamp_a.id != stamp_b.id
    rai.verify(a.choices[0].message.content, stamp_a, allow_unsigned=True)
    rai.verify(b.choices[0].message.content, stamp_b, allow_unsigned=True)
    assert rai.provenance_of(first) is not None


def test_a_stream_dropped_unread_ends_its_span(
    server: FakeModelServer, otel: CapturedTelemetry
) -> None:
    """A stream the caller never iterates still ends its span (as StreamClosed)."""
    import gc

    with rai.Guard(
        rai.Policy.from_dict(base_policy(server.base_url)), telemetry=otel.telemetry
    ) as g:
        stream = g.stream("hello", **MK)
        del stream
        gc.collect()
    [span] = otel.spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == "StreamClosed"
    assert server.requests == []
