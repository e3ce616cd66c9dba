"""`rai.instrument()`: every AI request of the process is governed, whatever client sends it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

from .conftest import base_policy

pytestmark = pytest.mark.http

MAIL = "jane.roe@example.com"
PROMPT = f"Write to {MAIL} about card 4111 1111 1111 1111"
MSG = [{"role": "user", "content": PROMPT}]


def sent(server: FakeModelServer) -> str:
    return "\n".join(str(r) for r in server.requests)


@pytest.fixture
def other() -> Iterator[FakeModelServer]:
    """A second server on another loopback address: an AI host the policy does not approve."""
    with FakeModelServer(host="127.0.0.2") as srv:
        yield srv


@pytest.fixture
def governance(server: FakeModelServer) -> Iterator[rai.Governance]:
    data = base_policy(server.base_url)
    data["egress"] = {"ai_hosts": ["127.0.0.2"]}
    events: list[dict[str, Any]] = []
    gov = rai.Governance(
        rai.Policy.from_dict(data), audit=rai.AuditTrail(events.append, render=False)
    )
    gov.events = events  # type: ignore[attr-defined]
    try:
        yield gov
    finally:
        rai.uninstrument()


def decisions(gov: rai.Governance) -> list[str]:
    events: list[dict[str, Any]] = gov.events  # type: ignore[attr-defined]
    return [e["outcome"] for e in events if e["event"] == "decision" and e["outcome"] != "redacted"]


class TestSdkClients:
    def test_a_client_made_before_instrument_is_governed(
        self, server: FakeModelServer, governance: rai.Governance
    ) -> None:
        """An openai client built before `instrument()` is governed after it: redacted, stamped."""
        openai = pytest.importorskip("openai")
        with openai.OpenAI(base_url=server.base_url, api_key="sk", max_retries=0) as client:
            rai.instrument(governance, use_case="engineering")
            completion = client.chat.completions.create(model="gpt-4o-mini", messages=MSG)
        assert MAIL not in sent(server) and "4111" not in sent(server)
        assert rai.provenance_of(completion) is not None
        assert decisions(governance) == ["allowed"]

    def test_an_async_client_made_after_instrument_is_governed(
        self, server: FakeModelServer, governance: rai.Governance
    ) -> None:
        """An async client (as a framework builds internally) made after the call is governed."""
        openai = pytest.importorskip("openai")
        rai.instrument(governance)

        async def run() -> Any:
            async with openai.AsyncOpenAI(
                base_url=server.base_url, api_key="sk", max_retries=0
            ) as client:
                with rai.use_case("engineering"):
                    return await client.chat.completions.create(model="gpt-4o-mini", messages=MSG)

        completion = asyncio.run(run())
        assert MAIL not in sent(server)
        assert rai.provenance_of(completion) is not None

    def test_anthropic_and_streams(
        self, server: FakeModelServer, governance: rai.Governance
    ) -> None:
        """The anthropic SDK and a streamed openai answer go through the pipeline too."""
        anthropic = pytest.importorskip("anthropic")
        openai = pytest.importorskip("openai")
        rai.instrument(governance, use_case="engineering")
        with anthropic.Anthropic(
            base_url=server.base_url.removesuffix("/v1"), api_key="sk", max_retries=0
        ) as claude:
            msg = claude.messages.create(model="claude-haiku-4-5", max_tokens=64, messages=MSG)
        assert msg.content
        with openai.OpenAI(base_url=server.base_url, api_key="sk", max_retries=0) as client:
            stream = client.chat.completions.create(model="gpt-4o-mini", messages=MSG, stream=True)
            text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        assert text
        assert MAIL not in sent(server)
        assert decisions(governance) == ["allowed", "allowed"]

    def test_plain_httpx_requests_to_a_provider_are_governed(
        self, server: FakeModelServer, governance: rai.Governance
    ) -> None:
        """A hand-made httpx2 request to a provider's endpoint is governed like an SDK's."""
        import httpx2

        rai.instrument(governance, use_case="engineering")
        with httpx2.Client() as http:
            r = http.post(
                f"{server.base_url}/chat/completions",
                json={"model": "gpt-4o-mini", "messages": MSG},
                headers={"authorization": "Bearer sk"},
            )
        assert r.status_code == 200
        assert MAIL not in sent(server)
        assert r.headers.get("ai-provenance")


class TestEgress:
    def test_an_unapproved_ai_host_is_refused_before_any_byte(
        self, other: FakeModelServer, governance: rai.Governance
    ) -> None:
        """A request to an AI host no provider approves is refused; the host receives nothing."""
        openai = pytest.importorskip("openai")
        rai.instrument(governance, use_case="engineering")
        with (
            openai.OpenAI(base_url=other.base_url, api_key="sk", max_retries=0) as client,
            pytest.raises(rai.ProviderNotApproved) as info,
        ):
            client.chat.completions.create(model="gpt-4o-mini", messages=MSG)
        assert info.value.rule == "egress.ai_hosts"
        assert isinstance(info.value, openai.OpenAIError)  # the SDK does not retry it
        assert other.requests == []

    def test_the_shipped_list_covers_the_well_known_hosts(self, governance: rai.Governance) -> None:
        """api.openai.com, Azure OpenAI and Bedrock runtime names are AI hosts; others are not."""
        import httpx2

        egress = governance.egress
        for url in (
            "https://api.openai.com/v1/chat/completions",
            "https://acme.openai.azure.com/openai/deployments/x/chat/completions",
            "https://bedrock-runtime.eu-west-1.amazonaws.com/model/x/invoke",
            "https://API.ANTHROPIC.COM./v1/messages",
        ):
            with pytest.raises(rai.ProviderNotApproved):
                egress.governs(httpx2.URL(url))
        assert not egress.governs(httpx2.URL("https://s3.eu-west-1.amazonaws.com/bucket"))
        assert not egress.governs(httpx2.URL("https://example.com/v1/chat/completions"))

    def test_other_requests_pass_untouched(
        self, other: FakeModelServer, server: FakeModelServer
    ) -> None:
        """A request to a host that is no AI API is none of the library's business."""
        import httpx2

        rai.instrument(rai.Policy.from_dict(base_policy(server.base_url)))
        try:
            with httpx2.Client() as http:
                r = http.post(f"{other.base_url}/anything", json={"note": PROMPT})
            assert r.status_code < 500  # the stand-in answers; what matters is what it got
            assert MAIL in sent(other)
        finally:
            rai.uninstrument()


