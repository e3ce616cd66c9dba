"""The limits step on both stores (in the process and on a real Valkey server): reserve the
worst case before the call, settle the real usage after it, once per call id; leases,
fallbacks, streams, failures, kill switches and an unreachable store."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai._state import Counter, Held, Refusal
from responsible_ai.testing import FakeModelServer
from tests.limits.conftest import Valkey, limits_policy

pytestmark = pytest.mark.http

MK = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}
ALICE = rai.Principal("alice", roles=["engineer"], teams=["core", "platform"])


@pytest.fixture(params=["memory", "valkey"])
def store(request: pytest.FixtureRequest, prefix: str) -> Iterator[Any]:
    if request.param == "memory":
        yield rai.MemoryState()
        return
    valkey: Valkey = request.getfixturevalue("valkey")
    state = rai.RedisState(valkey.url, prefix=prefix)
    yield state
    state.close()


def totals(store: Any) -> tuple[list[int], list[int]]:
    """Used and held, summed over every counter."""
    used, held = [0, 0, 0, 0], [0, 0, 0, 0]
    for row in store.usage():
        for f in range(4):
            used[f] += row.used[f]
            held[f] += row.held[f]
    return used, held


@pytest.fixture
def make_guard(
    server: FakeModelServer, store: Any, make_governance: Callable[..., rai.Governance]
) -> Iterator[Callable[..., rai.Guard]]:
    made: list[rai.Guard] = []

    def make(*rules: dict[str, Any], **sections: Any) -> rai.Guard:
        data = limits_policy(server.base_url, **sections)
        data["limits"]["rules"] = list(rules)
        data["providers"].append({**data["providers"][0], "name": "openai-backup"})
        data["providers"][0]["fallback"] = {"provider": "openai-backup"}
        guard = rai.Guard(make_governance(data, state=store), sleep=lambda s: None)
        made.append(guard)
        return guard

    yield make
    for guard in made:
        guard.close()


def per_principal(**measures: Any) -> dict[str, Any]:
    return {"use_case": "engineering", "per": "principal", "window_s": 3600, **measures}


class TestBudgets:
    def test_exactly_the_limit_is_admitted(
        self, make_guard: Callable[..., rai.Guard], store: Any
    ) -> None:
        """A request limit of 2 admits two calls; the third is refused naming the rule."""
        guard = make_guard(per_principal(requests=2))
        for _ in range(2):
            guard.chat("hi", principal=ALICE, **MK)
        with pytest.raises(rai.LimitExceeded) as info:
            guard.chat("hi", principal=ALICE, **MK)
        assert info.value.rule == "limits.rules[0].requests" and info.value.measure == "requests"
        assert isinstance(info.value, rai.PolicyViolation)
        guard.chat("hi", principal=rai.Principal("bob"), **MK)  # another principal's own budget
        assert totals(store)[0][0] == 3

    def test_settles_the_providers_usage_and_holds_nothing_after(
        self, make_guard: Callable[..., rai.Guard], store: Any
    ) -> None:
        """After a call, its counter holds the provider's tokens at the model's price, and
        nothing stays reserved."""
        guard = make_guard(per_principal(tokens=100_000, cost=1.0))
        resp = guard.chat("count these words", principal=ALICE, **MK)
        used, held = totals(store)
        tokens = resp.usage.input_tokens + resp.usage.output_tokens  # type: ignore[operator]
        assert used[:2] == [1, tokens]
        assert used[2] == resp.usage.input_tokens * 1 + resp.usage.output_tokens * 2  # type: ignore[operator]
        assert held == [0, 0, 0, 0]

    def test_the_worst_case_is_reserved_before_the_call(
        self, make_guard: Callable[..., rai.Guard]
    ) -> None:
        """Bytes of the body plus max_tokens clamped to the model's maximum; cost at its price."""
        guard = make_guard(per_principal(tokens=1_000_000))
        limits = guard.governance.pipeline.limits
        prepared = guard.prepare("hi", principal=ALICE, params={"max_tokens": 50_000}, **MK)
        amounts = limits.amounts(prepared)
        assert amounts[1] == len(prepared.content) + 1000  # clamped to max_output_tokens
        assert amounts[2] == len(prepared.content) * 1 + 1000 * 2
        small = limits.amounts(
            guard.prepare("hi", principal=ALICE, params={"max_tokens": 10}, **MK)
        )
        assert small[1] == len(prepared.content) - len("50000") + len("10") + 10

    def test_a_call_whose_worst_case_does_not_fit_is_refused(
        self, make_guard: Callable[..., rai.Guard], server: FakeModelServer
    ) -> None:
        """A token budget smaller than the worst case refuses before any byte is sent."""
        guard = make_guard(per_principal(tokens=500))
        with pytest.raises(rai.LimitExceeded) as info:
            guard.chat("hi", principal=ALICE, **MK)
        assert info.value.rule == "limits.rules[0].tokens" and server.requests == []

    def test_per_team_counts_each_team_and_per_service_counts_all(
        self, make_guard: Callable[..., rai.Guard], store: Any
    ) -> None:
        """A team limit counts in every team of the principal; a service limit for everyone."""
        guard = make_guard(
            {"use_case": "engineering", "per": "team", "window_s": 60, "requests": 1},
            {"use_case": "engineering", "per": "service", "window_s": 60, "requests": 5},
        )
        guard.chat("hi", principal=ALICE, **MK)
        with pytest.raises(rai.LimitExceeded):  # team core is used up
            guard.chat("hi", principal=rai.Principal("bob", teams=["core"]), **MK)
        with pytest.raises(rai.PrincipalNotAllowed, match="no team"):
            guard.chat("hi", principal=rai.Principal("carol"), **MK)
        with pytest.raises(rai.PrincipalRequired):
            guard.chat("hi", **MK)
        keys = sorted(row.key for row in store.usage())
        named = sorted(k.rsplit("/", 1)[1] for k in keys)  # teams no access rule names:
        assert named[0] == "s:-" and len(named) == 3  # counted under their pseudonyms
        assert all(k.startswith("t:p:") for k in named[1:]) and "core" not in repr(keys)

    def test_units_are_declared_and_counted(self, make_guard: Callable[..., rai.Guard]) -> None:
        """A units limit needs `units=`; the declared units count against it."""
        guard = make_guard(per_principal(units=1000))
        with pytest.raises(rai.LimitExceeded, match="declares none"):
            guard.chat("hi", principal=ALICE, **MK)
        guard.chat("hi", principal=ALICE, units=600, **MK)
        with pytest.raises(rai.LimitExceeded) as info:
            guard.chat("hi", principal=ALICE, units=600, **MK)
        assert info.value.measure == "units"

    def test_an_unpriced_model_is_a_policy_choice(
        self, make_guard: Callable[..., rai.Guard], store: Any
    ) -> None:
        """Refused under a cost limit by default; counted as the stated worst case when chosen."""
        rule = per_principal(cost=10.0)
        with pytest.raises(rai.ModelNotPriced):
            make_guard(rule).chat("hi", principal=ALICE, **{**MK, "model": "gpt-4.1"})
        guard = make_guard(rule, limits={"unpriced": "worst_case", "worst_case_cost": 2.5,
                                         "worst_case_output_tokens": 100})  # fmt: skip
        guard.chat("hi", principal=ALICE, **{**MK, "model": "gpt-4.1"})
        assert totals(store)[0][2] == 2_500_000


