"""Spans, metrics and audit events of governed calls (in-memory SDK exporters)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv.attributes import error_attributes, server_attributes
from opentelemetry.trace import SpanKind, StatusCode

import responsible_ai as rai
from responsible_ai._telemetry import DURATION_BUCKETS, TOKEN_BUCKETS
from responsible_ai.testing import CapturedTelemetry, FakeModelServer

from .conftest import base_policy

pytestmark = pytest.mark.http

MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}
CANARY = "Zyxwvut Canarius"
CANARY_MAIL = "zyx@canary-domain.example"


@pytest.fixture
def otel() -> CapturedTelemetry:
    return CapturedTelemetry()


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def tguard(
    server: FakeModelServer, otel: CapturedTelemetry, events: list[dict[str, Any]]
) -> Iterator[rai.Guard]:
    data = base_policy(server.base_url)
    with rai.Guard(rai.Policy.from_dict(data), telemetry=otel.telemetry, audit=rai.AuditTrail(events.append, render=False),
                   signer=rai.HmacSigner(b"k" * 32, "k1"), sleep=lambda s: None) as g:  # fmt: skip
        yield g


def only(otel: CapturedTelemetry) -> Any:
    spans = otel.spans()
    assert len(spans) == 1, [s.name for s in spans]
    return spans[0]


class TestSpans:
    def test_allowed_call(
        self, tguard: rai.Guard, otel: CapturedTelemetry, server: FakeModelServer
    ) -> None:
        """One CLIENT span named '{operation} {model}' with GenAI and policy attributes."""
        resp = tguard.chat(
            f"Write to {CANARY_MAIL}", temperature=0.3, max_tokens=64, top_p=0.9, **MK
        )
        span = only(otel)
        a = span.attributes
        assert span.name == "chat gpt-4o-mini" and span.kind is SpanKind.CLIENT
        assert a[gen_ai.GEN_AI_OPERATION_NAME] == "chat"
        assert a[gen_ai.GEN_AI_PROVIDER_NAME] == "openai"
        assert (
            a[gen_ai.GEN_AI_REQUEST_MODEL] == "gpt-4o-mini"
            and a[gen_ai.GEN_AI_RESPONSE_MODEL] == "gpt-4o-mini"
        )
        assert a[gen_ai.GEN_AI_RESPONSE_ID] == resp.id
        assert tuple(a[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS]) == ("stop",)
        assert a[gen_ai.GEN_AI_USAGE_INPUT_TOKENS] == resp.usage.input_tokens
        assert a[gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS] == resp.usage.output_tokens
        assert (
            a[gen_ai.GEN_AI_REQUEST_TEMPERATURE],
            a[gen_ai.GEN_AI_REQUEST_MAX_TOKENS],
            a[gen_ai.GEN_AI_REQUEST_TOP_P],
        ) == (0.3, 64, 0.9)
        assert a[server_attributes.SERVER_ADDRESS] == "127.0.0.1"
        assert a[server_attributes.SERVER_PORT] == int(server.base_url.split(":")[2].split("/")[0])
        assert a["rai.use_case"] == "marketing.copy" and a["rai.decision"] == "allowed"
        assert a["rai.rule"] == 'use_cases.rules["marketing.copy"]'
        assert (a["rai.policy.id"], a["rai.policy.version"], a["rai.policy.sha256"]) == (
            "test-policy",
            "1.2.3",
            tguard.policy.sha256,
        )
        assert a["rai.redactions.EMAIL_ADDRESS"] == 1 and a["rai.redactions.total"] == 1
        assert a["rai.provenance.id"] == resp.provenance.id  # type: ignore[union-attr]
        assert a["rai.review.required"] is True
        assert span.status.status_code is StatusCode.UNSET

    def test_stamp_links_the_call_span(self, tguard: rai.Guard, otel: CapturedTelemetry) -> None:
        """The provenance stamp names the trace and span of its call."""
        resp = tguard.chat("hi", **MK)
        span = only(otel)
        assert resp.provenance.trace_id == f"{span.context.trace_id:032x}"  # type: ignore[union-attr]
        assert resp.provenance.span_id == f"{span.context.span_id:016x}"  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        ("kw", "error", "rule"),
        [
            ({"use_case": "hr.performance_review"}, "UseCaseBlocked", "use_cases.blocked[hr.performance_review]"),
            ({"model": "gpt-5"}, "ModelNotApproved", "providers[0].models"),
            ({"provider": "free-chat", "data_class": "public"}, "ProviderNotApproved", "policy.allow_free_tiers"),
        ],
    )  # fmt: skip
    def test_blocked_call(self, tguard: rai.Guard, otel: CapturedTelemetry, server: FakeModelServer,
                          kw: dict[str, Any], error: str, rule: str) -> None:  # fmt: skip
        """A refused call still has a span: status ERROR, error.type the violation, no I/O."""
        with pytest.raises(rai.PolicyViolation):
            tguard.chat("x", **{**MK, **kw})
        span = only(otel)
        assert span.status.status_code is StatusCode.ERROR
        assert span.attributes[error_attributes.ERROR_TYPE] == error
        assert span.attributes["rai.decision"] == "blocked" and span.attributes["rai.rule"] == rule
        assert server.requests == []

    def test_provider_error(
        self, tguard: rai.Guard, otel: CapturedTelemetry, server: FakeModelServer
    ) -> None:
        server.fail_next(503, times=3)
        with pytest.raises(rai.ProviderHTTPError):
            tguard.chat("x", **MK)
        span = only(otel)
        assert span.attributes[error_attributes.ERROR_TYPE] == "ProviderHTTPError"
        assert span.attributes["rai.decision"] == "allowed"

    def test_stream_span_covers_the_stream(
        self, tguard: rai.Guard, otel: CapturedTelemetry, server: FakeModelServer
    ) -> None:
        server.chunk_delay = 0.01
        stream = tguard.stream("a longer prompt for several chunks", **MK)
        assert otel.spans() == []  # open while the stream is read
        chunks = list(stream)
        span = only(otel)
        a = span.attributes
        assert a[gen_ai.GEN_AI_REQUEST_STREAM] is True
        ttfc = a[gen_ai.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]
        assert 0 < ttfc < (span.end_time - span.start_time) / 1e9
        assert len(chunks) > 5 and a["rai.provenance.id"] == stream.provenance.id  # type: ignore[union-attr]

    def test_stream_closed_early(self, tguard: rai.Guard, otel: CapturedTelemetry) -> None:
        stream = tguard.stream("hello there", **MK)
        next(iter(stream))
        stream.close()
        assert only(otel).attributes[error_attributes.ERROR_TYPE] == "StreamClosed"

    async def test_async(self, server: FakeModelServer, otel: CapturedTelemetry) -> None:
        async with rai.Guard(
            rai.Policy.from_dict(base_policy(server.base_url)), telemetry=otel.telemetry
        ) as guard:
            await guard.achat("hi", **MK)
            async for _ in guard.astream("hi", **MK):
                pass
            with pytest.raises(rai.UseCaseBlocked):
                await guard.achat("hi", **{**MK, "use_case": "surveillance"})
        names = [(s.name, s.attributes["rai.decision"]) for s in otel.spans()]
        assert names == [("chat gpt-4o-mini", "allowed")] * 2 + [("chat gpt-4o-mini", "blocked")]

    def test_nests_under_the_callers_span(self, tguard: rai.Guard, otel: CapturedTelemetry) -> None:
        tracer = otel.tracer_provider.get_tracer("app")
        with tracer.start_as_current_span("handle request") as parent:
            tguard.chat("hi", **MK)
        child = next(s for s in otel.spans() if s.name == "chat gpt-4o-mini")
        assert child.parent.span_id == parent.get_span_context().span_id


class TestContent:
    def test_not_captured_by_default(self, tguard: rai.Guard, otel: CapturedTelemetry) -> None:
        tguard.chat("hello", **MK)
        a = only(otel).attributes
        assert gen_ai.GEN_AI_INPUT_MESSAGES not in a and gen_ai.GEN_AI_OUTPUT_MESSAGES not in a

    def test_opt_in_captures_only_redacted(
        self, server: FakeModelServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true captures what was sent:
        redacted prompts, and the answer before restore."""
        monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
        otel = CapturedTelemetry()
        with rai.Guard(
            rai.Policy.from_dict(base_policy(server.base_url)), telemetry=otel.telemetry
        ) as guard:
            resp = guard.chat(
                f"Write to {CANARY} at {CANARY_MAIL}",
                subject=rai.ClientRecord(name=CANARY),
                restore=True,
                **MK,
            )
            server.reply_next("Reach Bob at bob@elsewhere.example")
            guard.chat("who?", **MK)
        first, second = otel.spans()
        inp = json.loads(first.attributes[gen_ai.GEN_AI_INPUT_MESSAGES])
        out = json.loads(first.attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES])
        assert inp[0]["content"] == "Write to <PERSON_1> at <EMAIL_ADDRESS_1>"
        assert "<PERSON_1>" in out[0]["content"] and CANARY in resp.text
        assert (
            json.loads(second.attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES])[0]["content"]
            == "Reach Bob at <EMAIL_ADDRESS>"
        )
        blob = json.dumps([dict(s.attributes) for s in otel.spans()])
        assert CANARY not in blob and CANARY_MAIL not in blob and "bob@elsewhere" not in blob