class TestLifecycle:
    def test_uninstrument_restores_the_transports(
        self, server: FakeModelServer, governance: rai.Governance
    ) -> None:
        """After `uninstrument()` the transports are the library's own again."""
        import httpx2

        original = httpx2.HTTPTransport.handle_request
        rai.instrument(governance, use_case="engineering")
        assert httpx2.HTTPTransport.handle_request is not original
        rai.uninstrument()
        assert httpx2.HTTPTransport.handle_request is original
        assert rai.instrumented() is None

    def test_idempotent_and_never_twice(
        self, server: FakeModelServer, governance: rai.Governance
    ) -> None:
        """Instrumenting twice hooks once; a client from `rai.http_client` is governed once."""
        openai = pytest.importorskip("openai")
        rai.instrument(governance, use_case="engineering")
        rai.instrument(governance, use_case="engineering")
        http = rai.http_client(governance, use_case="engineering")
        with openai.OpenAI(base_url=server.base_url, api_key="sk", http_client=http) as client:
            client.chat.completions.create(model="gpt-4o-mini", messages=MSG)
        assert decisions(governance) == ["allowed"]
        assert len(server.requests) == 1

    def test_no_use_case_is_refused_with_how_to_declare_one(
        self, server: FakeModelServer, governance: rai.Governance
    ) -> None:
        """Without a use case the policy's rule applies (deny): the error says how to declare one."""
        openai = pytest.importorskip("openai")
        rai.instrument(governance)
        with (
            openai.OpenAI(base_url=server.base_url, api_key="sk", max_retries=0) as client,
            pytest.raises(rai.UseCaseBlocked, match=r"rai\.use_case"),
        ):
            client.chat.completions.create(model="gpt-4o-mini", messages=MSG)
        assert server.requests == []

    def test_a_governed_function_lends_its_use_case_and_client(
        self, server: FakeModelServer, governance: rai.Governance
    ) -> None:
        """Inside `@governed`, a framework's own client runs under its use case and client record."""
        openai = pytest.importorskip("openai")
        rai.instrument(governance)
        jane = rai.ClientRecord(id="c-1", name="Jane Roe", emails=[MAIL])

        with rai.Guard(governance) as guard:

            @rai.governed(guard=guard, subject=jane, **{
                "use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini",
            })  # fmt: skip
            def answer() -> str:
                with openai.OpenAI(
                    base_url=server.base_url, api_key="sk", max_retries=0
                ) as framework:
                    done = framework.chat.completions.create(
                        model="gpt-4o-mini",
                        messages=[{"role": "user", "content": "Reply to Jane Roe"}],
                    )
                return done.choices[0].message.content or ""

            answer()
        assert "Jane Roe" not in sent(server)

    def test_threads_share_it_safely(
        self, server: FakeModelServer, governance: rai.Governance
    ) -> None:
        """Calls from many threads are each governed exactly once."""
        openai = pytest.importorskip("openai")
        rai.instrument(governance, use_case="engineering")
        client = openai.OpenAI(base_url=server.base_url, api_key="sk", max_retries=0)
        errors: list[BaseException] = []

        def call() -> None:
            try:
                client.chat.completions.create(model="gpt-4o-mini", messages=MSG)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=call) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        client.close()
        assert errors == []
        assert decisions(governance) == ["allowed"] * 8
        assert MAIL not in sent(server)
