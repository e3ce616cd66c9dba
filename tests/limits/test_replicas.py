"""The claims of the issue proven with real processes sharing one Valkey server: exactly a
limit admitted across replicas, a kill switch seen by every replica at once, an outage
refused (fail closed) with no counter half-settled after it, and a process killed
mid-call that does not hold its reservation past the lease."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

import responsible_ai as rai
from responsible_ai._cli import main
from responsible_ai.testing import FakeModelServer
from tests.limits import replica
from tests.limits.conftest import Valkey, limits_policy

pytestmark = pytest.mark.http

CTX = multiprocessing.get_context("spawn")  # clean processes, as replicas are


def service_limit(base_url: str, **measures: Any) -> dict[str, Any]:
    data = limits_policy(base_url)
    data["limits"]["rules"] = [
        {"use_case": "engineering", "per": "service", "window_s": 3600, **measures}
    ]
    return data


def spawn(target: Any, *args: Any) -> Any:
    proc = CTX.Process(target=target, args=args, daemon=True)
    proc.start()
    return proc


@pytest.fixture
def procs() -> Iterator[list[Any]]:
    started: list[Any] = []
    yield started
    for proc in started:
        if proc.is_alive():
            proc.kill()
        proc.join(10)


def counters(url: str, prefix: str) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """Each counter window's hash, with the hash of the calls settled in it."""
    client = redis.Redis.from_url(url.replace("valkey://", "redis://"), decode_responses=True)
    try:
        keys = [k for k in client.scan_iter(match=f"{prefix}:c:*") if not k.endswith(":d")]
        return {k: (client.hgetall(k), client.hgetall(k + ":d")) for k in keys}
    finally:
        client.close()


def holds(fields: dict[str, str]) -> list[list[int]]:
    """The reservations a window holds (requests, tokens, cost, units; then the lease end)."""
    return [list(map(int, v.split(","))) for k, v in fields.items() if k.startswith("a:")]


def consistent(fields: dict[str, str], settled: dict[str, str]) -> None:
    """Every reservation is wholly held or wholly settled: each total is the sum of the
    reservations held and of the settlements, and no call is both."""
    parts = [h[:4] for h in holds(fields)] + [
        list(map(int, v.split(","))) for v in settled.values()
    ]
    totals = [int(v) for v in fields.get("t", "0,0,0,0").split(",")]
    for f, name in enumerate(("requests", "tokens", "cost", "units")):
        assert totals[f] == sum(p[f] for p in parts), name
    assert not {k[2:] for k in fields if k.startswith("a:")} & set(settled)


