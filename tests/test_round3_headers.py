"""Headers, parameters, audit records and logs (round 3): only the protocol passes in its
strict form, a numeric parameter is a small number or the call is refused, a governance
field cannot ride in a parameter, and no record carries a caller's free text. Each class
is tested with several cases beyond the attacker's examples; the canaries must never
reach the provider (or the record)."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai._transport._protocol import credential_headers, is_protocol
from responsible_ai.testing import CapturedTelemetry, FakeModelServer

from .conftest import base_policy, wire

pytestmark = pytest.mark.http

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")

BACKEND = os.environ.get("RAI_SDK_BACKEND", "httpx2")
MK = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}
CARD, MAIL, SSN = "4111111111111111", "jane.roe@mail.example", "234-56-7890"
CANARIES = (CARD, "4111 1111", MAIL, "jane.roe", SSN, "234567890", "hope-okonkwo", "okonkwo")
KEY = "sk-proj-" + "Ab3dE" * 10  # a key's form: long, random, no long run of digits


def assert_clean(text: str) -> None:
    for canary in CANARIES:
        assert canary not in text, canary


@pytest.fixture
def policy(server: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> rai.Policy:
    data = base_policy(server.base_url)
    monkeypatch.setenv("RAI_R3_KEY", KEY)  # the SDKs' key is the policy's
    data["providers"][0]["api_key_env"] = data["providers"][1]["api_key_env"] = "RAI_R3_KEY"
    data["access"] = {"use_cases": {"hr": {"teams": ["platform", "core"]}}}  # names teams
    return rai.Policy.from_dict(data)


@pytest.fixture
def sdk(policy: rai.Policy, server: FakeModelServer) -> Iterator[Any]:
    http = rai.http_client(policy, backend=BACKEND, use_case="engineering")
    with openai.OpenAI(
        base_url=server.base_url, api_key=KEY, http_client=http, max_retries=0
    ) as client:
        yield client


def _chat(client: Any, **kw: Any) -> Any:
    return client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], **kw
    )


class TestProtocolHeadersInTheirStrictForm:
    @pytest.mark.parametrize(
        "headers",
        [
            {"Accept": CARD},
            {"Accept": f"application/json, {MAIL}"},
            {"Accept": f"application/{MAIL}"},
            {"Accept-Encoding": f"gzip, {MAIL}"},
            {"Content-Type": f"application/json; charset={CARD}"},
            {"Content-Type": f"text/{MAIL}"},
            {"Host": f"{CARD}.example"},
            {"traceparent": f"00-{'0af7' * 8}-{CARD}-01"},  # not the current span's
            {"traceparent": f"00-{'a' * 32}-{'b' * 16}-01 {MAIL}"},
            {"Connection": f"close {MAIL}"},
        ],
    )
    def test_a_protocol_header_out_of_form_is_content(
        self, sdk: Any, server: FakeModelServer, headers: dict[str, str]
    ) -> None:
        """A protocol header whose value is not its protocol's strict form is scanned
        (or, for a malformed one, refused by the HTTP library): nothing leaves raw."""
        with contextlib.suppress(openai.APIConnectionError):  # a value httpx will not send
            _chat(sdk, extra_headers=headers)
        assert_clean(wire(server))

    @pytest.mark.parametrize(
        "headers",
        [
            {"api-key": MAIL},  # an Azure key header on an OpenAI provider
            {"x-api-key": CARD},  # Anthropic's on an OpenAI provider
            {"Proxy-Authorization": f"Bearer {MAIL}"},
        ],
    )
    def test_only_the_providers_own_key_passes(
        self, sdk: Any, server: FakeModelServer, headers: dict[str, str]
    ) -> None:
        """A credential header the provider does not use is content (the provider's own
        holding anything but its key is refused: tests/test_round4_transport.py)."""
        _chat(sdk, extra_headers=headers)
        assert_clean(wire(server))

    def test_the_providers_key_and_the_sdks_own_headers_leave_as_they_are(
        self, sdk: Any, server: FakeModelServer
    ) -> None:
        _chat(sdk)
        sent = server.requests[-1].headers
        assert sent["authorization"] == f"Bearer {KEY}"
        assert sent["content-type"] == "application/json"

    def test_anthropic_version_is_a_published_one(
        self, policy: rai.Policy, server: FakeModelServer
    ) -> None:
        http = rai.http_client(policy, backend=BACKEND, use_case="engineering")
        base = server.base_url.removesuffix("/v1")
        with anthropic.Anthropic(
            base_url=base, api_key=KEY, http_client=http, max_retries=0
        ) as client:
            for version in (f"2023-06-01 {MAIL}", CARD, f"{SSN}"):
                client.messages.create(
                    model="claude-haiku-4-5", max_tokens=5, extra_headers={
                        "anthropic-version": version, "anthropic-beta": MAIL},
                    messages=[{"role": "user", "content": "hi"}],
                )  # fmt: skip
            assert_clean(wire(server))
            client.messages.create(
                model="claude-haiku-4-5", max_tokens=5,
                messages=[{"role": "user", "content": "hi"}],
            )  # fmt: skip
        sent = server.requests[-1].headers  # the SDK's own version and key, as they are
        assert sent["anthropic-version"] == anthropic._constants.ANTHROPIC_API_VERSION
        assert sent["authorization"] == f"Bearer {KEY}"  # anthropic >= 2: a bearer token

    def test_traceparent_of_the_current_span_passes(
        self, sdk: Any, server: FakeModelServer
    ) -> None:
        """A propagator's traceparent (the current span's ids) leaves as it is."""
        otel = CapturedTelemetry()
        with otel.tracer_provider.get_tracer("t").start_as_current_span("app") as span:
            ctx = span.get_span_context()
            parent = f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-01"
            _chat(sdk, extra_headers={"traceparent": parent})
        assert server.requests[-1].headers["traceparent"] == parent


def _provider(kind: str, url: str) -> rai.Provider:
    return rai.Policy.from_dict({
        "policy": {"id": "p", "version": "1"},
        "providers": [{"name": "p", "kind": kind, "base_url": url, "models": ["m"],
                       "tier": "enterprise"}],
    }).providers[0]  # fmt: skip


class TestProtocolRule:
    def test_credentials_by_provider(self) -> None:
        openai_p = _provider("openai", "https://api.openai.com/v1")
        azure = _provider("openai", "https://acme.openai.azure.com/openai")
        claude = _provider("anthropic", "https://api.anthropic.com/v1")
        assert credential_headers(openai_p) == {b"authorization"}
        assert credential_headers(azure) == {b"authorization", b"api-key"}
        assert credential_headers(claude) == {b"authorization", b"x-api-key"}
        for p in (openai_p, azure, claude):  # another provider's header is content
            for name in (b"api-key", b"x-api-key", b"authorization"):
                if name not in credential_headers(p):
                    assert not is_protocol(name, KEY.encode(), p, b"api.openai.com")

    def test_forms(self) -> None:
        p = _provider("openai", "https://api.openai.com/v1")
        ok = [
            (b"accept", b"application/json"), (b"accept", b"text/event-stream"),
            (b"accept", b"*/*"), (b"accept-encoding", b"gzip, deflate, br, zstd"),
            (b"accept-encoding", b"gzip;q=1.0, identity; q=0.5"),
            (b"content-type", b"application/json; charset=utf-8"),
            (b"host", b"API.openai.com"),
        ]  # fmt: skip
        bad = [
            (b"accept", b"application/json; x=" + CARD.encode()), (b"accept", b"text/x"),
            (b"accept-encoding", b"gzip-4111"), (b"content-type", b"text/plain"),
            (b"content-type", b"application/json; charset=latin-4111"),
            (b"host", b"api.openai.com.evil.example"), (b"anthropic-version", b"2023-06-01"),
            (b"traceparent", b"00-" + b"a" * 32 + b"-" + b"b" * 16 + b"-01"),
            (b"user-agent", b"OpenAI/Python 1.0"), (b"x-stainless-lang", b"python"),
        ]  # fmt: skip
        for name, value in ok:
            assert is_protocol(name, value, p, b"api.openai.com"), (name, value)
        for name, value in bad:
            assert not is_protocol(name, value, p, b"api.openai.com"), (name, value)


class TestStructuralNumbers:
    @pytest.mark.parametrize(
        "params",
        [
            {"seed": 234567890},
            {"seed": 4111111111111111},
            {"max_tokens": 234567890},
            {"max_completion_tokens": 4155550132},
            {"top_logprobs": 10203040},
            {"frequency_penalty": -234567890.0},
            {"seed": 2.3456789e8},
            {"seed": "234567890"},
            {"logit_bias": {"234567890": 1}},
            {"logit_bias": {"50256": 0.4111111111111111}},
            {"logit_bias": {MAIL: 1}},
        ],
    )
    def test_a_number_that_could_be_an_identifier_is_refused(
        self, policy: rai.Policy, server: FakeModelServer, params: dict[str, Any]
    ) -> None:
        with rai.Guard(policy) as guard, pytest.raises(rai.RedactionFailed) as info:
            guard.chat("hi", **params, **MK)
        assert server.requests == []
        assert_clean(str(info.value))

    @pytest.mark.parametrize(
        ("provider", "model", "params"),
        [
            ("anthropic-prod", "claude-haiku-4-5", {"max_tokens": 234567890}),
            ("anthropic-prod", "claude-haiku-4-5",
             {"max_tokens": 5, "thinking": {"type": "enabled", "budget_tokens": 234567890}}),
        ],
    )  # fmt: skip
    def test_in_every_wire_format(
        self,
        policy: rai.Policy,
        server: FakeModelServer,
        provider: str,
        model: str,
        params: dict[str, Any],
    ) -> None:
        with rai.Guard(policy) as guard, pytest.raises(rai.RedactionFailed):
            guard.chat("hi", use_case="engineering", provider=provider, model=model, **params)
        assert server.requests == []

    def test_on_the_sdk_path(self, sdk: Any, server: FakeModelServer) -> None:
        for params in ({"seed": 234567890}, {"temperature": 4111111111111111.0}):
            with pytest.raises(rai.RedactionFailed):
                _chat(sdk, **params)
        with pytest.raises(rai.RedactionFailed):
            sdk.responses.create(model="gpt-4o-mini", input="hi", max_output_tokens=234567890)
        assert server.requests == []

    def test_settings_pass(self, policy: rai.Policy, server: FakeModelServer) -> None:
        """Counts and settings, float noise included, leave as they are."""
        params = {"seed": 42, "temperature": 0.1 + 0.2, "top_p": 0.95, "max_tokens": 4096,
                  "logit_bias": {"50256": -100, "1234": 2.5}, "frequency_penalty": -0.5}  # fmt: skip
        with rai.Guard(policy) as guard:
            guard.chat("hi", **params, **MK)
        body = json.loads(server.requests[0].raw)
        assert {k: body[k] for k in params} == params


class TestNamesInStructure:
    @pytest.mark.parametrize(
        "model", ["gpt-4.1-234-56-7890", "gpt-4.1-10.20.30.40", f"gpt-4.1-{CARD[:12]}"]
    )
    def test_a_model_name_with_a_finding_is_refused(
        self, policy: rai.Policy, server: FakeModelServer, model: str
    ) -> None:
        with rai.Guard(policy) as guard, pytest.raises(rai.RedactionFailed):
            guard.chat("hi", **{**MK, "model": model})
        assert server.requests == []

    def test_real_model_names_pass(self, policy: rai.Policy, server: FakeModelServer) -> None:
        with rai.Guard(policy) as guard:
            for model in ("gpt-4.1-2025-04-14", "gpt-4.1-mini", "gpt-4.1-nano-2025-04-14"):
                guard.chat("hi", **{**MK, "model": model})
        assert len(server.requests) == 3


class TestGovernanceFieldsInParameters:
    @pytest.mark.parametrize(
        "extra_body",
        [
            {"units": 0},
            {"x-rai-units": 1},
            {"conversation": "c-1"},
            {"data_class": "public"},
            {"extra_headers": {"x-rai-use-case": "surveillance"}},
            {"extra_headers": {"X-RAI-Units": "0"}},
            {"extra_query": {"use_case": "marketing"}},
            {"metadata": {"principal": "someone"}},
        ],
    )
    def test_refused_at_decoration(self, policy: rai.Policy, extra_body: dict[str, Any]) -> None:
        with pytest.raises(TypeError, match="governance field"):
            rai.governed(policy=policy, extra_body=extra_body, **MK)

    def test_metadata_as_a_model_parameter_too(self, policy: rai.Policy) -> None:
        with pytest.raises(TypeError, match="governance field"):
            rai.governed(policy=policy, metadata={"units": 1}, **MK)

    def test_vendor_parameters_pass(self, policy: rai.Policy, server: FakeModelServer) -> None:
        with rai.Guard(policy) as guard:

            @rai.governed(guard=guard, extra_body={"top_k": 3, "metadata": {"run": "r1"}}, **MK)
            def ask() -> str:
                return rai.client().complete("hi")

            ask()
        assert json.loads(server.requests[0].raw)["metadata"] == {"run": "r1"}


@pytest.fixture
def recorded(policy: rai.Policy) -> Iterator[tuple[rai.Guard, list[dict[str, Any]], Any]]:
    events: list[dict[str, Any]] = []
    otel = CapturedTelemetry()
    governance = rai.Governance(
        policy, audit=rai.AuditTrail(events.append, render=False), telemetry=otel,
        pseudonymizer=rai.Pseudonymizer(bytes(32)),
    )  # fmt: skip
    with rai.Guard(governance) as guard:
        yield guard, events, otel


def _records(events: list[dict[str, Any]], otel: Any, error: str = "") -> str:
    spans = [json.dumps(dict(s.attributes or {}), default=str) + s.name for s in otel.spans()]
    points = json.dumps(otel.metric_attributes(), default=str)
    return json.dumps(events, default=str) + " ".join(spans) + points + error


class TestRecordsCarryNoFreeText:
    @pytest.mark.parametrize(
        "tag",
        [
            f"engineering.client-{CARD}",
            "engineering.hope-okonkwo",
            "engineering.jane-roe.notes",
            "engineering.234567890",
        ],
    )
    def test_an_undeclared_child_tag_is_recorded_as_its_rule_and_a_hash(
        self, recorded: Any, server: FakeModelServer, tag: str
    ) -> None:
        guard, events, otel = recorded
        resp = guard.chat("hi", **{**MK, "use_case": tag})
        assert resp.decision.use_case.startswith("engineering.p-")
        assert resp.decision.rule == 'use_cases.rules["engineering"]'
        assert resp.provenance is not None and resp.provenance.use_case == resp.decision.use_case
        again = guard.chat("hi", **{**MK, "use_case": tag}).decision.use_case
        assert again == resp.decision.use_case  # the same tag, the same record
        assert_clean(_records(events, otel))
        assert "jane-roe" not in _records(events, otel)

    @pytest.mark.parametrize("tag", ["surveillance.jane-roe", "jane.roe", f"hr-{CARD}.x"])
    def test_refused_tags_too(self, recorded: Any, server: FakeModelServer, tag: str) -> None:
        guard, events, otel = recorded
        with pytest.raises(rai.UseCaseBlocked) as info:
            guard.chat("hi", **{**MK, "use_case": tag})
        blob = _records(events, otel, str(info.value) + repr(info.value.use_case))
        assert "jane" not in blob and CARD not in blob
        assert server.requests == []

    def test_declared_tags_stay_readable(self, recorded: Any) -> None:
        guard = recorded[0]
        assert guard.chat("hi", **MK).decision.use_case == "engineering"
        with pytest.raises(rai.UseCaseBlocked, match="'surveillance' must not use AI"):
            guard.chat("hi", **{**MK, "use_case": "surveillance"})

    def test_the_use_case_header(
        self, recorded: Any, server: FakeModelServer, policy: rai.Policy
    ) -> None:
        guard, events, otel = recorded
        with rai.http_client(guard, backend=BACKEND) as http:
            client = openai.OpenAI(
                base_url=server.base_url, api_key=KEY, http_client=http, max_retries=0
            )
            _chat(client, extra_headers={"x-rai-use-case": "engineering.jane-roe"})
            with pytest.raises(rai.UseCaseBlocked) as info:
                _chat(client, extra_headers={"x-rai-use-case": f"surveillance.{CARD}"})
        blob = _records(events, otel, str(info.value))
        assert "jane-roe" not in blob and CARD not in blob
        assert "x-rai-use-case" not in wire(server)

    def test_consent_subject_and_reference_are_pseudonyms(self, recorded: Any) -> None:
        guard, events, otel = recorded
        consent = rai.Consent(subject="hope.okonkwo", scope="client.support",
                              reference="crm:jane-roe")  # fmt: skip
        resp = guard.chat("hi", **{**MK, "use_case": "client.support"}, consent=consent)
        kept = resp.decision.consent
        assert kept is not None and kept.scope == "client.support"
        p = rai.Pseudonymizer(bytes(32)).pseudonym
        assert (kept.subject, kept.reference) == (
            p("subject", "hope.okonkwo"), p("consent_reference", "crm:jane-roe"),
        )  # fmt: skip
        blob = _records(events, otel)
        assert "okonkwo" not in blob and "jane-roe" not in blob

    def test_undeclared_teams_and_roles_are_pseudonyms(self, recorded: Any) -> None:
        guard, events, otel = recorded
        who = rai.Principal("u-1", roles=["jane-roe"], teams=["platform", "hope-okonkwo"])
        decision = guard.chat("hi", **MK, principal=who).decision
        assert decision.teams[0] == "platform" and decision.teams[1].startswith("p:")
        assert decision.roles[0].startswith("p:")
        blob = _records(events, otel)
        assert "okonkwo" not in blob and "jane-roe" not in blob and "platform" in blob


class TestUpstreamCapture:
    @pytest.fixture
    def refusing(self, server: FakeModelServer) -> rai.Policy:
        data = base_policy(server.base_url)
        data["pii"] = {"upstream_capture": "refuse"}
        return rai.Policy.from_dict(data)

    @pytest.mark.parametrize(
        ("sdk_name", "logger_name"),
        [
            ("anthropic", "anthropic._base_client"),
            ("anthropic", "anthropic.lib.streaming"),
            ("openai", "openai._base_client"),
            ("openai", "openai.resources.chat.completions"),
        ],
    )
    def test_a_child_logger_at_debug_is_capture(
        self, refusing: rai.Policy, server: FakeModelServer, sdk_name: str, logger_name: str
    ) -> None:
        """Any logger under openai./anthropic. that writes DEBUG records refuses: when the
        client is made (before the SDK could log a request), and at each request when the
        logging was set up later (the SDK logged, but nothing is sent)."""
        buf = io.StringIO()
        handler = logging.StreamHandler(buf)
        logger = logging.getLogger(logger_name)
        old = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        try:
            with pytest.raises(rai.ConfigurationError, match="upstream_capture"):
                rai.http_client(refusing, backend=BACKEND, use_case="engineering")
            logger.setLevel(old)
            http = rai.http_client(refusing, backend=BACKEND, use_case="engineering")
            logger.setLevel(logging.DEBUG)  # set up after the client was made
            with pytest.raises(rai.ConfigurationError, match="upstream_capture"):
                _send(sdk_name, http, server)
            http.close()
        finally:
            logger.removeHandler(handler)
            logger.setLevel(old)
        assert server.requests == []

    def test_the_http_librarys_request_log_with_a_redacted_query(
        self, refusing: rai.Policy, server: FakeModelServer
    ) -> None:
        buf = io.StringIO()
        handler = logging.StreamHandler(buf)
        loggers = [logging.getLogger(n) for n in ("httpx2", "httpx")]
        olds = [lg.level for lg in loggers]
        for lg in loggers:
            lg.setLevel(logging.INFO)
            lg.addHandler(handler)
        try:
            http = rai.http_client(refusing, backend=BACKEND, use_case="engineering")
            client = openai.OpenAI(
                base_url=server.base_url, api_key=KEY, http_client=http, max_retries=0
            )
            _chat(client, extra_query={"api-version": "2024-06-01"})  # nothing to redact
            assert len(server.requests) == 1
            with pytest.raises(rai.ConfigurationError, match="INFO"):
                _chat(client, extra_query={"c": MAIL})
            client.close()
        finally:
            for lg, old in zip(loggers, olds, strict=True):
                lg.removeHandler(handler)
                lg.setLevel(old)
        assert len(server.requests) == 1 and MAIL not in buf.getvalue()


def _send(sdk_name: str, http: Any, server: FakeModelServer) -> None:
    if sdk_name == "anthropic":
        anthropic.Anthropic(
            base_url=server.base_url.removesuffix("/v1"), api_key=KEY, http_client=http,
            max_retries=0,
        ).messages.create(
            model="claude-haiku-4-5", max_tokens=5,
            messages=[{"role": "user", "content": f"card {CARD}"}],
        )  # fmt: skip
    else:
        openai.OpenAI(
            base_url=server.base_url, api_key=KEY, http_client=http, max_retries=0
        ).chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": CARD}]
        )  # fmt: skip