class TestSettling:
    def test_settling_is_idempotent_per_call_id(self, store: Any) -> None:
        """A second settle of a call changes nothing; a settled call id cannot reserve again."""
        plan = store.plan((), (Counter("k", 60, (-1, -1, -1, -1)),), 60_000)
        held = store.reserve(plan, "call-1", (1, 10, 0, 0))
        assert isinstance(held, Held)
        assert store.settle(held, (1, 7, 0, 0)) == 1
        assert store.settle(held, (1, 7, 0, 0)) == 0
        assert totals(store) == ([1, 7, 0, 0], [0, 0, 0, 0])
        assert store.reserve(plan, "call-1", (1, 10, 0, 0)) == Refusal("settled", 0)

    def test_reserving_again_under_one_call_id_replaces(self, store: Any) -> None:
        """The same call id reserved twice holds once (a retried reserve, a fallback)."""
        plan = store.plan((), (Counter("k", 60, (1, -1, -1, -1)),), 60_000)
        assert isinstance(store.reserve(plan, "c", (1, 10, 0, 0)), Held)
        assert isinstance(store.reserve(plan, "c", (1, 20, 0, 0)), Held)
        assert totals(store)[1] == [1, 20, 0, 0]

    def test_a_lease_expires(self, store: Any) -> None:
        """A reservation never settled stops counting when its lease ends."""
        import time

        plan = store.plan((), (Counter("k", 60, (1, -1, -1, -1)),), 150)
        assert isinstance(store.reserve(plan, "a", (1, 0, 0, 0)), Held)
        assert isinstance(store.reserve(plan, "b", (1, 0, 0, 0)), Refusal)
        time.sleep(0.2)
        assert isinstance(store.reserve(plan, "b", (1, 0, 0, 0)), Held)

    def test_a_failed_call_releases(
        self, make_guard: Callable[..., rai.Guard], server: FakeModelServer, store: Any
    ) -> None:
        """A call whose provider (and fallback) failed costs nothing and holds nothing."""
        guard = make_guard(per_principal(requests=1))
        server.fail_next(400, times=1)  # not retried, no fallback
        with pytest.raises(rai.ProviderHTTPError):
            guard.chat("hi", principal=ALICE, **MK)
        assert totals(store) == ([0, 0, 0, 0], [0, 0, 0, 0])
        guard.chat("hi", principal=ALICE, **MK)  # the budget is whole

    def test_a_fallback_does_not_reserve_twice(
        self, make_guard: Callable[..., rai.Guard], server: FakeModelServer, store: Any
    ) -> None:
        """The fallback reserves under the first call's id: one request counted, none held."""
        guard = make_guard(per_principal(requests=1))
        server.fail_next(503, times=3)  # every attempt at the first provider
        resp = guard.chat("hi", principal=ALICE, **MK)
        assert resp.provider == "openai-backup"
        assert totals(store) == ([1, *totals(store)[0][1:3], 0], [0, 0, 0, 0])

    def test_streams_settle_at_their_end_or_at_the_worst_case_when_closed(
        self, make_guard: Callable[..., rai.Guard], store: Any
    ) -> None:
        """A stream read to its end settles its usage; one closed after it started settles
        the worst case; neither leaves a reservation."""
        guard = make_guard(per_principal(tokens=1_000_000))
        stream = guard.stream("tell me a long story", principal=ALICE, **MK)
        stream.text()
        after_one = totals(store)
        assert after_one[1] == [0, 0, 0, 0] and after_one[0][0] == 1
        with guard.stream("tell me a long story", principal=ALICE, **MK) as closed:
            next(iter(closed))
        used, held = totals(store)
        assert held == [0, 0, 0, 0] and used[0] == 2 and used[1] > after_one[0][1] + 1000

    async def test_async_calls_reserve_and_settle(
        self, make_guard: Callable[..., rai.Guard], store: Any
    ) -> None:
        """`achat` reserves and settles on the async client (the limit holds the same)."""
        guard = make_guard(per_principal(requests=1))
        await guard.achat("hi", principal=ALICE, **MK)
        with pytest.raises(rai.LimitExceeded):
            await guard.achat("hi", principal=ALICE, **MK)
        assert totals(store)[1] == [0, 0, 0, 0]
        await guard.aclose()