class TestAcrossProcesses:
    def test_two_processes_of_200_concurrent_calls_admit_exactly_100(
        self, valkey: Valkey, server: FakeModelServer, prefix: str, procs: list[Any]
    ) -> None:
        """2 processes x 200 concurrent calls against a limit of 100: exactly 100 pass."""
        policy = service_limit(server.base_url, requests=100)
        go, out = CTX.Event(), CTX.Queue()
        procs += [spawn(replica.admit_many, policy, valkey.url, prefix, 200, go, out)
                  for _ in range(2)]  # fmt: skip
        time.sleep(0.2)
        go.set()
        results = [out.get(timeout=60) for _ in range(2)]
        assert sum(a for a, _ in results) == 100
        assert sum(r for _, r in results) == 300
        assert len(server.requests) == 100
        [(fields, settled)] = counters(valkey.url, prefix).values()
        assert fields["t"].split(",")[0] == "100" and holds(fields) == [] and len(settled) == 100
        consistent(fields, settled)

    def test_a_kill_switch_stops_every_replica_at_once(
        self, valkey: Valkey, server: FakeModelServer, prefix: str, procs: list[Any]
    ) -> None:
        """After `rai kill` returns, no replica starts an allowed call: each one's next call
        is refused (the bound is one round trip: every call reads the switch)."""
        policy = limits_policy(server.base_url)
        readies, out = [CTX.Event(), CTX.Event()], CTX.Queue()
        procs += [spawn(replica.call_until_refused, policy, valkey.url, prefix, "KillSwitchOn",
                        ready, out) for ready in readies]  # fmt: skip
        assert all(ready.wait(30) for ready in readies)
        time.sleep(0.5)  # both replicas are calling
        assert main(["kill", "engineering", "--state", valkey.url, "--prefix", prefix]) == 0
        killed_at = time.time()
        for _ in range(2):
            allowed, first, after = out.get(timeout=30)
            assert allowed and first is not None, (len(allowed), first, after, killed_at)
            assert max(allowed) < killed_at  # no call that started after the kill was allowed
            assert first - killed_at < 1.0  # seen within the stated bound
            assert after == ["KillSwitchOn"] * 3
        assert main(["revive", "engineering", "--state", valkey.url, "--prefix", prefix]) == 0

    def test_an_outage_refuses_and_leaves_no_counter_half_settled(
        self, own_valkey: Valkey, server: FakeModelServer, prefix: str, procs: list[Any]
    ) -> None:
        """The server stopped mid-run: the replica's calls are refused (fail closed, a clear
        error naming the rule); when it returns every counter is whole, and calls pass again."""
        policy = service_limit(server.base_url, requests=100_000, tokens=100_000_000)
        ready, out = CTX.Event(), CTX.Queue()
        procs.append(spawn(replica.call_until_refused, policy, own_valkey.url, prefix,
                           "StateUnavailable", ready, out))  # fmt: skip
        assert ready.wait(30)
        time.sleep(0.5)
        own_valkey.stop()
        stopped_at = time.time()
        allowed, first, after = out.get(timeout=30)
        assert allowed and first is not None and first - stopped_at < 3.0
        assert after == ["StateUnavailable"] * 3
        own_valkey.start()
        for fields, settled in counters(own_valkey.url, prefix).values():
            consistent(fields, settled)
        store = rai.RedisState(own_valkey.url, prefix=prefix)
        governance = rai.Governance(rai.Policy.from_dict(policy), state=store)
        with rai.Guard(governance) as guard:
            guard.chat("hi", **replica.MK)
        store.close()

    def test_a_process_killed_mid_call_frees_its_reservation_when_the_lease_ends(
        self, valkey: Valkey, prefix: str, procs: list[Any]
    ) -> None:
        """A replica killed while its call waits holds the budget only until its lease
        (the provider's time-out plus the margin) ends."""
        with socket.socket() as hole:  # a provider that accepts and never answers
            hole.bind(("127.0.0.1", 0))
            hole.listen(8)
            base_url = f"http://127.0.0.1:{hole.getsockname()[1]}/v1"
            policy = service_limit(base_url, requests=1)
            policy["providers"][0]["timeout_s"] = 3
            policy["limits"]["lease_margin_s"] = 0.5  # the lease: 3.5 s
            proc = spawn(replica.hold_and_hang, policy, valkey.url, prefix)
            procs.append(proc)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                rows = list(counters(valkey.url, prefix).values())
                if rows and len(holds(rows[0][0])) == 1:
                    break
                time.sleep(0.01)
            held_at = time.monotonic()
            os.kill(proc.pid, signal.SIGKILL)
            proc.join(10)
            store = rai.RedisState(valkey.url, prefix=prefix)
            guard = rai.Guard(rai.Governance(rai.Policy.from_dict(policy), state=store))
            limits = guard.governance.pipeline.limits
            prepared = guard.prepare("hi", **replica.MK)
            with pytest.raises(rai.LimitExceeded):
                limits.reserve(prepared)  # the dead process's reservation still holds
            time.sleep(max(0.0, held_at + 3.7 - time.monotonic()))
            held = limits.reserve(prepared).reservation  # its lease ended: the budget is free
            assert held is not None
            limits.release(held)
            guard.close()
            store.close()
