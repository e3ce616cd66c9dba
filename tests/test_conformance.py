"""The conformance matrix: every protection property over every call path, one test per
cell (`docs/conformance.md` shows the table; `test_table_matches_the_doc` keeps the two
in step).

A *path* is a small function making ONE governed call whose prompt, and a second field
(`metadata`, and a tool description where tools apply), carry canaries: an e-mail, a
card number and a known client's name. A *property* runs the path against a
FakeModelServer on 127.0.0.1 and checks one promise of the library.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import re
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
from opentelemetry.trace import SpanKind, StatusCode

import responsible_ai as rai
from responsible_ai.testing import CapturedTelemetry, FakeModelServer
from responsible_ai.testing._answers import last_user_text as _last_user_text
from responsible_ai.testing._server import _Handler, _Server

from .conftest import base_policy, without_opaque

pytestmark = pytest.mark.http

BACKEND = os.environ.get("RAI_SDK_BACKEND", "httpx2")  # what the installed SDK majors take
DOC = Path(__file__).resolve().parents[1] / "docs" / "conformance.md"

# ------------------------------------------------------------------------------ canaries

EMAIL = "zed.canary@canary.example"
CARD = "4012 8888 8888 1881"
NAME = "Zyx Canarius"
SUBJECT = rai.ClientRecord(name=NAME)
CANARIES = (EMAIL, "zed.canary", "canary.example", CARD, CARD.replace(" ", ""), NAME, "Zyx",
            "Canarius")  # fmt: skip
PROMPT = f"Draft a note to {NAME} ({EMAIL}) about the card {CARD}."
SECOND = f"{NAME} <{EMAIL}>, card {CARD}"  # the second field every path carries
METADATA = {"client": SECOND}
MESSAGES: list[Any] = [{"role": "user", "content": PROMPT}]
ALLOWED, BLOCKED = "marketing.copy", "hr.performance_review"
OPENAI: dict[str, Any] = {"provider": "openai-prod", "model": "gpt-4o-mini"}
CLAUDE = "claude-haiku-4-5"
SIGNER = rai.HmacSigner(b"conformance-matrix-key-0123456789abcdef", kid="conformance")
OPENAI_TOOLS: list[Any] = [{"type": "function", "function": {
    "name": "lookup", "description": f"Look up {SECOND}",
    "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}}}]  # fmt: skip
ANTHROPIC_TOOLS: list[Any] = [{
    "name": "lookup", "description": f"Look up {SECOND}",
    "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}]  # fmt: skip


class _ToolUseHandler(_Handler):
    """The stand-in server, plus what it lacks: a non-streamed Anthropic answer to a
    request with tools is a `tool_use` of the first tool, its input the prompt (as the
    OpenAI stand-in does with `tool_calls`)."""

    def _anthropic(self, body: dict[str, Any]) -> None:
        if not body.get("tools") or body.get("stream"):
            super()._anthropic(body)
            return
        owner = self.server.owner
        prompt = _last_user_text(body.get("messages"))
        use = {"type": "tool_use", "id": owner._id("toolu"), "name": body["tools"][0]["name"],
               "input": {"query": prompt}}  # fmt: skip
        self._json(200, {"id": owner._id("msg"), "type": "message", "role": "assistant",
                         "model": owner.served_model(body["model"]), "content": [use],
                         "stop_reason": "tool_use", "stop_sequence": None,
                         "usage": {"input_tokens": 1, "output_tokens": 1}})  # fmt: skip


class ToolUseServer(FakeModelServer):
    """`FakeModelServer` with `_ToolUseHandler`."""

    def start(self) -> ToolUseServer:
        server = _Server((self.host, self.port), _ToolUseHandler)
        server.owner = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self


# ------------------------------------------------------------------------------ the call


@dataclass
class Ctx:
    """One cell's world: the server, the guard (with its audit trail and telemetry) and
    how the path is to call (use case, restore)."""

    server: FakeModelServer
    guard: rai.Guard
    otel: CapturedTelemetry
    events: list[dict[str, Any]]
    caplog: pytest.LogCaptureFixture
    use_case: str = ALLOWED
    restore: bool = True


@dataclass
class Outcome:
    """What a path's caller got, uniformly."""

    text: str
    stamp: rai.Provenance | None
    guard: rai.Guard
    tool_calls: list[tuple[str, str]] = field(default_factory=list)  # (name, JSON arguments)
    redactions: dict[str, int] | None = None  # the response's counts, where it has them


