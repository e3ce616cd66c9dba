"""A Guard works in any event loop: a second `asyncio.run`, or one test client after another."""

from __future__ import annotations

import asyncio

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

MK = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}

pytestmark = pytest.mark.http


class TestEveryLoop:
    def test_achat_in_one_loop_after_another(
        self, server: FakeModelServer, policy: rai.Policy
    ) -> None:
        """One Guard answers in three `asyncio.run`s, each on a client of its own loop."""
        guard = rai.Guard(policy)
        texts = [asyncio.run(guard.achat(f"hi {i}", **MK)).text for i in range(3)]
        assert all(texts) and len(server.requests) == 3

    def test_astream_in_a_second_loop(self, server: FakeModelServer, policy: rai.Policy) -> None:
        """A stream in a second loop, after a call in the first."""
        guard = rai.Guard(policy)

        async def streamed() -> str:
            async with guard.astream("hello", **MK) as stream:
                return await stream.text()

        asyncio.run(guard.achat("first", **MK))
        assert asyncio.run(streamed())

    def test_a_governed_coroutine_in_two_loops(
        self, server: FakeModelServer, policy: rai.Policy
    ) -> None:
        """`@governed` on a coroutine function (its Guard made once) runs in two loops."""
        with rai.Guard(policy) as guard:

            @rai.governed(guard=guard, **MK)
            async def draft(prompt: str) -> str:
                return await rai.client().acomplete(prompt)

            assert asyncio.run(draft("a")) and asyncio.run(draft("b"))

    async def test_aclose_closes_this_loops_client(
        self, server: FakeModelServer, policy: rai.Policy
    ) -> None:
        """`aclose` in the loop closes the client the Guard made for it; a call after it raises."""
        guard = rai.Guard(policy)
        await guard.achat("hi", **MK)
        sender = await guard.async_sender()
        await guard.aclose()
        assert sender.client.is_closed
        with pytest.raises(rai.ConfigurationError, match="closed"):
            await guard.achat("again", **MK)

    def test_ended_loops_are_forgotten(self, server: FakeModelServer, policy: rai.Policy) -> None:
        """Fifty `asyncio.run`s keep no more than the last loop's client alive."""
        import gc

        guard = rai.Guard(policy)
        for _ in range(50):
            asyncio.run(guard.achat("hi", **MK))
        gc.collect()
        assert len(guard.senders._per_loop) <= 1

    def test_a_client_you_pass_is_yours(self, server: FakeModelServer, policy: rai.Policy) -> None:
        """An async client the caller passed is used as it is (and not closed by the Guard)."""
        from responsible_ai._http import backend

        http = backend("auto")

        async def run() -> None:
            async with http.AsyncClient() as client:
                guard = rai.Guard(policy, async_http_client=client)
                await guard.achat("hi", **MK)
                assert (await guard.async_sender()).client is client
                await guard.aclose()
                assert not client.is_closed

        asyncio.run(run())
