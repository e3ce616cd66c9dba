"""`@governed` and `rai.client()`: sync, async, generators, isolation between calls."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer, stand_in_answer

pytestmark = pytest.mark.http

MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}


class TestSync:
    def test_function(self, guard: rai.Guard, server: FakeModelServer) -> None:
        """Inside the function, rai.client() is the approved client for that call."""

        @rai.governed(guard=guard, temperature=0.1, **MK)
        def draft(topic: str) -> str:
            c = rai.client()
            assert (c.provider, c.model, c.use_case) == (
                "openai-prod",
                "gpt-4o-mini",
                "marketing.copy",
            )
            return c.complete(f"Tagline about {topic}")

        assert draft("savings") == stand_in_answer("Tagline about savings")
        assert server.requests[0].body["temperature"] == 0.1
        assert draft.__name__ == "draft"

    def test_refused_before_body(self, guard: rai.Guard, server: FakeModelServer) -> None:
        """A governed function whose use case is blocked never runs its body."""
        ran = []

        @rai.governed(guard=guard, **{**MK, "use_case": "hr.performance_review"})
        def review(name: str) -> str:
            ran.append(name)
            return ""

        with pytest.raises(rai.UseCaseBlocked):
            review("x")
        assert ran == [] and server.requests == []

    def test_client_outside(self) -> None:
        with pytest.raises(rai.ConfigurationError, match="only available inside a @governed"):
            rai.client()

    def test_client_unbound_after_return(self, guard: rai.Guard) -> None:
        @rai.governed(guard=guard, **MK)
        def noop() -> None:
            rai.client()

        noop()
        with pytest.raises(rai.ConfigurationError):
            rai.client()

    def test_generator(self, guard: rai.Guard) -> None:
        """Generator functions stream; the check happens when the function is called."""

        @rai.governed(guard=guard, **MK)
        def chunks(prompt: str) -> Iterator[str]:
            for chunk in rai.client().stream(prompt):
                yield chunk.text

        assert "".join(chunks("hello")) == stand_in_answer("hello")

        @rai.governed(guard=guard, **{**MK, "use_case": "surveillance"})
        def watch() -> Iterator[str]:
            yield "never"

        with pytest.raises(rai.UseCaseBlocked):
            watch()

    def test_interleaved_generators(self, guard: rai.Guard, make_policy: object) -> None:
        """Two governed generators consumed in turn each see their own client."""

        @rai.governed(guard=guard, **MK)
        def a() -> Iterator[str]:
            for _ in range(3):
                yield rai.client().model

        @rai.governed(guard=guard, **{**MK, "model": "gpt-4.1-mini", "use_case": "engineering"})
        def b() -> Iterator[str]:
            for _ in range(3):
                yield rai.client().model

        seen = [x for pair in zip(a(), b(), strict=True) for x in pair]
        assert seen == ["gpt-4o-mini", "gpt-4.1-mini"] * 3
        with pytest.raises(rai.ConfigurationError):
            rai.client()

    def test_generator_send_and_close(self, guard: rai.Guard) -> None:
        closed = []

        @rai.governed(guard=guard, **MK)
        def echo() -> Iterator[str]:
            try:
                got = yield rai.client().model
                yield f"got {got}"
                yield "more"
            finally:
                closed.append(True)

        gen = echo()
        assert next(gen) == "gpt-4o-mini"
        assert gen.send("x") == "got x"  # type: ignore[attr-defined]
        gen.close()  # type: ignore[attr-defined]
        assert closed == [True]

    def test_threads_do_not_bleed(self, guard: rai.Guard) -> None:
        """Concurrent governed calls in threads each see their own bound client."""
        results: dict[str, str] = {}
        barrier = threading.Barrier(2)

        def make(model: str, use_case: str):  # type: ignore[no-untyped-def]
            @rai.governed(guard=guard, use_case=use_case, provider="openai-prod", model=model)
            def work() -> None:
                barrier.wait()
                results[model] = rai.client().model

            return work

        threads = [
            threading.Thread(target=make("gpt-4o-mini", "marketing.copy")),
            threading.Thread(target=make("gpt-4.1", "engineering")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == {"gpt-4o-mini": "gpt-4o-mini", "gpt-4.1": "gpt-4.1"}

    def test_default_guard_from_configure(self, policy: rai.Policy) -> None:
        @rai.governed(**MK)
        def draft() -> str:
            return rai.client().complete("hi")

        guard = rai.configure(policy)
        try:
            assert draft() == stand_in_answer("hi")
        finally:
            guard.close()
            rai._governed._default = None

    def test_default_guard_from_env(
        self, tmp_path: object, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With nothing configured, the policy in RAI_POLICY is used."""
        monkeypatch.setattr(rai._governed, "_default", None)
        monkeypatch.delenv("RAI_POLICY", raising=False)

        @rai.governed(**MK)
        def draft() -> str:
            return "unreachable"

        with pytest.raises(rai.PolicyError, match="RAI_POLICY"):
            draft()

    def test_consent_on_decorator(self, guard: rai.Guard) -> None:
        consent = rai.Consent(subject="client-7", scope="client.support")

        @rai.governed(guard=guard, use_case="client.support", provider="openai-prod", model="gpt-4o-mini",
                      consent=consent, data_class="confidential")  # fmt: skip
        def answer() -> rai.ChatResponse:
            return rai.client().chat("Where is my card?")

        resp = answer()
        kept = resp.decision.consent  # as records carry it: the subject pseudonymised
        assert kept is not None and kept.scope == consent.scope and kept.subject.startswith("p:")
        assert resp.decision.data_class == "confidential"


