"""The transport and the Guard (round 4): the provider's credential header holds its key
or the call is refused, the body's framing is never the caller's, model names are read
per digit run, a refused model name is never recorded, every parameter in a shape's
numeric or boolean fields is in its form, and the Guard takes SDK options as options.
The canaries must never reach the provider (or the record)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai._steps import provider_key
from responsible_ai.testing import FakeModelServer

from .conftest import base_policy, wire

pytestmark = pytest.mark.http

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")

BACKEND = os.environ.get("RAI_SDK_BACKEND", "httpx2")
KEY = "sk-proj-" + "Ab3dE" * 10
CANARIES = ("4111111111111111", "234567890", "jane.roe", "Whitfield", "whitfield")


def assert_clean(text: str) -> None:
    for canary in CANARIES:
        assert canary not in text, canary


@pytest.fixture
def policy(server: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> rai.Policy:
    monkeypatch.setenv("RAI_R4_KEY", KEY)
    data = base_policy(server.base_url)
    data["providers"][0]["api_key_env"] = data["providers"][1]["api_key_env"] = "RAI_R4_KEY"
    return rai.Policy.from_dict(data)


@pytest.fixture
def oai(policy: rai.Policy, server: FakeModelServer) -> Iterator[Any]:
    http = rai.http_client(policy, backend=BACKEND, use_case="engineering")
    with openai.OpenAI(
        base_url=server.base_url, api_key=KEY, http_client=http, max_retries=0
    ) as client:
        yield client


@pytest.fixture
def ant(policy: rai.Policy, server: FakeModelServer) -> Iterator[Any]:
    http = rai.http_client(policy, backend=BACKEND, use_case="engineering")
    with anthropic.Anthropic(
        base_url=server.base_url.removesuffix("/v1"), api_key=KEY, http_client=http,
        max_retries=0,
    ) as client:  # fmt: skip
        yield client


def _chat(client: Any, **kw: Any) -> Any:
    return client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], **kw
    )


def _message(client: Any, **kw: Any) -> Any:
    return client.messages.create(
        model="claude-haiku-4-5", max_tokens=5, messages=[{"role": "user", "content": "hi"}],
        **kw,
    )  # fmt: skip


TOKENS = [
    "4111111111111111abcdefgh",
    "jane.roe.example.4111111111111111",
    "sk-proj-4111111111111111-234567890",
    "Grace.Whitfield.x.y.z.abcdef",
    "sk-test-jane.roe-1234567890",
    "4111111111111111/jane/roe/x",
    KEY + "4111111111111111",  # the key with a card after it
    KEY[:-1],  # almost the key
]


class TestCredentialHeaders:
    @pytest.mark.parametrize("token", TOKENS)
    def test_openai_bearer_that_is_not_the_key_is_refused(
        self, oai: Any, server: FakeModelServer, token: str
    ) -> None:
        for value in (f"Bearer {token}", f"bearer {token}", token):
            with pytest.raises(rai.RedactionFailed) as info:
                _chat(oai, extra_headers={"Authorization": value})
            assert_clean(str(info.value))
            assert token not in str(info.value)
        assert server.requests == []

    @pytest.mark.parametrize("token", TOKENS)
    def test_anthropic_key_headers_that_are_not_the_key_are_refused(
        self, ant: Any, server: FakeModelServer, token: str
    ) -> None:
        for headers in ({"x-api-key": token}, {"Authorization": f"Bearer {token}"}):
            with pytest.raises(rai.RedactionFailed) as info:
                _message(ant, extra_headers=headers)
            assert token not in str(info.value)
        assert server.requests == []

    def test_the_key_passes_as_it_is(self, oai: Any, ant: Any, server: FakeModelServer) -> None:
        _chat(oai)
        assert server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
        _message(ant)
        sent = server.requests[-1].headers
        assert sent.get("x-api-key", KEY) == KEY
        assert sent.get("authorization", f"Bearer {KEY}") == f"Bearer {KEY}"
        _message(ant, extra_headers={"x-api-key": KEY})
        assert server.requests[-1].headers["x-api-key"] == KEY

    def test_a_second_value_must_be_the_key_too(
        self, policy: rai.Policy, server: FakeModelServer
    ) -> None:
        http = rai.http_client(
            policy, backend=BACKEND, use_case="engineering",
            headers=[("authorization", f"Bearer {KEY}"),
                     ("authorization", "Bearer jane.roe.4111111111111111.abcdef")],
        )  # fmt: skip
        with pytest.raises(rai.RedactionFailed):
            http.post(f"{server.base_url}/chat/completions", json={
                "model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})  # fmt: skip
        assert server.requests == []
        http.close()

    def test_a_provider_without_a_key_gets_no_credential(self, server: FakeModelServer) -> None:
        """No api_key_env: the policy gives the provider no key, so whatever the SDK
        was given is not sent (the SDKs insist on a key)."""
        policy = rai.Policy.from_dict(base_policy(server.base_url))
        http = rai.http_client(policy, backend=BACKEND, use_case="engineering")
        with openai.OpenAI(
            base_url=server.base_url, api_key="sk-jane.roe-4111111111111111", http_client=http,
            max_retries=0,
        ) as client:  # fmt: skip
            _chat(client)
        assert "authorization" not in server.requests[-1].headers
        assert_clean(wire(server))

    def test_the_key_variable_unset_is_a_configuration_error(
        self, oai: Any, server: FakeModelServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("RAI_R4_KEY")
        with pytest.raises(rai.ConfigurationError, match="RAI_R4_KEY"):
            _chat(oai)
        assert server.requests == []

    def test_the_rule(self, policy: rai.Policy) -> None:
        p = policy.providers[0]
        assert provider_key(b"authorization", [f"Bearer {KEY}".encode()], p)
        assert provider_key(b"authorization", [f"BEARER {KEY}".encode()], p)
        for value in (KEY, f"Basic {KEY}", f"Bearer {KEY} ", f"Bearer  {KEY}", "", "Bearer"):
            with pytest.raises(rai.RedactionFailed):
                provider_key(b"authorization", [value.encode()], p)
        assert provider_key(b"x-api-key", [KEY.encode()], p)
        with pytest.raises(rai.RedactionFailed):
            provider_key(b"x-api-key", [f"Bearer {KEY}".encode()], p)


class TestFraming:
    @pytest.mark.parametrize(
        "headers",
        [
            {"Content-Length": "234567890"},
            {"Content-Length": "4111111111111111"},
            {"Content-Length": "000234567890"},
            {"Content-Length": "1"},
            {"Transfer-Encoding": "chunked"},
            {"Transfer-Encoding": "gzip, chunked"},
        ],
    )
    def test_the_callers_framing_never_leaves(
        self, oai: Any, server: FakeModelServer, headers: dict[str, str]
    ) -> None:
        _chat(oai, extra_headers=headers)
        sent = server.requests[-1]
        assert sent.headers["content-length"] == str(len(sent.raw))
        assert "transfer-encoding" not in sent.headers
        assert_clean(wire(server))


def _models_policy(server: FakeModelServer) -> rai.Policy:
    data = base_policy(server.base_url)
    for p in data["providers"][:2]:
        p["models"] = ["*"]
    return rai.Policy.from_dict(data)


class TestModelNames:
    @pytest.mark.parametrize(
        ("provider", "model"),
        [
            ("openai-prod", "ft:gpt-4o-mini-2024-07-18:acme-bank::AbC12345"),
            ("openai-prod", "ft:gpt-4.1-2025-04-14:acme-bank:risk-v2:BcD67890"),
            ("openai-prod", "gpt-4o-2024-08-06"),
            ("openai-prod", "meta-llama/Llama-3.1-70B-Instruct"),
            ("openai-prod", "mistralai/Mixtral-8x7B-Instruct-v0.1"),
            ("openai-prod", "prod-gpt4o-eastus2-2024-11"),  # an Azure deployment name
            ("anthropic-prod", "claude-3-5-sonnet-20241022"),
            ("anthropic-prod", "claude-3-7-sonnet-20250219"),
        ],
    )
    def test_dated_versioned_and_fine_tuned_ids_pass(
        self, server: FakeModelServer, provider: str, model: str
    ) -> None:
        with rai.Guard(_models_policy(server)) as guard:
            kw = {"max_tokens": 5} if provider == "anthropic-prod" else {}
            guard.chat("hi", use_case="engineering", provider=provider, model=model, **kw)
        assert server.requests[-1].body["model"] == model

    @pytest.mark.parametrize(
        "model",
        [
            "gpt-4.1-234567890",
            "gpt-4.1-ssn-234567890",
            "gpt-4.1-442079460958",
            "ft:gpt-4o:acme:4111111111111111:x",
            "gpt-4.1-4111-1111-1111-1111",
            "gpt-4.1-234-56-7890",
            "gpt-4.1-jane@roe.example",
        ],
    )
    def test_an_identifier_in_a_model_name_is_refused_and_never_recorded(
        self, server: FakeModelServer, model: str
    ) -> None:
        events: list[dict[str, Any]] = []
        trail = rai.AuditTrail(sink=events.append, render=False)
        with rai.Guard(_models_policy(server), audit=trail) as guard:
            for _ in range(2):  # the second time too (names are memoised)
                with pytest.raises(rai.RedactionFailed) as info:
                    guard.chat("hi", use_case="engineering", provider="openai-prod", model=model)
                assert_clean(str(info.value))
        assert server.requests == []
        assert events and all(e["model"] == "<refused model name>" for e in events)
        assert_clean(json.dumps(events, default=str))

    def test_a_model_not_on_the_allow_list_is_not_quoted(self, server: FakeModelServer) -> None:
        events: list[dict[str, Any]] = []
        policy = rai.Policy.from_dict(base_policy(server.base_url))
        trail = rai.AuditTrail(sink=events.append, render=False)
        with rai.Guard(policy, audit=trail) as g, pytest.raises(rai.ModelNotApproved) as info:
            g.chat("hi", use_case="engineering", provider="openai-prod", model="x-234567890")
        assert "234567890" not in str(info.value) + json.dumps(events, default=str)

    def test_a_model_the_policy_names_is_recorded(self, server: FakeModelServer) -> None:
        events: list[dict[str, Any]] = []
        policy = rai.Policy.from_dict(base_policy(server.base_url))
        with rai.Guard(policy, audit=rai.AuditTrail(sink=events.append, render=False)) as g:
            g.chat("hi", use_case="engineering", provider="openai-prod", model="gpt-4o-mini")
        assert events[-1]["model"] == "gpt-4o-mini"


MK = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}


class TestParameters:
    @pytest.mark.parametrize(
        "body",
        [
            {"store": 234567890},
            {"store": "true"},
            {"parallel_tool_calls": 234567890},
            {"logprobs": 1},
            {"background": 234567890},
            {"stream_options": {"include_usage": 234567890}},
            {"max_tool_calls": 234567890},
            {"top_logprobs": 234567890},
            {"reasoning": {"max_tokens": 234567890}},
            {"reasoning": {"effort": "low", "exclude": 234567890}},
            {"repetition_penalty": 234567890},
            {"min_p": 4111111111111111.0},
            {"thinking": {"type": "enabled", "budget_tokens": 234567890}},
        ],
    )
    def test_every_format_refuses_a_parameter_out_of_form(
        self, oai: Any, server: FakeModelServer, body: dict[str, Any]
    ) -> None:
        with pytest.raises(rai.RedactionFailed) as info:
            _chat(oai, extra_body=body)
        with pytest.raises(rai.RedactionFailed):
            oai.responses.create(model="gpt-4o-mini", input="hi", extra_body=body)
        assert server.requests == []
        assert_clean(str(info.value))

    @pytest.mark.parametrize(
        "body",
        [
            {"tool_choice": {"type": "auto", "disable_parallel_tool_use": 234567890}},
            {"tool_choice": {"type": "auto", "disable_parallel_tool_use": "yes"}},
            {"thinking": {"type": "enabled", "budget_tokens": 4111111111111111}},
            {"stream": 234567890},
        ],
    )
    def test_anthropic_refuses_a_parameter_out_of_form(
        self, ant: Any, server: FakeModelServer, body: dict[str, Any]
    ) -> None:
        with pytest.raises(rai.RedactionFailed):
            _message(ant, extra_body=body)
        assert server.requests == []

    def test_booleans_and_counts_in_form_pass(self, oai: Any, server: FakeModelServer) -> None:
        oai.responses.create(
            model="gpt-4o-mini", input="hi", max_tool_calls=3, top_logprobs=2, background=False,
            store=False, parallel_tool_calls=True,
        )  # fmt: skip
        body = server.requests[-1].body
        assert (body["max_tool_calls"], body["top_logprobs"], body["store"]) == (3, 2, False)

    @pytest.mark.parametrize(
        ("params", "sent"),
        [
            ({"temperature": 2 / 3}, {"temperature": 0.666667}),
            ({"top_p": 1 / 3}, {"top_p": 0.333333}),
            ({"temperature": 0.4111111111111111}, {"temperature": 0.411111}),
            ({"frequency_penalty": -1 / 7}, {"frequency_penalty": -0.142857}),
            ({"temperature": 0.1 + 0.2, "top_p": 0.95}, {"temperature": 0.1 + 0.2, "top_p": 0.95}),
        ],
    )
    def test_a_floats_noise_is_rounded_to_six_decimals(
        self, policy: rai.Policy, server: FakeModelServer, params: dict[str, Any],
        sent: dict[str, Any],
    ) -> None:  # fmt: skip
        with rai.Guard(policy) as guard:
            guard.chat("hi", **params, **MK)
        body = json.loads(server.requests[-1].raw)
        assert {k: body[k] for k in sent} == sent
        assert "4111111111111111" not in server.requests[-1].raw.decode()

    def test_a_seed_the_size_of_an_identifier_says_how_to_fix_it(
        self, policy: rai.Policy, server: FakeModelServer
    ) -> None:
        with rai.Guard(policy) as guard, pytest.raises(rai.RedactionFailed) as info:
            guard.chat("hi", seed=234567890, **MK)
        assert "below 10^6" in str(info.value) and "234567890" not in str(info.value)


class TestGuardOptions:
    @pytest.mark.parametrize(
        "options",
        [
            {"extra_headers": {"Authorization": "Bearer sk-jane.roe-4111111111111111-x"}},
            {"extra_headers": {"Content-Length": "234567890"}},
            {"extra_query": {"q": "4111111111111111"}},
            {"timeout": 234567890},
            {"max_retries": 3},
        ],
    )
    def test_an_sdk_option_a_guard_cannot_honour_is_refused(
        self, policy: rai.Policy, server: FakeModelServer, options: dict[str, Any]
    ) -> None:
        with rai.Guard(policy) as guard, pytest.raises(TypeError) as info:
            guard.chat("hi", **MK, **options)
        with rai.Guard(policy) as guard, pytest.raises(TypeError):
            list(guard.stream("hi", **MK, **options))
        assert server.requests == []
        assert_clean(str(info.value))

    def test_extra_body_is_the_bodys_fields(
        self, policy: rai.Policy, server: FakeModelServer
    ) -> None:
        with rai.Guard(policy) as guard:
            guard.chat("hi", **MK, temperature=0.5, extra_body={"top_p": 0.9})
        body = json.loads(server.requests[-1].raw)
        assert body["top_p"] == 0.9 and body["temperature"] == 0.5
        assert "extra_body" not in body

    @pytest.mark.parametrize(
        "extra",
        [
            {"temperature": 0.1},  # given twice
            {"model": "gpt-4o"},
            {"use_case": "hr"},
            {"units": 5},
            {"extra_headers": {"x": "1"}},
            {"seed": 234567890},  # a field is checked as the body's
        ],
    )
    def test_extra_body_cannot_name_what_is_not_a_body_field(
        self, policy: rai.Policy, server: FakeModelServer, extra: dict[str, Any]
    ) -> None:
        with rai.Guard(policy) as guard, pytest.raises((TypeError, rai.RedactionFailed)):
            guard.chat("hi", **MK, temperature=0.5, extra_body=extra)
        assert server.requests == []


class TestModelRecords:
    @pytest.mark.parametrize(
        "model", ["gpt-4.1-234567890", "gpt-4.1-ssn-234567890", "gpt-4.1-4111-1111-1111-1111"]
    )
    def test_spans_and_metrics_carry_no_refused_model_name(
        self, server: FakeModelServer, model: str
    ) -> None:
        from responsible_ai.testing import CapturedTelemetry

        events: list[dict[str, Any]] = []
        otel = CapturedTelemetry()
        governance = rai.Governance(
            _models_policy(server), audit=rai.AuditTrail(events.append, render=False),
            telemetry=otel,
        )  # fmt: skip
        with rai.Guard(governance) as guard:
            for _ in range(2):
                with pytest.raises(rai.RedactionFailed):
                    guard.chat("hi", use_case="engineering", provider="openai-prod", model=model)
        spans = [json.dumps(dict(s.attributes or {}), default=str) for s in otel.spans()]
        blob = json.dumps(events, default=str) + " ".join(spans)
        blob += json.dumps(otel.metric_attributes(), default=str)
        # the model's digits, whole or by group ("4111" alone can be part of a random id)
        assert all(part not in blob for part in ("234567890", "4.1-4111", "4111-1111", "1111-1111"))
        assert "<refused model name>" in blob