class TestMetrics:
    def test_histograms_and_counters(self, tguard: rai.Guard, otel: CapturedTelemetry) -> None:
        tguard.chat(f"to {CANARY_MAIL}", **MK)
        with pytest.raises(rai.UseCaseBlocked):
            tguard.chat("x", **{**MK, "use_case": "surveillance"})
        m = otel.metrics()
        usage = m["gen_ai.client.token.usage"]
        assert {p.attributes["gen_ai.token.type"] for p in usage} == {"input", "output"}
        assert list(usage[0].explicit_bounds) == [float(b) for b in TOKEN_BUCKETS]
        duration = m["gen_ai.client.operation.duration"]
        assert list(duration[0].explicit_bounds) == DURATION_BUCKETS
        assert any(p.attributes.get("error.type") == "UseCaseBlocked" for p in duration)
        decisions = {
            (p.attributes["rai.decision"], p.attributes["rai.use_case"]): p.value
            for p in m["rai.policy.decisions"]
        }
        assert decisions == {("allowed", "marketing.copy"): 1, ("blocked", "surveillance"): 1}
        # dashboards count refusals by provider: the policy's name, never an unknown one
        assert {p.attributes["rai.provider"] for p in m["rai.policy.decisions"]} == {"openai-prod"}
        with pytest.raises(rai.ProviderNotApproved):
            tguard.chat("x", **{**MK, "provider": "shadow-ai-1234"})
        unlisted = [
            p for p in otel.metrics()["rai.policy.decisions"]
            if p.attributes["rai.provider"] != "openai-prod"
        ]  # fmt: skip
        assert [p.attributes["rai.provider"] for p in unlisted] == ["(not in the policy)"]
        refused = [s for s in otel.spans() if s.attributes.get("rai.decision") == "blocked"]
        assert {s.attributes["rai.provider"] for s in refused} == {
            "openai-prod",
            "(not in the policy)",
        }
        assert [(p.attributes["rai.entity_type"], p.value) for p in m["rai.pii.redactions"]] == [
            ("EMAIL_ADDRESS", 1)
        ]

    def test_counters_are_shared_by_every_guard_on_a_provider(
        self, server: FakeModelServer, otel: CapturedTelemetry
    ) -> None:
        """The SDK keeps only the first observable counter of a name: a second Telemetry on
        the same provider must count into the same one, not vanish."""
        policy = rai.Policy.from_dict(base_policy(server.base_url))
        second = rai.Telemetry(otel.tracer_provider, otel.meter_provider)
        with (
            rai.Guard(policy, telemetry=otel.telemetry) as a,
            rai.Guard(policy, telemetry=second) as b,
        ):
            for guard in (a, b, b):
                with pytest.raises(rai.UseCaseBlocked):
                    guard.chat("x", **{**MK, "use_case": "surveillance"})
            b.chat("hi", **MK)
        points = otel.metrics()["rai.policy.decisions"]
        got = {
            (p.attributes["rai.decision"], p.attributes["rai.use_case"]): p.value for p in points
        }
        assert got == {("blocked", "surveillance"): 3, ("allowed", "marketing.copy"): 1}

    def test_counters_through_a_global_provider_set_later(self, tmp_path: Any) -> None:
        """Guards made before the app installs its MeterProvider still count (a fresh
        interpreter: the global provider can be set once per process)."""
        import subprocess
        import sys
        import textwrap

        script = textwrap.dedent(
            """
            import json
            import responsible_ai as rai
            from opentelemetry import metrics
            from opentelemetry.sdk.metrics import MeterProvider
            from opentelemetry.sdk.metrics.export import InMemoryMetricReader

            policy = rai.Policy.from_dict(json.loads(POLICY))
            guards = [rai.Guard(policy), rai.Guard(policy)]
            reader = InMemoryMetricReader()
            metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
            for guard in guards:
                try:
                    guard.chat("x", use_case="surveillance", provider="openai-prod", model="gpt-4o-mini")
                except rai.UseCaseBlocked:
                    pass
            counts = {}
            for rm in reader.get_metrics_data().resource_metrics:
                for sm in rm.scope_metrics:
                    for m in sm.metrics:
                        for p in m.data.data_points:
                            counts[m.name] = counts.get(m.name, 0) + getattr(p, "value", getattr(p, "count", 0))
            print(json.dumps(counts))
            """
        )
        policy = json.dumps(base_policy("http://127.0.0.1:9"))
        out = subprocess.run(
            [sys.executable, "-c", f"POLICY = {policy!r}\n{script}"],
            capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        counts = json.loads(out.stdout.strip().splitlines()[-1])
        assert counts["rai.policy.decisions"] == 2

    def test_metric_attributes(self, tguard: rai.Guard, otel: CapturedTelemetry) -> None:
        """Every measurement carries the conventions' attributes: operation, provider,
        requested and served model (token usage: the token type; failures: error.type)."""
        tguard.chat("hi", **MK)
        for _ in tguard.stream("hi", **MK):
            pass
        m = otel.metrics()
        served = {
            gen_ai.GEN_AI_OPERATION_NAME: "chat",
            gen_ai.GEN_AI_PROVIDER_NAME: "openai",
            gen_ai.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
            gen_ai.GEN_AI_RESPONSE_MODEL: "gpt-4o-mini",  # as the fake server answers
        }
        assert [(dict(p.attributes), p.count) for p in m["gen_ai.client.operation.duration"]] == [
            (served, 2)
        ]
        usage = {p.attributes[gen_ai.GEN_AI_TOKEN_TYPE]: p for p in m["gen_ai.client.token.usage"]}
        assert set(usage) == {"input", "output"}
        for kind, point in usage.items():
            assert dict(point.attributes) == {**served, gen_ai.GEN_AI_TOKEN_TYPE: kind}
            assert point.count == 2
        [first] = m["gen_ai.client.operation.time_to_first_chunk"]
        assert dict(first.attributes) == {
            k: v for k, v in served.items() if k != gen_ai.GEN_AI_RESPONSE_MODEL
        }

    def test_measurements_link_to_the_call_span(
        self, tguard: rai.Guard, otel: CapturedTelemetry
    ) -> None:
        """Duration and token measurements carry the call's span as their exemplar, so a
        dashboard can go from a histogram bucket to the trace (as the GenAI utilities do)."""
        tguard.chat("hi", **MK)
        ctx = only(otel).get_span_context()
        m = otel.metrics()
        for name in ("gen_ai.client.operation.duration", "gen_ai.client.token.usage"):
            for point in m[name]:
                assert [(e.trace_id, e.span_id) for e in point.exemplars] == [
                    (ctx.trace_id, ctx.span_id)
                ], name

    def test_metrics_without_tracing(self, server: FakeModelServer) -> None:
        """A meter provider and no tracer provider: measurements, no span, no trace ids."""
        from opentelemetry.trace import NoOpTracerProvider

        otel = CapturedTelemetry()
        telemetry = rai.Telemetry(NoOpTracerProvider(), otel.meter_provider)
        policy = rai.Policy.from_dict(base_policy(server.base_url))
        with rai.Guard(policy, telemetry=telemetry) as guard:
            resp = guard.chat("hi", **MK)
            with pytest.raises(rai.UseCaseBlocked):
                guard.chat("x", **{**MK, "use_case": "surveillance"})
        m = otel.metrics()
        assert {p.attributes["gen_ai.token.type"] for p in m["gen_ai.client.token.usage"]} == {
            "input",
            "output",
        }
        assert len(m["gen_ai.client.operation.duration"]) == 2  # allowed and refused
        assert sum(p.value for p in m["rai.policy.decisions"]) == 2
        assert otel.spans() == [] and resp.provenance is not None
        assert resp.provenance.trace_id is None

    def test_api_alone_is_a_no_op(self, server: FakeModelServer) -> None:
        """With no SDK provider installed, calls work and record nothing (global no-op)."""
        with rai.Guard(rai.Policy.from_dict(base_policy(server.base_url))) as guard:
            assert guard.chat("hi", **MK).text


class TestAudit:
    def test_one_event_per_decision(
        self, tguard: rai.Guard, otel: CapturedTelemetry, events: list[dict[str, Any]]
    ) -> None:
        """allowed, redacted and blocked events, with trace ids, policy and rule; no PII."""
        tguard.chat(
            f"Write to {CANARY} at {CANARY_MAIL}", subject=rai.ClientRecord(name=CANARY), **MK
        )
        with pytest.raises(rai.ConsentRequired):
            tguard.chat(
                f"{CANARY}", use_case="client.support", provider="openai-prod", model="gpt-4o-mini"
            )
        outcomes = [(e["event"], e["outcome"]) for e in events]
        assert outcomes == [
            ("decision", "allowed"),
            ("decision", "redacted"),
            ("decision", "blocked"),
        ]
        allowed, redacted, blocked = events
        span = otel.spans()[0]
        assert (
            allowed["trace_id"] == f"{span.context.trace_id:032x}"
            and allowed["span_id"] == f"{span.context.span_id:016x}"
        )
        assert (
            allowed["policy_version"] == "1.2.3"
            and allowed["rule"] == 'use_cases.rules["marketing.copy"]'
        )
        assert redacted["redactions"] == {"PERSON": 1, "EMAIL_ADDRESS": 1}
        assert blocked["error"] == "ConsentRequired" and blocked["rule"].endswith(
            "requires_consent"
        )
        blob = json.dumps(events)
        assert CANARY not in blob and CANARY_MAIL not in blob

    def test_json_to_the_audit_logger_by_default(
        self, policy: rai.Policy, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger="responsible_ai.audit")
        with rai.Guard(policy) as guard, pytest.raises(rai.UseCaseBlocked):
            guard.chat("x", **{**MK, "use_case": "surveillance"})
        record = next(r for r in caplog.records if r.name == "responsible_ai.audit")
        event = json.loads(record.getMessage())
        assert (
            event["event"] == "decision" and event["outcome"] == "blocked" and "timestamp" in event
        )

    def test_unheard_trail_warns_once(
        self, policy: rai.Policy, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Under Python's default WARNING level the default trail's INFO events go
        nowhere: the library says so once, at WARNING, naming how to receive them."""
        from responsible_ai import _audit

        monkeypatch.setattr(_audit, "_warned", False)
        caplog.set_level(logging.WARNING, logger="responsible_ai.audit")
        with rai.Guard(policy) as guard:
            for _ in range(3):
                with pytest.raises(rai.UseCaseBlocked):
                    guard.chat("x", **{**MK, "use_case": "surveillance"})
        said = [r for r in caplog.records if r.name == "responsible_ai.audit"]
        assert [r.levelno for r in said] == [logging.WARNING]
        assert "audit events are being dropped" in said[0].getMessage()
        assert "AuditTrail(sink=" in said[0].getMessage()

    def test_sink_must_be_callable(self) -> None:
        with pytest.raises(TypeError, match="sink must be a callable"):
            rai.AuditTrail(sink="audit.log")  # type: ignore[arg-type]

    def test_review_event(self, tguard: rai.Guard, events: list[dict[str, Any]]) -> None:
        resp = tguard.chat("x", **MK)
        rai.review(
            resp,
            reviewer="alice",
            decision="approved",
            audit=rai.AuditTrail(events.append, render=False),
            keyring=tguard.keyring(),
        )
        review = events[-1]
        assert (
            review["event"] == "review"
            and review["decision"] == "approved"
            and review["reviewer"] == "alice"
        )

    def test_unknown_fields_dropped(self) -> None:
        out: list[dict[str, Any]] = []
        rai.AuditTrail(out.append, render=False).emit(
            "decision", outcome="allowed", prompt="SECRET"
        )
        assert "prompt" not in out[0]


@pytest.mark.parametrize(
    "changes",
    [
        {"model": f"gpt-4o-{CANARY_MAIL}"},
        {"provider": CANARY_MAIL},
        {"use_case": f"client {CANARY_MAIL}"},
    ],
)
def test_a_refused_call_never_records_the_names_it_was_given(
    tguard: rai.Guard,
    otel: CapturedTelemetry,
    events: list[dict[str, Any]],
    changes: dict[str, str],
) -> None:
    """A refused call's model, provider and use case are the caller's and may hold
    anything: errors, spans and audit events show them only when they are identifiers."""
    decisions: list[rai.Decision] = []
    governance = rai.Governance(
        tguard.policy, telemetry=otel.telemetry, audit=tguard.governance.trail,
        on_decision=decisions.append,
    )  # fmt: skip
    with (
        rai.Guard(governance) as guard,
        pytest.raises((rai.PolicyViolation, rai.ConfigurationError)) as info,
    ):
        guard.chat("hi", **{**MK, **changes})
    recorded = [str(info.value), repr(events), repr(decisions)]
    recorded += [repr(dict(s.attributes or {})) + s.name for s in otel.spans()]
    assert not any("canary-domain" in r for r in recorded), recorded