PathFn = Callable[[Ctx], Outcome] | Callable[[Ctx], Awaitable[Outcome]]


def run(path: PathFn, ctx: Ctx) -> Outcome:
    """Run a path, sync or async (an async one in its own loop, closing what it opened)."""
    if not inspect.iscoroutinefunction(path):
        return path(ctx)  # type: ignore[return-value]

    async def main() -> Outcome:
        try:
            return await path(ctx)  # type: ignore[no-any-return]
        finally:
            await ctx.guard.aclose()

    return asyncio.run(main())


def _calls(calls: Any) -> list[tuple[str, str]]:
    return [(c.name, c.arguments) for c in calls]


def _guard_kw(ctx: Ctx) -> dict[str, Any]:
    return {"use_case": ctx.use_case, "subject": SUBJECT, "restore": ctx.restore,
            "metadata": METADATA, **OPENAI}  # fmt: skip


def _governed(ctx: Ctx) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return rai.governed(use_case=ctx.use_case, guard=ctx.guard, subject=SUBJECT,
                        restore=ctx.restore, metadata=METADATA, **OPENAI)  # fmt: skip


def _http(ctx: Ctx, *, sync: bool = True) -> Any:
    make = rai.http_client if sync else rai.async_http_client
    return make(ctx.guard, backend=BACKEND, use_case=ctx.use_case, subject=SUBJECT,
                restore=ctx.restore)  # fmt: skip


def _oai(ctx: Ctx) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=ctx.server.base_url, api_key="sk-test", http_client=_http(ctx), max_retries=0
    )


def _ant(ctx: Ctx) -> anthropic.Anthropic:
    base = ctx.server.base_url.removesuffix("/v1")
    return anthropic.Anthropic(base_url=base, api_key="ak-test", http_client=_http(ctx),
                               max_retries=0)  # fmt: skip


def _ant_outcome(ctx: Ctx, msg: Any) -> Outcome:
    text = "".join(b.text for b in msg.content if b.type == "text")
    calls = [(b.name, json.dumps(b.input)) for b in msg.content if b.type == "tool_use"]
    return Outcome(text, rai.provenance_of(msg), ctx.guard, calls)


# ------------------------------------------------------------------------------ paths


def guard_chat(ctx: Ctx) -> Outcome:
    resp = ctx.guard.chat(PROMPT, **_guard_kw(ctx))
    return Outcome(resp.text, resp.provenance, ctx.guard, _calls(resp.tool_calls), resp.redactions)


async def guard_achat(ctx: Ctx) -> Outcome:
    resp = await ctx.guard.achat(PROMPT, **_guard_kw(ctx))
    return Outcome(resp.text, resp.provenance, ctx.guard, _calls(resp.tool_calls), resp.redactions)


def guard_stream(ctx: Ctx) -> Outcome:
    with ctx.guard.stream(PROMPT, **_guard_kw(ctx)) as stream:
        text = "".join(chunk.text for chunk in stream)
    resp = stream.response
    return Outcome(text, stream.provenance, ctx.guard, _calls(resp.tool_calls), resp.redactions)


async def guard_astream(ctx: Ctx) -> Outcome:
    async with ctx.guard.astream(PROMPT, **_guard_kw(ctx)) as stream:
        text = "".join([chunk.text async for chunk in stream])
    resp = stream.response
    return Outcome(text, stream.provenance, ctx.guard, _calls(resp.tool_calls), resp.redactions)


def governed_sync(ctx: Ctx) -> Outcome:
    @_governed(ctx)
    def draft(prompt: str) -> str:
        return rai.client().complete(prompt)

    out = draft(PROMPT)
    return Outcome(str(out), rai.provenance_of(out), ctx.guard)


async def governed_async(ctx: Ctx) -> Outcome:
    @_governed(ctx)
    async def draft(prompt: str) -> str:
        return await rai.client().acomplete(prompt)

    out = await draft(PROMPT)
    return Outcome(str(out), rai.provenance_of(out), ctx.guard)


def governed_generator(ctx: Ctx) -> Outcome:
    @_governed(ctx)
    def draft(prompt: str) -> Iterator[str]:
        with rai.client().stream(prompt) as stream:
            for chunk in stream:
                yield chunk.text

    gen: Any = draft(PROMPT)
    text = "".join(gen)
    return Outcome(text, gen.provenance, ctx.guard)


