"""The shared store's own mechanics on a real Valkey server: the windows a reservation
holds in (and the next one, once a window ended), leases that end at different times, a
settlement after its lease ended, a server that lost its scripts or dropped the
connection, an event loop's kept connections, and the ids the stores make."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import pytest
import redis

import responsible_ai as rai
from responsible_ai._clock import call_id as new_call_id
from responsible_ai._state import Counter, Held, Refusal
from tests.limits.conftest import Valkey

pytestmark = pytest.mark.http


@pytest.fixture
def client(valkey: Valkey) -> Iterator[redis.Redis]:
    c = redis.Redis.from_url(valkey.url.replace("valkey://", "redis://"), decode_responses=True)
    yield c
    c.close()


def held_total(store: rai.RedisState) -> list[int]:
    rows = store.usage()
    return [sum(r.held[f] for r in rows) for f in range(4)]


def used_total(store: rai.RedisState) -> list[int]:
    rows = store.usage()
    return [sum(r.used[f] for r in rows) for f in range(4)]


class TestWindowsAndLeases:
    def test_a_reservation_names_the_windows_the_server_holds_it_in(
        self, redis_state: rai.RedisState, client: redis.Redis, prefix: str
    ) -> None:
        """The keys of a reservation are the server's (named from the server's clock), for
        every counter: settling them settles the call."""
        plan = redis_state.plan(
            ("uc:engineering",),
            (Counter("engineering/60/p:x", 60, (5, -1, -1, -1)),
             Counter("engineering/3600/s:-", 3600, (9, -1, -1, -1))),
            60_000,
        )  # fmt: skip
        held = redis_state.reserve(plan, None, (1, 10, 0, 0))
        assert isinstance(held, Held) and len(held.keys) == 2
        for key in held.keys:
            assert client.hexists(key, f"a:{held.call_id}")
        assert redis_state.settle(held, (1, 7, 0, 0)) == 2
        assert used_total(redis_state) == [2, 14, 0, 0] and held_total(redis_state) == [0] * 4

    def test_a_window_that_ended_is_followed_by_the_next(
        self, redis_state: rai.RedisState, client: redis.Redis
    ) -> None:
        """The command names the window the last answer was in; once that window has ended
        the server names the next one, and the call counts there, afresh."""
        micros = client.time()[1]
        if micros > 600_000:  # two calls well inside one window of a second
            time.sleep(1.02 - micros / 1e6)
        plan = redis_state.plan((), (Counter("k", 1, (1, -1, -1, -1)),), 60_000)
        first = redis_state.reserve(plan, None, (1, 0, 0, 0))
        assert isinstance(first, Held)
        assert redis_state.reserve(plan, None, (1, 0, 0, 0)) == Refusal("limit", 0, 0, 1, 1)
        micros = client.time()[1]
        time.sleep(1.02 - micros / 1e6)  # the next window
        later = redis_state.reserve(plan, None, (1, 0, 0, 0))
        assert isinstance(later, Held) and later.keys != first.keys
        assert later.keys[0].endswith(f":{int(client.time()[0])}")
        assert client.hexists(later.keys[0], f"a:{later.call_id}")
        assert not client.hexists(first.keys[0], f"a:{later.call_id}")

    def test_leases_end_each_at_their_time(self, redis_state: rai.RedisState) -> None:
        """Of two holds, the one with the shorter lease ends first; the other still holds
        until its own end, then the budget is whole again."""
        counter = (Counter("k", 60, (2, -1, -1, -1)),)
        short, long = redis_state.plan((), counter, 150), redis_state.plan((), counter, 600)
        assert isinstance(redis_state.reserve(long, None, (1, 0, 0, 0)), Held)
        assert isinstance(redis_state.reserve(short, None, (1, 0, 0, 0)), Held)
        assert isinstance(redis_state.reserve(short, None, (1, 0, 0, 0)), Refusal)
        time.sleep(0.25)  # the short lease ended, the long one holds
        assert isinstance(redis_state.reserve(short, None, (1, 0, 0, 0)), Held)
        assert isinstance(redis_state.reserve(short, None, (1, 0, 0, 0)), Refusal)
        assert held_total(redis_state)[0] == 2
        time.sleep(0.45)  # both ended
        assert isinstance(redis_state.reserve(short, None, (1, 0, 0, 0)), Held)
        assert held_total(redis_state)[0] == 1

    def test_a_settlement_after_its_lease_ended_counts_what_was_spent(
        self, redis_state: rai.RedisState
    ) -> None:
        """A call that outlived its lease still settles what the provider reported (the
        hold was dropped, the spending is real), once."""
        plan = redis_state.plan((), (Counter("k", 60, (-1, -1, -1, -1)),), 100)
        held = redis_state.reserve(plan, None, (1, 500, 0, 0))
        assert isinstance(held, Held)
        time.sleep(0.15)
        assert isinstance(redis_state.reserve(plan, None, (1, 1, 0, 0)), Held)  # drops it
        assert redis_state.settle(held, (1, 42, 0, 0)) == 1
        assert redis_state.settle(held, (1, 42, 0, 0)) == 0
        assert used_total(redis_state) == [1, 42, 0, 0]
        assert held_total(redis_state) == [1, 1, 0, 0]  # the second call's hold only

    def test_a_new_call_is_named_by_the_store_a_given_id_is_checked(
        self, redis_state: rai.RedisState
    ) -> None:
        """Without an id the store names the call (a new id each time); a settled id that a
        caller gives again is refused."""
        plan = redis_state.plan((), (Counter("k", 60, (-1, -1, -1, -1)),), 60_000)
        first, second = (redis_state.reserve(plan, None, (1, 0, 0, 0)) for _ in range(2))
        assert isinstance(first, Held) and isinstance(second, Held)
        assert first.call_id != second.call_id
        redis_state.settle(first, (1, 0, 0, 0))
        assert redis_state.reserve(plan, first.call_id, (1, 0, 0, 0)) == Refusal("settled", 0)


class TestTheServerForgets:
    def test_a_server_that_lost_its_scripts_is_given_them(
        self, redis_state: rai.RedisState, client: redis.Redis
    ) -> None:
        """After ``SCRIPT FLUSH`` (a restart without its scripts) reserving and settling
        load them again and work."""
        plan = redis_state.plan(("uc:x",), (Counter("k", 60, (3, -1, -1, -1)),), 60_000)
        assert isinstance(redis_state.reserve(plan, None, (1, 0, 0, 0)), Held)
        client.script_flush()
        held = redis_state.reserve(plan, None, (1, 0, 0, 0))
        assert isinstance(held, Held)
        client.script_flush()
        assert redis_state.settle(held, (1, 0, 0, 0)) == 1

    async def test_a_dropped_connection_is_tried_once_more(
        self, redis_state: rai.RedisState, client: redis.Redis
    ) -> None:
        """The server closing every client connection between two calls costs a retry,
        not a refusal (sync and async)."""
        plan = redis_state.plan((), (Counter("k", 60, (-1, -1, -1, -1)),), 60_000)
        assert isinstance(redis_state.reserve(plan, None, (1, 0, 0, 0)), Held)
        assert isinstance(await redis_state.areserve(plan, None, (1, 0, 0, 0)), Held)
        client.client_kill_filter(_type="normal", skipme=True)
        assert isinstance(redis_state.reserve(plan, None, (1, 0, 0, 0)), Held)
        held = await redis_state.areserve(plan, None, (1, 0, 0, 0))
        assert isinstance(held, Held)
        assert await redis_state.asettle(held, (1, 0, 0, 0)) == 1
        await redis_state.aclose()


class TestAsyncConnections:
    def test_an_event_loops_calls_keep_connections_and_close_them_with_it(
        self, redis_state: rai.RedisState, client: redis.Redis
    ) -> None:
        """Calls in one event loop go out on connections it keeps (one for calls one after
        the other, one per call in flight), closed when the loop ends."""
        plan = redis_state.plan(("uc:x",), (Counter("k", 60, (-1, -1, -1, -1)),), 60_000)
        before = len(client.client_list())

        async def main() -> tuple[int, int]:
            for _ in range(20):
                held = await redis_state.areserve(plan, None, (1, 2, 3, 0))
                assert isinstance(held, Held)
                assert await redis_state.asettle(held, (1, 2, 3, 0)) == 1
            alone = len(client.client_list()) - before
            many = await asyncio.gather(
                *(redis_state.areserve(plan, None, (1, 0, 0, 0)) for _ in range(10))
            )
            assert all(isinstance(h, Held) for h in many)
            return alone, len(client.client_list()) - before

        alone, together = asyncio.run(main())
        assert alone <= 2  # the kept one (and the client's, had the scripts to be loaded)
        assert together <= 12
        for _ in range(100):  # closed with the loop (the server sees it a moment later)
            if len(client.client_list()) == before:
                break
            time.sleep(0.02)
        assert len(client.client_list()) == before
        assert used_total(redis_state) == [20, 40, 60, 0] and held_total(redis_state)[0] == 10

    def test_a_call_cancelled_before_its_answer_never_hands_its_connection_on(
        self, redis_state: rai.RedisState, client: redis.Redis
    ) -> None:
        """A call cancelled while its answer is on the way drops its connection: the next
        calls read their own answers, not its."""
        plan = redis_state.plan((), (Counter("k", 60, (-1, -1, -1, -1)),), 60_000)

        async def main() -> None:
            first = await redis_state.areserve(plan, None, (1, 0, 0, 0))
            assert isinstance(first, Held)
            client.client_pause(300)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(redis_state.areserve(plan, None, (1, 0, 0, 0)), 0.05)
            await asyncio.sleep(0.4)
            held = await redis_state.areserve(plan, None, (1, 0, 0, 0))
            assert isinstance(held, Held)
            assert await redis_state.asettle(held, (1, 5, 0, 0)) == 1
            assert await redis_state.asettle(first, (1, 5, 0, 0)) == 1
            await redis_state.aclose()

        asyncio.run(main())
        assert used_total(redis_state)[:2] == [2, 10]


class TestIds:
    def test_a_forked_child_names_calls_apart_from_its_parent(self) -> None:
        """Ids are unique in a process, and a forked child draws a new prefix."""
        ids = {new_call_id() for _ in range(1000)}
        assert len(ids) == 1000
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.write(write, new_call_id().encode())
            os._exit(0)
        os.waitpid(pid, 0)
        child = os.read(read, 200).decode()
        os.close(read)
        os.close(write)
        mine = new_call_id()
        assert child[:18] != mine[:18] and child not in ids
