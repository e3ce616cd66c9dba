"""What the evidence store adds to a governed call: the same `Guard.chat` with and
without an embedded (SQLite) store, in the same run, interleaved in rounds (and the
same pair for a call about one client, whose records carry the client's tag).

Both sides go through the same in-process `MockTransport` (no sockets) with a 1 KB
prompt and PII redaction on; with the store, each call appends its decision before the
call and its answer after it — one ``call`` record when the call ends before the writer
takes the decision (here, nearly always), else two records — plus a subject's tag on
the ``subject`` sides. The writer thread commits in batches. Wall-clock medians are
what a caller waits; "CPU us/call" is the process's CPU time per call with every
thread counted and each store-side batch flushed, so the writer's commits are billed
to the store's side (the steadier figure on a busy machine); "writer" is the writer
thread's own share of it. The run ends with a verification of everything written.

On a shared machine the load drifts within a run; so each round also gives its own
difference (the store side's median less its baseline's, measured next to each other,
the order of the sides alternating from round to round), and "paired" is the median of
those differences over the rounds, with their range.

    python benchmarks/evidence.py [--calls 20000] [--durability batch|sync]
                                  [--commit-window-ms 100]

Goal (issue 26): an append adds <= 50 us to a governed call (median), all of a call's
evidence counted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from typing import Any

import httpx2 as http
from _workload import BASE, PROMPT, RESPONSE, measure

import responsible_ai as rai
from responsible_ai._evidence import EvidenceStore
from responsible_ai._policy import EvidenceSettings

CALL: dict[str, Any] = {"use_case": "client.support", "provider": "openai-prod",
                        "model": "gpt-4o-mini"}  # fmt: skip


def policy() -> rai.Policy:
    return rai.Policy.from_dict({
        "policy": {"id": "bench", "version": "1"},
        "providers": [{"name": "openai-prod", "kind": "openai", "base_url": BASE,
                       "models": ["gpt-4o-mini"], "tier": "enterprise",
                       "api_key_env": "RAI_BENCH_KEY", "max_data_class": "confidential"}],
        "use_cases": {"rules": {"client.support": {"max_data_class": "confidential"}}},
    })  # fmt: skip


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def writer_time(store: EvidenceStore) -> float:
    """The CPU seconds the store's writer thread has used (0 before it starts)."""
    writer = store._writer
    if writer is None or writer.ident is None:
        return 0.0
    return time.clock_gettime(time.pthread_getcpuclockid(writer.ident))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--durability", choices=["batch", "sync"], default="batch")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--commit-window-ms", type=int, default=EvidenceSettings().commit_window_ms)
    args = parser.parse_args()
    os.environ.setdefault("RAI_BENCH_KEY", "sk-bench")
    os.environ.setdefault("RAI_PSEUDONYM_KEY", "ab" * 32)

    def handler(request: Any) -> Any:
        return http.Response(200, content=RESPONSE, headers={"content-type": "application/json"})

    client = http.Client(transport=http.MockTransport(handler))
    folder = tempfile.mkdtemp(prefix="rai-bench-")
    settings = EvidenceSettings(commit_window_ms=args.commit_window_ms)
    store = EvidenceStore(
        f"sqlite:///{folder}/evidence.db", durability=args.durability, settings=settings
    )
    plain = rai.Guard(rai.Governance(policy()), http_client=client)
    stored = rai.Guard(rai.Governance(policy(), evidence=store), http_client=client)
    messages = [{"role": "user", "content": PROMPT}]
    subject = rai.ClientRecord(id="client-42", name="Jane Example")
    sides = {
        "no store": lambda: plain.chat(messages, **CALL),
        "store": lambda: stored.chat(messages, **CALL),
        "subject, no store": lambda: plain.chat(messages, subject=subject, **CALL),
        "subject, store": lambda: stored.chat(messages, subject=subject, **CALL),
    }
    for fn in sides.values():  # warm up
        measure(fn, 300)
    store.flush()
    times: dict[str, list[float]] = {name: [] for name in sides}
    cpu: dict[str, float] = dict.fromkeys(sides, 0.0)
    writer_cpu: dict[str, float] = dict.fromkeys(sides, 0.0)
    per = max(1, args.calls // args.rounds)
    records_before = store.head()
    pairs = (("no store", "store"), ("subject, no store", "subject, store"))
    paired: dict[str, list[float]] = {store_side: [] for _, store_side in pairs}
    for round_ in range(args.rounds):
        medians: dict[str, float] = {}
        order = list(sides.items()) if round_ % 2 == 0 else list(reversed(sides.items()))
        for name, fn in order:
            w0 = writer_time(store)
            t0 = time.process_time()  # every thread of the process: the writer's work too
            values = measure(fn, per)
            store.flush()  # the store's side pays for committing what it appended
            cpu[name] += time.process_time() - t0
            writer_cpu[name] += writer_time(store) - w0
            times[name] += values
            medians[name] = statistics.median(values)
        for plain_side, store_side in pairs:
            paired[store_side].append(medians[store_side] - medians[plain_side])
    records = store.head() - records_before
    t0 = time.perf_counter()
    store.flush()
    drain = time.perf_counter() - t0
    result = store.verify()
    base = statistics.median(times["no store"])
    print(f"1 KB prompt, PII on, {per * args.rounds} calls per side, in-process MockTransport,")
    print(f"SQLite WAL store, durability={args.durability}, "
          f"commit window {args.commit_window_ms} ms\n")  # fmt: skip
    calls = per * args.rounds
    print(f"{'side':<18} {'median us':>10} {'p99 us':>9} {'added us':>9} {'ratio':>6} "
          f"{'CPU us/call':>12} {'writer':>7}")  # fmt: skip
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<18} {median:>10.1f} {p99(values):>9.1f} {median - base:>9.1f} "
              f"{median / base:>5.2f}x {cpu[name] / calls * 1e6:>12.1f} "
              f"{writer_cpu[name] / calls * 1e6:>7.1f}")  # fmt: skip
    for plain_side, store_side in pairs:
        added = statistics.median(times[store_side]) - statistics.median(times[plain_side])
        added_cpu = (cpu[store_side] - cpu[plain_side]) / calls * 1e6
        verdict = "meets" if added <= 50 else "MISSES"
        rounds = paired[store_side]
        print(
            f"\n{store_side!r} adds {added:.1f} us median wall-clock and {added_cpu:.1f} us CPU "
            f"per call to {plain_side!r}: {verdict} the <= 50 us goal; paired by round "
            f"{statistics.median(rounds):.1f} us ({min(rounds):.1f} to {max(rounds):.1f})",
            end="",
        )
    print(f"\n{records / (2 * calls):.3f} records per call")
    print(f"final flush {drain * 1000:.1f} ms; {result.summary()}")
    store.close()
    client.close()


if __name__ == "__main__":
    main()