class TestKillSwitch:
    def test_a_use_case_and_the_tags_below_it_stop(
        self, make_guard: Callable[..., rai.Guard], store: Any
    ) -> None:
        """Killing a tag refuses it and every tag below; reviving lets calls through again."""
        guard = make_guard()
        store.kill("uc:engineering")
        with pytest.raises(rai.KillSwitchOn) as info:
            guard.chat("hi", **{**MK, "use_case": "engineering.tools"})
        assert info.value.rule == 'kill["uc:engineering"]'
        assert store.killed() == ["uc:engineering"]
        assert store.revive("uc:engineering") and not store.revive("uc:engineering")
        guard.chat("hi", **MK)

    def test_an_automation_stops(self, make_guard: Callable[..., rai.Guard], store: Any) -> None:
        """Killing an automation (by pseudonym) refuses its calls, and only its calls."""
        guard = make_guard()
        bot = rai.Principal("bot", owner="alice")
        name = guard.governance.pipeline.who.pseudonym("bot")
        store.kill(f"auto:{name}")
        with pytest.raises(rai.KillSwitchOn, match="automation"):
            guard.chat("hi", principal=bot, **MK)
        guard.chat("hi", principal=ALICE, **MK)

    async def test_a_call_no_limit_applies_to_reads_the_switch_and_holds_nothing(
        self, make_guard: Callable[..., rai.Guard], store: Any
    ) -> None:
        """Without a limit rule a call holds no reservation (nothing to settle), and its
        kill switch is still read on every call, sync and async."""
        guard = make_guard()
        limits = guard.governance.pipeline.limits
        prepared = limits.reserve(guard.prepare("hi", principal=ALICE, **MK))
        assert prepared.reservation is None and store.usage() == []
        store.kill("uc:engineering")
        with pytest.raises(rai.KillSwitchOn):
            guard.chat("hi", **MK)
        with pytest.raises(rai.KillSwitchOn):
            await guard.achat("hi", **MK)
        store.revive("uc:engineering")
        await guard.achat("hi", **MK)
        guard.chat("hi", **MK)
        await guard.aclose()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestUnreachable:
    def test_refused_by_default_and_allowed_when_the_policy_says(
        self, server: FakeModelServer, make_governance: Callable[..., rai.Governance]
    ) -> None:
        """An unreachable store refuses (rule state.on_unreachable), fast; `allow` lets the
        call through uncounted. The error names the server, never a password."""
        url = f"redis://:hunter2@127.0.0.1:{_closed_port()}/0"
        data = limits_policy(server.base_url)
        data["limits"]["rules"] = [per_principal(requests=5)]
        with (
            rai.Guard(make_governance(data, state=url)) as guard,
            pytest.raises(rai.StateUnavailable) as info,
        ):
            guard.chat("hi", principal=ALICE, **MK)
        assert info.value.rule == "state.on_unreachable" and "hunter2" not in str(info.value)
        assert server.requests == []
        data["state"] = {"on_unreachable": "allow"}
        with rai.Guard(make_governance(data, state=url)) as guard:
            assert guard.chat("hi", principal=ALICE, **MK).text

    def test_a_call_no_limit_applies_to_is_refused_too(
        self, server: FakeModelServer, make_governance: Callable[..., rai.Governance]
    ) -> None:
        """Its kill switches cannot be read: refused like any call (state.on_unreachable)."""
        url = f"redis://127.0.0.1:{_closed_port()}/0"
        with (
            rai.Guard(make_governance(limits_policy(server.base_url), state=url)) as guard,
            pytest.raises(rai.StateUnavailable),
        ):
            guard.chat("hi", **MK)
        assert server.requests == []
