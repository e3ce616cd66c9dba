"""Governed calls over real HTTP to a model server on 127.0.0.1: sync, async, streams,
retries, time-outs, fallback. Runs on httpx2 and on httpx (RAI_HTTP_BACKEND)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer, stand_in_answer

from .conftest import CANARY, AsyncSleeps, Sleeps, base_policy

pytestmark = pytest.mark.http

MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}
AN = {"use_case": "marketing.copy", "provider": "anthropic-prod", "model": "claude-haiku-4-5"}
PROMPT = "Write a tagline for our savings account."


@pytest.fixture
async def aguard(
    policy: rai.Policy, async_sleeps: AsyncSleeps, audit: list[rai.Decision]
) -> AsyncIterator[rai.Guard]:
    async with rai.Guard(policy, async_sleep=async_sleeps, on_decision=audit.append) as g:
        yield g


@pytest.fixture
def backup() -> Iterator[FakeModelServer]:
    with FakeModelServer() as srv:
        yield srv


def with_fallback(server: FakeModelServer, backup: FakeModelServer, **extra: object) -> rai.Policy:
    data = base_policy(server.base_url)
    data["providers"][0]["fallback"] = {"provider": "backup-eu"}
    data["providers"].append({
        "name": "backup-eu", "kind": "openai", "base_url": backup.base_url, "models": ["gpt-4o-mini"],
        "tier": "enterprise", "max_data_class": "confidential", **extra,
    })  # fmt: skip
    return rai.Policy.from_dict(data)


class TestBackend:
    def test_backend_follows_setting(self, guard: rai.Guard) -> None:
        """RAI_HTTP_BACKEND picks httpx2 or httpx (CI runs these tests on both)."""
        want = os.environ.get("RAI_HTTP_BACKEND", "httpx2")
        assert guard.sync_sender().http.__name__ == want

    def test_callers_client_decides(self, policy: rai.Policy, server: FakeModelServer) -> None:
        """A client handed in is used as it is, whichever library it comes from."""
        import httpx

        with httpx.Client() as client:
            guard = rai.Guard(policy, http_client=client)
            assert guard.chat(PROMPT, **MK).text == stand_in_answer(PROMPT)
            assert guard.sync_sender().http is httpx
            guard.close()
            assert not client.is_closed  # not ours to close

    def test_unknown_backend(self, policy: rai.Policy) -> None:
        with pytest.raises(rai.ConfigurationError, match="unknown HTTP backend 'requests'"):
            rai.Guard(policy, http_backend="requests").sync_sender()


class TestSyncChat:
    def test_allowed(self, guard: rai.Guard, server: FakeModelServer) -> None:
        """An allowed call reaches the server once and the answer is parsed."""
        resp = guard.chat(
            [{"role": "system", "content": "Be brief."}, {"role": "user", "content": PROMPT}],
            temperature=0.2, max_tokens=50, **MK,
        )  # fmt: skip
        assert resp.text == stand_in_answer(PROMPT)
        assert (resp.provider, resp.model, resp.requested_model) == (
            "openai-prod",
            "gpt-4o-mini",
            "gpt-4o-mini",
        )
        assert resp.usage.input_tokens == len(PROMPT.split())
        assert resp.usage.total_tokens == resp.usage.input_tokens + resp.usage.output_tokens  # type: ignore[operator]
        assert resp.finish_reason == "stop" and resp.id
        assert resp.decision.outcome == "allowed" and resp.decision.requires_review
        [req] = server.requests
        assert req.path == "/v1/chat/completions"
        assert req.body["temperature"] == 0.2 and req.body["max_tokens"] == 50
        assert req.body["messages"][1] == {"role": "user", "content": PROMPT}

    def test_served_model_reported(self, guard: rai.Guard, server: FakeModelServer) -> None:
        server.model_aliases["gpt-4o-mini"] = "gpt-4o-mini-2024-07-18"
        resp = guard.chat(PROMPT, **MK)
        assert (resp.model, resp.requested_model) == ("gpt-4o-mini-2024-07-18", "gpt-4o-mini")

    def test_refused_sends_nothing(self, guard: rai.Guard, server: FakeModelServer) -> None:
        """A refused call opens no socket: the server records no request."""
        for kw in ({**MK, "use_case": "hr.performance_review"}, {**MK, "model": "gpt-5"},
                   {**MK, "provider": "elsewhere"}, {**MK, "use_case": "client.support"}):  # fmt: skip
            with pytest.raises(rai.PolicyViolation):
                guard.chat(PROMPT, **kw)  # type: ignore[arg-type]
            with pytest.raises(rai.PolicyViolation):
                guard.stream(PROMPT, **kw)  # type: ignore[arg-type]
        assert server.requests == []

    def test_api_key_sent_never_shown(
        self,
        make_policy: Callable[..., rai.Policy],
        server: FakeModelServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The key from api_key_env goes in the header and nowhere else."""
        monkeypatch.setenv("RAI_TEST_OPENAI_KEY", "sk-" + CANARY)
        policy = make_policy(server.base_url, providers__0__api_key_env="RAI_TEST_OPENAI_KEY")
        guard = rai.Guard(policy)
        guard.chat(PROMPT, **MK)
        assert server.requests[0].headers["authorization"] == f"Bearer sk-{CANARY}"
        server.fail_next(401, error_type="authentication_error")
        with pytest.raises(rai.ProviderHTTPError) as info:
            guard.chat(PROMPT, **MK)
        assert CANARY not in str(info.value) and info.value.error_type == "authentication_error"
        guard.close()

    def test_rotated_key_is_picked_up(
        self,
        make_policy: Callable[..., rai.Policy],
        server: FakeModelServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The key is read on every call: a rotated key goes out on the next request."""
        monkeypatch.setenv("RAI_TEST_OPENAI_KEY", "sk-old")
        policy = make_policy(server.base_url, providers__0__api_key_env="RAI_TEST_OPENAI_KEY")
        with rai.Guard(policy) as guard:
            guard.chat(PROMPT, **MK)
            monkeypatch.setenv("RAI_TEST_OPENAI_KEY", "sk-new")
            guard.chat(PROMPT, **MK)
            monkeypatch.delenv("RAI_TEST_OPENAI_KEY")
            with pytest.raises(rai.ConfigurationError, match="RAI_TEST_OPENAI_KEY"):
                guard.chat(PROMPT, **MK)
        sent = [r.headers.get("authorization") for r in server.requests]
        assert sent == ["Bearer sk-old", "Bearer sk-new"]

    def test_anthropic(self, make_policy: Callable[..., rai.Policy], server: FakeModelServer,
                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
        """Anthropic providers get the messages wire format: system apart, x-api-key, version."""
        monkeypatch.setenv("RAI_TEST_ANTHROPIC_KEY", "ak-test")
        policy = make_policy(server.base_url, providers__1__api_key_env="RAI_TEST_ANTHROPIC_KEY")
        with rai.Guard(policy) as guard:
            resp = guard.chat([{"role": "system", "content": "Be brief."}, {"role": "user", "content": PROMPT}],
                              stop=["END"], **AN)  # fmt: skip
        assert resp.text == stand_in_answer(PROMPT) and resp.finish_reason == "end_turn"
        [req] = server.requests
        assert req.path == "/v1/messages"
        assert (
            req.headers["x-api-key"] == "ak-test"
            and req.headers["anthropic-version"] == "2023-06-01"
        )
        assert req.body["system"] == "Be brief."
        assert req.body["messages"] == [{"role": "user", "content": PROMPT}]
        assert req.body["stop_sequences"] == ["END"] and req.body["max_tokens"] == 1024

    def test_tool_calls(self, guard: rai.Guard) -> None:
        tools = [
            {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
        ]
        resp = guard.chat(PROMPT, tools=tools, **MK)
        assert resp.finish_reason == "tool_calls"
        assert resp.tool_calls[0].name == "lookup" and PROMPT in resp.tool_calls[0].arguments


class TestSyncRetries:
    def test_retries_5xx_then_succeeds(
        self, guard: rai.Guard, server: FakeModelServer, sleeps: Sleeps
    ) -> None:
        server.fail_next(503, times=2)
        assert guard.chat(PROMPT, **MK).text == stand_in_answer(PROMPT)
        assert len(server.requests) == 3 and len(sleeps) == 2
        assert all(0 < s <= 0.05 + 1e-9 for s in sleeps)  # the policy's bounded back-off

    def test_honours_retry_after(
        self, guard: rai.Guard, server: FakeModelServer, sleeps: Sleeps
    ) -> None:
        """429 with Retry-After waits that long before the next attempt."""
        server.fail_next(429, retry_after=1.5, error_type="rate_limit_error")
        guard.chat(PROMPT, **MK)
        assert sleeps == [1.5]

    def test_bounded_attempts(self, guard: rai.Guard, server: FakeModelServer) -> None:
        server.fail_next(503, times=10)
        with pytest.raises(rai.ProviderHTTPError) as info:
            guard.chat(PROMPT, **MK)
        assert (info.value.status_code, info.value.attempts) == (503, 3)
        assert len(server.requests) == 3

    def test_bounded_total_time(
        self, guard: rai.Guard, server: FakeModelServer, sleeps: Sleeps
    ) -> None:
        """A Retry-After beyond the policy's total time budget is not waited for."""
        server.fail_next(503, times=3, retry_after=60)
        with pytest.raises(rai.ProviderHTTPError):
            guard.chat(PROMPT, **MK)
        assert sleeps == [] and len(server.requests) == 1

    def test_client_errors_not_retried(self, guard: rai.Guard, server: FakeModelServer) -> None:
        server.fail_next(400, error_type="invalid_request_error")
        with pytest.raises(rai.ProviderHTTPError) as info:
            guard.chat(PROMPT, **MK)
        assert (info.value.status_code, info.value.error_type, info.value.attempts) == (
            400,
            "invalid_request_error",
            1,
        )
        assert len(server.requests) == 1

    def test_dropped_connection_retried(self, guard: rai.Guard, server: FakeModelServer) -> None:
        server.fail_next(None, drop=True)
        assert guard.chat(PROMPT, **MK).text
        assert len(server.requests) == 2

    def test_timeout(
        self, make_policy: Callable[..., rai.Policy], server: FakeModelServer, sleeps: Sleeps
    ) -> None:
        """The provider's timeout_s applies; persistent time-outs become ProviderUnavailable."""
        policy = make_policy(server.base_url, providers__0__timeout_s=0.2, retry__max_attempts=2)
        server.fail_next(None, delay=1.0, times=2)
        with (
            rai.Guard(policy, sleep=sleeps) as guard,
            pytest.raises(rai.ProviderUnavailable) as info,
        ):
            guard.chat(PROMPT, **MK)
        assert info.value.attempts == 2 and "ReadTimeout" in str(info.value)
        assert type(info.value.__cause__).__name__ == "ReadTimeout"

    def test_unreachable(self, make_policy: Callable[..., rai.Policy], sleeps: Sleeps) -> None:
        """Nothing listening: connection errors, retried, then ProviderUnavailable."""
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        policy = make_policy(f"http://127.0.0.1:{port}/v1")
        with (
            rai.Guard(policy, sleep=sleeps) as guard,
            pytest.raises(rai.ProviderUnavailable, match="ConnectError"),
        ):
            guard.chat(PROMPT, **MK)
        assert len(sleeps) == 2

    def test_fallback(
        self, server: FakeModelServer, backup: FakeModelServer, sleeps: Sleeps
    ) -> None:
        """When the provider stays unavailable, the policy's fallback provider answers."""
        audit: list[rai.Decision] = []
        server.fail_next(503, times=3)
        with rai.Guard(
            with_fallback(server, backup), sleep=sleeps, on_decision=audit.append
        ) as guard:
            resp = guard.chat(PROMPT, **MK)
        assert resp.provider == "backup-eu" and resp.decision.fallback_from == "openai-prod"
        assert len(server.requests) == 3 and len(backup.requests) == 1
        assert [(d.provider, d.fallback_from) for d in audit] == [
            ("openai-prod", None),
            ("backup-eu", "openai-prod"),
        ]

    def test_failed_fallback_names_every_provider(
        self, server: FakeModelServer, backup: FakeModelServer, sleeps: Sleeps
    ) -> None:
        """When the fallback fails too, the error names each provider tried and why, and
        chains to the first provider's error (it said only the last, with no cause)."""
        server.fail_next(503, times=3)
        backup.fail_next(502, times=3)
        with (
            rai.Guard(with_fallback(server, backup), sleep=sleeps) as guard,
            pytest.raises(rai.ProviderHTTPError) as info,
        ):
            guard.chat(PROMPT, **MK)
        assert info.value.provider == "backup-eu" and info.value.status_code == 502
        first = info.value.__cause__
        assert isinstance(first, rai.ProviderHTTPError) and first.provider == "openai-prod"
        (note,) = info.value.__notes__
        assert note.startswith("providers tried: openai-prod: ProviderHTTPError")
        assert "; backup-eu: ProviderHTTPError" in note and "502" in note

    def test_refused_fallback_is_named(
        self, server: FakeModelServer, backup: FakeModelServer, sleeps: Sleeps
    ) -> None:
        server.fail_next(503, times=3)
        with (
            rai.Guard(with_fallback(server, backup, tier="free"), sleep=sleeps) as guard,
            pytest.raises(rai.ProviderHTTPError) as info,
        ):
            guard.chat(PROMPT, **MK)
        (note,) = info.value.__notes__
        assert "fallback backup-eu refused: " in note

    def test_fallback_must_pass_policy(
        self, server: FakeModelServer, backup: FakeModelServer, sleeps: Sleeps
    ) -> None:
        """A fallback the rules refuse (here: a free tier) is not used; the provider error stands."""
        server.fail_next(503, times=3)
        policy = with_fallback(server, backup, tier="free")
        with rai.Guard(policy, sleep=sleeps) as guard, pytest.raises(rai.ProviderHTTPError):
            guard.chat(PROMPT, **MK)
        assert backup.requests == []

    def test_no_fallback_on_client_error(
        self, server: FakeModelServer, backup: FakeModelServer
    ) -> None:
        server.fail_next(400)
        with (
            rai.Guard(with_fallback(server, backup)) as guard,
            pytest.raises(rai.ProviderHTTPError),
        ):
            guard.chat(PROMPT, **MK)
        assert backup.requests == []


class TestSyncStream:
    def test_stream(self, guard: rai.Guard, server: FakeModelServer) -> None:
        """Chunks arrive one by one; .response has the whole answer and usage."""
        with guard.stream(PROMPT, **MK) as stream:
            pieces = [c.text for c in stream]
        assert len(pieces) > 5
        assert "".join(pieces) == stream.response.text == stand_in_answer(PROMPT)
        assert stream.response.usage.output_tokens == len(stand_in_answer(PROMPT).split())
        assert stream.response.finish_reason == "stop"
        assert server.requests[0].body["stream"] is True

    def test_anthropic_stream(self, guard: rai.Guard) -> None:
        stream = guard.stream(PROMPT, **AN)
        assert stream.text() == stand_in_answer(PROMPT)
        assert stream.response.finish_reason == "end_turn"
        assert stream.response.usage.input_tokens == len(PROMPT.split())

    def test_response_before_end(self, guard: rai.Guard) -> None:
        stream = guard.stream(PROMPT, **MK)
        with pytest.raises(rai.ConfigurationError, match="has not completed"):
            _ = stream.response
        next(iter(stream))
        with pytest.raises(rai.ConfigurationError):
            _ = stream.response
        stream.close()

    def test_stream_retried_before_first_byte(
        self, guard: rai.Guard, server: FakeModelServer
    ) -> None:
        server.fail_next(503)
        assert guard.stream(PROMPT, **MK).text() == stand_in_answer(PROMPT)
        assert len(server.requests) == 2

    def test_stream_fallback(
        self, server: FakeModelServer, backup: FakeModelServer, sleeps: Sleeps
    ) -> None:
        server.fail_next(503, times=3)
        with rai.Guard(with_fallback(server, backup), sleep=sleeps) as guard:
            stream = guard.stream(PROMPT, **MK)
            assert stream.text() == stand_in_answer(PROMPT)
        assert stream.response.provider == "backup-eu"

    def test_iterate_once(self, guard: rai.Guard) -> None:
        stream = guard.stream(PROMPT, **MK)
        stream.text()
        with pytest.raises(rai.ConfigurationError, match="only once"):
            iter(stream)

    def test_tool_call_stream(self, guard: rai.Guard) -> None:
        tools = [
            {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
        ]
        stream = guard.stream(PROMPT, tools=tools, **MK)
        stream.text()
        assert stream.response.tool_calls[0].name == "lookup"


class TestAsync:
    async def test_achat(self, aguard: rai.Guard, server: FakeModelServer) -> None:
        resp = await aguard.achat(PROMPT, **MK)
        assert resp.text == stand_in_answer(PROMPT) and len(server.requests) == 1

    async def test_achat_anthropic(self, aguard: rai.Guard) -> None:
        assert (await aguard.achat(PROMPT, **AN)).text == stand_in_answer(PROMPT)

    async def test_refused_sends_nothing(self, aguard: rai.Guard, server: FakeModelServer) -> None:
        with pytest.raises(rai.UseCaseBlocked):
            await aguard.achat(PROMPT, **{**MK, "use_case": "surveillance"})
        with pytest.raises(rai.UseCaseBlocked):
            aguard.astream(PROMPT, **{**MK, "use_case": "surveillance"})
        assert server.requests == []

    async def test_retries(
        self, aguard: rai.Guard, server: FakeModelServer, async_sleeps: AsyncSleeps
    ) -> None:
        server.fail_next(429, retry_after=2)
        server.fail_next(503)
        await aguard.achat(PROMPT, **MK)
        assert len(server.requests) == 3 and async_sleeps[0] == 2

    async def test_bounded(self, aguard: rai.Guard, server: FakeModelServer) -> None:
        server.fail_next(502, times=5)
        with pytest.raises(rai.ProviderHTTPError) as info:
            await aguard.achat(PROMPT, **MK)
        assert info.value.attempts == 3

    async def test_astream(self, aguard: rai.Guard, server: FakeModelServer) -> None:
        stream = aguard.astream(PROMPT, **MK)
        pieces = [c.text async for c in stream]
        assert "".join(pieces) == stream.response.text == stand_in_answer(PROMPT)

    async def test_astream_anthropic(self, aguard: rai.Guard) -> None:
        async with aguard.astream(PROMPT, **AN) as stream:
            assert await stream.text() == stand_in_answer(PROMPT)

    async def test_async_fallback(self, server: FakeModelServer, backup: FakeModelServer,
                                  async_sleeps: AsyncSleeps) -> None:  # fmt: skip
        server.fail_next(503, times=3)
        async with rai.Guard(with_fallback(server, backup), async_sleep=async_sleeps) as guard:
            resp = await guard.achat(PROMPT, **MK)
            stream = guard.astream(PROMPT, **MK)
            assert await stream.text()
        assert resp.provider == "backup-eu" and stream.response.provider == "openai-prod"

    async def test_concurrent_calls(self, aguard: rai.Guard, server: FakeModelServer) -> None:
        import asyncio

        prompts = [f"prompt number {i}" for i in range(20)]
        answers = await asyncio.gather(*(aguard.achat(p, **MK) for p in prompts))
        assert [a.text for a in answers] == [stand_in_answer(p) for p in prompts]