def openai_chat(ctx: Ctx) -> Outcome:
    with _oai(ctx) as c:
        r = c.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, metadata=METADATA)
    return Outcome(r.choices[0].message.content or "", rai.provenance_of(r), ctx.guard)


async def openai_achat(ctx: Ctx) -> Outcome:
    async with openai.AsyncOpenAI(base_url=ctx.server.base_url, api_key="sk-test",
                                  http_client=_http(ctx, sync=False), max_retries=0) as c:  # fmt: skip
        r = await c.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, metadata=METADATA
        )
    return Outcome(r.choices[0].message.content or "", rai.provenance_of(r), ctx.guard)


def _openai_stream(ctx: Ctx, **kw: Any) -> Outcome:
    with _oai(ctx) as c:
        stream = c.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, metadata=METADATA, stream=True, **kw
        )
        chunks = list(stream)
    text, names, args = "", dict[int, str](), dict[int, str]()
    for ch in chunks:
        for choice in ch.choices:
            text += choice.delta.content or ""
            for call in choice.delta.tool_calls or ():
                if call.function is not None:
                    names[call.index] = names.get(call.index, "") + (call.function.name or "")
                    args[call.index] = args.get(call.index, "") + (call.function.arguments or "")
    calls = [(names[i], args[i]) for i in sorted(names)]
    return Outcome(text, rai.provenance_of(chunks[0]), ctx.guard, calls)


def openai_stream(ctx: Ctx) -> Outcome:
    return _openai_stream(ctx)


def openai_tools(ctx: Ctx) -> Outcome:
    with _oai(ctx) as c:
        r = c.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, metadata=METADATA, tools=OPENAI_TOOLS
        )
    message = r.choices[0].message
    calls = [(t.function.name, t.function.arguments) for t in message.tool_calls or ()]  # type: ignore[union-attr]
    return Outcome(message.content or "", rai.provenance_of(r), ctx.guard, calls)


def openai_stream_tools(ctx: Ctx) -> Outcome:
    return _openai_stream(ctx, tools=OPENAI_TOOLS)


def openai_responses(ctx: Ctx) -> Outcome:
    with _oai(ctx) as c:
        r = c.responses.create(model="gpt-4o-mini", input=PROMPT, metadata=METADATA)
    return Outcome(r.output_text, rai.provenance_of(r), ctx.guard)


def openai_responses_stream(ctx: Ctx) -> Outcome:
    with _oai(ctx) as c:
        events = list(
            c.responses.create(model="gpt-4o-mini", input=PROMPT, metadata=METADATA, stream=True)
        )
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    done = next(e for e in events if e.type == "response.completed")
    return Outcome(text, rai.provenance_of(done.response), ctx.guard)


def anthropic_messages(ctx: Ctx) -> Outcome:
    with _ant(ctx) as c:
        msg = c.messages.create(model=CLAUDE, max_tokens=64, messages=MESSAGES,
                                metadata={"user_id": SECOND})  # fmt: skip
    return _ant_outcome(ctx, msg)


async def anthropic_amessages(ctx: Ctx) -> Outcome:
    base = ctx.server.base_url.removesuffix("/v1")
    async with anthropic.AsyncAnthropic(base_url=base, api_key="ak-test",
                                        http_client=_http(ctx, sync=False), max_retries=0) as c:  # fmt: skip
        msg = await c.messages.create(model=CLAUDE, max_tokens=64, messages=MESSAGES,
                                      metadata={"user_id": SECOND})  # fmt: skip
    return _ant_outcome(ctx, msg)


def anthropic_stream(ctx: Ctx) -> Outcome:
    with _ant(ctx) as c, c.messages.stream(model=CLAUDE, max_tokens=64, messages=MESSAGES,
                                           metadata={"user_id": SECOND}) as s:  # fmt: skip
        text = "".join(s.text_stream)
        msg = s.get_final_message()
    return Outcome(text, rai.provenance_of(msg), ctx.guard)


def anthropic_tools(ctx: Ctx) -> Outcome:
    with _ant(ctx) as c:
        msg = c.messages.create(model=CLAUDE, max_tokens=64, messages=MESSAGES,
                                metadata={"user_id": SECOND}, tools=ANTHROPIC_TOOLS)  # fmt: skip
    return _ant_outcome(ctx, msg)