class TestAsync:
    async def test_coroutine(self, policy: rai.Policy, server: FakeModelServer) -> None:
        async with rai.Guard(policy) as guard:

            @rai.governed(guard=guard, **MK)
            async def draft(topic: str) -> str:
                return await rai.client().acomplete(topic)

            assert await draft("bonds") == stand_in_answer("bonds")

    async def test_refused(self, policy: rai.Policy) -> None:
        ran = []

        @rai.governed(guard=rai.Guard(policy), **{**MK, "model": "gpt-5"})
        async def draft() -> None:
            ran.append(1)

        with pytest.raises(rai.ModelNotApproved):
            await draft()
        assert ran == []

    async def test_async_generator(self, policy: rai.Policy) -> None:
        async with rai.Guard(policy) as guard:

            @rai.governed(guard=guard, **MK)
            async def chunks(prompt: str) -> AsyncIterator[str]:
                async for chunk in rai.client().astream(prompt):
                    yield chunk.text

            assert "".join([c async for c in chunks("hey")]) == stand_in_answer("hey")

            @rai.governed(guard=guard, **{**MK, "use_case": "legal.contract"})
            async def never() -> AsyncIterator[str]:
                yield "x"

            with pytest.raises(rai.UseCaseBlocked):
                never()

    async def test_tasks_do_not_bleed(self, policy: rai.Policy) -> None:
        """Concurrent tasks each see their own bound client across awaits."""
        guard = rai.Guard(policy)

        def make(model: str, use_case: str):  # type: ignore[no-untyped-def]
            @rai.governed(guard=guard, use_case=use_case, provider="openai-prod", model=model)
            async def work() -> list[str]:
                seen = []
                for _ in range(5):
                    await asyncio.sleep(0)
                    seen.append(rai.client().model)
                return seen

            return work

        a, b = await asyncio.gather(
            make("gpt-4o-mini", "marketing.copy")(), make("gpt-4.1", "engineering")()
        )
        assert a == ["gpt-4o-mini"] * 5 and b == ["gpt-4.1"] * 5


class TestPerCallAndKeywords:
    def test_per_call_subject_and_restore(self, guard: rai.Guard, server: FakeModelServer) -> None:
        """A multi-client service passes each request's client record per call; the
        decorator's values are the defaults."""

        @rai.governed(guard=guard, **MK)
        def reply(record: rai.ClientRecord, text: str) -> str:
            return rai.client().chat(text, subject=record, restore=True).text

        ada = rai.ClientRecord(id="c-1", name="Ada Quist")
        bob = rai.ClientRecord(id="c-2", name="Bob Marnoch")
        out = reply(ada, "Write to Ada Quist")
        assert "Ada Quist" not in server.requests[0].text and "Ada Quist" in out
        reply(bob, "Write to Bob Marnoch")
        assert "Marnoch" not in server.requests[1].text

    def test_per_call_data_class_is_checked(
        self, guard: rai.Guard, server: FakeModelServer
    ) -> None:
        @rai.governed(guard=guard, **MK)
        def draft() -> str:
            return rai.client().complete("x", data_class="restricted")

        with pytest.raises(rai.PolicyViolation):
            draft()
        assert server.requests == []

    def test_policy_keyword(
        self, guard: rai.Guard, policy: rai.Policy, server: FakeModelServer
    ) -> None:
        """policy= takes a Policy or a Guard (it was sent to the model as a parameter)."""

        @rai.governed(policy=guard, **MK)
        def draft() -> str:
            return rai.client().complete("hello")

        assert draft() == stand_in_answer("hello")
        assert "policy" not in server.requests[0].body
        rai.governed(policy=policy, **MK)  # a Policy: a Guard of its own, made once
        with pytest.raises(TypeError, match="policy must be a Policy or a Guard"):
            rai.governed(policy="policy.toml", **MK)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="not both"):
            rai.governed(policy=policy, guard=rai.Guard(policy), **MK)

    def test_unknown_keyword_refused_at_decoration(self, guard: rai.Guard) -> None:
        with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) 'temprature'"):
            rai.governed(guard=guard, temprature=0.2, **MK)

    def test_extra_body_for_vendor_parameters(
        self, guard: rai.Guard, server: FakeModelServer
    ) -> None:
        @rai.governed(guard=guard, extra_body={"vendor_flag": "on"}, temperature=0.3, **MK)
        def draft() -> str:
            return rai.client().complete("hi")

        draft()
        body = server.requests[0].body
        assert body["vendor_flag"] == "on" and body["temperature"] == 0.3


