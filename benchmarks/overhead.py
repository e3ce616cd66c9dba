"""What governance adds to one call: a governed `Guard.chat` vs the bare httpx call.

Both go through the same in-process `MockTransport` (no sockets), with a 1 KB prompt,
so the difference is the library's own cost: policy and use-case checks, request
building, retries wrapper, response parsing. Runs are interleaved in rounds so that
machine noise hits both sides alike.

    python benchmarks/overhead.py [--calls 20000] [--backend httpx2|httpx|both] [--otel]

Goal for the spine (issue 3): <= 50 us median added per call.

``--otel`` then compares, in the same run, the whole governance pipeline with spans,
metrics and audit on against the official openai SDK instrumented by
opentelemetry-instrumentation-openai-v2 alone (issue 6; see otel_overhead.py). It needs
the benchmark environment, which pins what that instrumentation can import:

    python3 -m venv .venv-bench && .venv-bench/bin/pip install -r benchmarks/requirements-otel.txt
    .venv-bench/bin/python benchmarks/overhead.py --backend httpx2 --otel
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time
from collections.abc import Callable
from typing import Any

from _workload import BASE, PROMPT, RESPONSE

import responsible_ai as rai


def policy(pii: bool = True) -> rai.Policy:
    return rai.Policy.from_dict({
        "pii": {"enabled": pii},
        "policy": {"id": "bench", "version": "1"},
        "providers": [{"name": "openai-prod", "kind": "openai", "base_url": BASE,
                       "models": ["gpt-4o-mini", "gpt-4.1*"], "tier": "enterprise",
                       "api_key_env": "RAI_BENCH_KEY", "max_data_class": "confidential"}],
        "use_cases": {"blocked": ["hr.performance_review"],
                      "rules": {"marketing.copy": {"requires_review": True,
                                                   "max_data_class": "internal"}}},
    })  # fmt: skip


def measure(fn: Callable[[], Any], n: int) -> list[float]:
    out = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t0 = clock()
        fn()
        out.append((clock() - t0) / 1000)
    return out


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if q < 100 else max(values)


CALL: dict[str, Any] = {
    "use_case": "marketing.copy",
    "provider": "openai-prod",
    "model": "gpt-4o-mini",
}


def run(backend: str, calls: int, rounds: int = 10) -> dict[str, tuple[float, float]]:
    http = importlib.import_module(backend)

    def handler(request: Any) -> Any:
        return http.Response(200, content=RESPONSE, headers={"content-type": "application/json"})

    client = http.Client(transport=http.MockTransport(handler))
    guard = rai.Guard(policy(), http_client=client)
    spine = rai.Guard(policy(pii=False), http_client=client)
    messages = [{"role": "user", "content": PROMPT}]
    headers = {"authorization": "Bearer sk-bench"}
    url = f"{BASE}/chat/completions"
    body = {"model": "gpt-4o-mini", "messages": messages}

    def bare() -> str:
        r = client.post(url, json=body, headers=headers)
        r.raise_for_status()
        return str(r.json()["choices"][0]["message"]["content"])

    def governed() -> str:
        return guard.chat(messages, **CALL).text

    def governed_spine() -> str:
        return spine.chat(messages, **CALL).text

    assert bare() == governed() == governed_spine()
    sides = {"bare": bare, "spine": governed_spine, "governed": governed}
    for fn in sides.values():  # warm up
        measure(fn, 500)
    times: dict[str, list[float]] = {name: [] for name in sides}
    per = max(1, calls // rounds)
    for _ in range(rounds):
        for name, fn in sides.items():
            times[name] += measure(fn, per)
    client.close()
    return {name: (statistics.median(t), p(t, 99)) for name, t in times.items()}


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--backend", choices=["httpx2", "httpx", "both"], default="both")
    parser.add_argument(
        "--otel",
        action="store_true",
        help="also compare governance with opentelemetry-instrumentation-openai-v2 (issue 6)",
    )
    args = parser.parse_args()
    os.environ.setdefault("RAI_BENCH_KEY", "sk-bench")
    backends = ["httpx2", "httpx"] if args.backend == "both" else [args.backend]
    print(f"1 KB prompt, {args.calls} calls per side, in-process MockTransport\n")
    print("sides: bare = httpx call + json; spine = Guard.chat with PII off (policy,")
    print("use case, request, retries wrapper, parsing, provenance stamp); governed =")
    print("Guard.chat with the PII stage on too (prompt redaction + answer scan)\n")
    print(
        f"{'backend':<8} {'side':<9} {'median us':>10} {'p99 us':>9} {'added us':>9} {'ratio':>6}"
    )
    for backend in backends:
        r = run(backend, args.calls)
        base = r["bare"][0]
        for name, (median, p99) in r.items():
            print(
                f"{backend:<8} {name:<9} {median:>10.1f} {p99:>9.1f} "
                f"{median - base:>9.1f} {median / base:>5.2f}x"
            )
        added = r["spine"][0] - base
        verdict = "meets" if added <= 50 else "MISSES"
        print(f"{backend:<8} spine adds {added:.1f} us median: {verdict} the <= 50 us goal\n")
    if args.otel:
        try:
            import otel_overhead
        except ImportError as exc:
            raise SystemExit(
                f"--otel needs the benchmark environment ({exc.name} is missing): "
                "pip install -r benchmarks/requirements-otel.txt"
            ) from None
        print("governance vs opentelemetry-instrumentation-openai-v2 (issue 6)\n")
        otel_overhead.run(max(args.calls // 2, 1000), 20)


if __name__ == "__main__":
    main()