PATHS: dict[str, PathFn] = {
    "guard.chat": guard_chat,
    "guard.achat": guard_achat,
    "guard.stream": guard_stream,
    "guard.astream": guard_astream,
    "governed.sync": governed_sync,
    "governed.async": governed_async,
    "governed.generator": governed_generator,
    "openai.chat": openai_chat,
    "openai.achat": openai_achat,
    "openai.stream": openai_stream,
    "openai.tools": openai_tools,
    "openai.stream_tools": openai_stream_tools,
    "openai.responses": openai_responses,
    "openai.responses_stream": openai_responses_stream,
    "anthropic.messages": anthropic_messages,
    "anthropic.amessages": anthropic_amessages,
    "anthropic.stream": anthropic_stream,
    "anthropic.tools": anthropic_tools,
}
TOOL_PATHS = frozenset({"openai.tools", "openai.stream_tools", "anthropic.tools"})

# ------------------------------------------------------------------------------ properties


def _leaks(blob: str) -> list[str]:
    return [c for c in CANARIES if c in blob]


def _client_spans(ctx: Ctx) -> list[Any]:
    return [s for s in ctx.otel.spans() if s.kind is SpanKind.CLIENT]


def _decisions(ctx: Ctx) -> list[dict[str, Any]]:
    return [e for e in ctx.events if e.get("event") == "decision"]


def no_canary_on_wire(name: str, ctx: Ctx) -> None:
    run(PATHS[name], ctx)
    assert ctx.server.requests, "the call sent nothing"
    for r in ctx.server.requests:
        blob = "\n".join([r.raw.decode("utf-8", "replace"), r.text, r.path, json.dumps(r.headers)])
        assert _leaks(blob) == [], f"on the wire: {blob}"


def redactions_counted(name: str, ctx: Ctx) -> None:
    out = run(PATHS[name], ctx)
    assert out.stamp is not None, "no stamp to read the counts from"
    reports = [out.stamp.redactions] + ([out.redactions] if out.redactions is not None else [])
    for counts in reports:
        assert counts.get("EMAIL_ADDRESS", 0) >= 1 and counts.get("CREDIT_CARD", 0) >= 1, counts


def stamped(name: str, ctx: Ctx) -> None:
    out = run(PATHS[name], ctx)
    assert out.stamp is not None, "no provenance stamp"
    check = rai.verify(out.text, out.stamp, keyring=rai.Keyring([SIGNER]))
    assert check.signed and check.kid == SIGNER.kid and check.provenance_id == out.stamp.id
    assert out.stamp.use_case == ALLOWED


def span_ended_ok(name: str, ctx: Ctx) -> None:
    run(PATHS[name], ctx)
    spans = _client_spans(ctx)
    assert len(spans) == 1, [s.name for s in spans]
    assert spans[0].status.status_code is not StatusCode.ERROR, spans[0].status
    assert spans[0].attributes.get("rai.redactions.total", 0) >= 2, dict(spans[0].attributes)


def audited(name: str, ctx: Ctx) -> None:
    run(PATHS[name], ctx)
    events = _decisions(ctx)
    assert sorted(e["outcome"] for e in events) == ["allowed", "redacted"], events
    assert all(e["use_case"] == ALLOWED for e in events)
    [redacted] = [e for e in events if e["outcome"] == "redacted"]
    assert {"EMAIL_ADDRESS", "CREDIT_CARD"} <= set(redacted["redactions"]), redacted


def no_canary_in_telemetry(name: str, ctx: Ctx) -> None:
    ctx.caplog.set_level(logging.DEBUG, logger="responsible_ai")
    out = run(PATHS[name], ctx)
    spans = [
        {"name": s.name, "attributes": dict(s.attributes or {}),
         "events": [[e.name, dict(e.attributes or {})] for e in s.events],
         "status": s.status.description}
        for s in ctx.otel.spans()
    ]  # fmt: skip
    points = [dict(p.attributes or {}) for pts in ctx.otel.metrics().values() for p in pts]
    assert spans and points and ctx.events and out.stamp is not None
    for what, blob in [
        ("spans", json.dumps(spans, default=str)),
        ("metrics", json.dumps(points, default=str)),
        ("audit", json.dumps(ctx.events, default=str)),
        ("stamp", out.stamp.to_json()),
        ("logs", ctx.caplog.text),
    ]:
        assert _leaks(without_opaque(blob)) == [], f"{what}: {blob}"