class TestGuardMisuse:
    def test_stream_keyword_on_chat_refused(
        self, guard: rai.Guard, server: FakeModelServer
    ) -> None:
        """chat(stream=True) was silently a non-streamed call: it says what to use."""
        with pytest.raises(TypeError, match=r"use guard\.stream\(\)"):
            guard.chat("hi", stream=True, **MK)
        with pytest.raises(TypeError, match="system prompt in the messages"):
            guard.chat("hi", system="be brief", **MK)
        assert server.requests == []

    async def test_closed_guard_refuses(self, policy: rai.Policy, server: FakeModelServer) -> None:
        guard = rai.Guard(policy)
        guard.close()
        with pytest.raises(rai.ConfigurationError, match="this Guard is closed"):
            guard.chat("hi", **MK)
        with pytest.raises(rai.ConfigurationError, match="this Guard is closed"):
            guard.stream("hi", **MK)
        async_guard = rai.Guard(policy)
        await async_guard.aclose()
        with pytest.raises(rai.ConfigurationError, match="this Guard is closed"):
            await async_guard.achat("hi", **MK)
        assert server.requests == []


class TestPerCallCannotWeaken:
    def test_fixed_arguments_and_data_class_floor(
        self, guard: rai.Guard, server: FakeModelServer
    ) -> None:
        """A call through rai.client() cannot change the use case, provider, model or
        session, nor lower the decorator's data class."""

        @rai.governed(guard=guard, data_class="internal", **MK)
        def draft(**kw: object) -> str:
            return rai.client().chat("x", **kw).text

        for kw in ({"use_case": "other"}, {"provider": "free-chat"}, {"model": "x"},
                   {"session": rai.PIISession()}):  # fmt: skip
            with pytest.raises(TypeError, match="fixed by its decorator"):
                draft(**kw)
        with pytest.raises(TypeError, match="cannot be lower"):
            draft(data_class="public")
        assert server.requests == []

    def test_extra_body_cannot_name_a_governance_field(self, guard: rai.Guard) -> None:
        """`extra_body` carrying `use_case`, `session`, `model`... is refused at decoration:
        it would otherwise run the call under another rule or another conversation."""
        for field in ("use_case", "session", "model", "provider", "restore", "subject", "stream"):
            with pytest.raises(TypeError, match="governance field"):
                rai.governed(guard=guard, extra_body={field: "x"}, **MK)

    def test_each_invocation_is_its_own_conversation(
        self, guard: rai.Guard, server: FakeModelServer
    ) -> None:
        """A function serving one client and then another never restores the first client's
        values into the second's answer: each invocation has a session of its own."""
        sessions: list[rai.PIISession] = []

        @rai.governed(guard=guard, restore=True, **MK)
        def draft(name: str) -> str:
            sessions.append(rai.client().session)
            return rai.client().chat(f"Write to {name}", subject=rai.ClientRecord(name=name)).text

        first, second = draft("Jane Roe"), draft("John Smith")
        assert sessions[0] is not sessions[1]
        assert "Jane" not in second and "John" not in first

    def test_a_call_for_another_client_is_a_conversation_of_its_own(
        self, guard: rai.Guard, server: FakeModelServer
    ) -> None:
        """Within one invocation, a call made for another client than the one before gets
        a session of its own: the placeholder the first client's name was given is never
        restored into the second's answer; the same client again is the same conversation."""
        jane, john = (
            rai.ClientRecord(name="Jane Roe", id="j1"),
            rai.ClientRecord(name="John Smith", id="j2"),
        )

        @rai.governed(guard=guard, restore=True, subject=jane, **MK)
        def draft() -> tuple[str, str, str]:
            client = rai.client()
            a = client.chat("Write to Jane Roe").text
            server.reply_next("Dear <PERSON_1>, thanks.")
            b = client.chat("Write to John Smith", subject=john).text
            server.reply_next("Dear <PERSON_1>, thanks.")
            c = client.chat(
                "Again for Jane Roe", subject=rai.ClientRecord(name="Jane Roe", id="j1")
            ).text
            return a, b, c

        _, second, third = draft()
        assert "Jane" not in second and "John Smith" in second
        assert "Jane Roe" in third