def restored(name: str, ctx: Ctx) -> None:
    out = run(PATHS[name], ctx)
    if name in TOOL_PATHS:
        [(tool, arguments)] = out.tool_calls
        assert tool == "lookup"
        query = json.loads(arguments)["query"]
        assert EMAIL in query and CARD in query and NAME in query, query
    else:
        assert EMAIL in out.text and CARD in out.text and NAME in out.text, out.text


def refused_before_io(name: str, ctx: Ctx) -> None:
    ctx.use_case = BLOCKED
    with pytest.raises(rai.UseCaseBlocked) as info:
        run(PATHS[name], ctx)
    assert ctx.server.requests == []
    exc: BaseException | None = info.value  # the refusal and its chain carry no canary
    for _ in range(10):
        if exc is None:
            break
        assert _leaks(f"{exc!s} {exc!r} {getattr(exc, '__dict__', {})}") == [], repr(exc)
        exc = exc.__cause__ or exc.__context__
    spans = _client_spans(ctx)
    assert len(spans) == 1, f"{len(spans)} finished CLIENT spans"
    assert spans[0].status.status_code is StatusCode.ERROR
    assert "blocked" in [e["outcome"] for e in _decisions(ctx)], ctx.events


PROPERTIES: dict[str, Callable[[str, Ctx], None]] = {
    "no_canary_on_wire": no_canary_on_wire,
    "redactions_counted": redactions_counted,
    "stamped": stamped,
    "span_ended_ok": span_ended_ok,
    "audited": audited,
    "no_canary_in_telemetry": no_canary_in_telemetry,
    "restored": restored,
    "refused_before_io": refused_before_io,
}

# ------------------------------------------------------------------------------ the matrix

# cells that do not pass: (path, property) -> mark; every other cell must pass
MARKS: dict[tuple[str, str], pytest.MarkDecorator] = {}


def _cells() -> Iterator[Any]:
    for path in PATHS:
        for prop in PROPERTIES:
            mark = MARKS.get((path, prop))
            yield pytest.param(path, prop, id=f"{path}-{prop}", marks=() if mark is None else mark)


@pytest.fixture
def ctx(caplog: pytest.LogCaptureFixture) -> Iterator[Ctx]:
    with ToolUseServer() as server:
        data = base_policy(server.base_url)
        data["pii"] = {"restore_tools": ["lookup"]}
        events: list[dict[str, Any]] = []
        otel = CapturedTelemetry()
        audit = rai.AuditTrail(sink=events.append, render=False)
        with rai.Guard(rai.Policy.from_dict(data), audit=audit, telemetry=otel.telemetry,
                       signer=SIGNER, sleep=lambda s: None) as guard:  # fmt: skip
            yield Ctx(server, guard, otel, events, caplog)


@pytest.mark.parametrize(("path", "prop"), list(_cells()))
def test_cell(path: str, prop: str, ctx: Ctx) -> None:
    """One cell of the matrix: call path `path` keeps protection property `prop`."""
    PROPERTIES[prop](path, ctx)


# ------------------------------------------------------------------------------ the doc

MARK_SYMBOLS = {"pass": "✓", "xfail": "✗", "skip": "—"}


def expected_mark(path: str, prop: str) -> str:
    mark = MARKS.get((path, prop))
    return MARK_SYMBOLS["pass" if mark is None else mark.name]


def test_table_matches_the_doc() -> None:
    """docs/conformance.md's table lists exactly the registries' paths and properties,
    each cell marked as the parametrisation marks it."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\|\s*path\s*\|", line))
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break  # the table ends at its first line that is not a row
        table.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    header, rule, rows = table[0], table[1], table[2:]

    def plain(cell: str) -> str:
        return re.sub(r"[¹²³⁴-⁹]+$", "", cell).strip().strip("`")  # footnote marks

    assert all(set(c) <= set("-: ") for c in rule)
    assert [plain(c) for c in header[1:]] == list(PROPERTIES)
    assert [plain(r[0]) for r in rows] == list(PATHS)
    for row in rows:
        path = plain(row[0])
        assert [plain(c) for c in row[1:]] == [expected_mark(path, p) for p in PROPERTIES], path
