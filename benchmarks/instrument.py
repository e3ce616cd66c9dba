"""An openai SDK call governed process-wide (`rai.instrument()`) vs the same call through
`rai.http_client`, in one run, interleaved.

    python benchmarks/instrument.py [--calls 4000] [--loopback]

Goal: the instrumented call costs within 10 % of the `rai.http_client` call.

How the two are made comparable. `instrument` hooks the transport classes of httpx2 and
httpx — the network ones and any other, `MockTransport` included (a library's own
transport is governed like the network's) — so the default measures both sides over
one in-process `MockTransport` answering a canned 1 KB completion: no socket noise,
only the library's work. With ``--loopback`` both sides send over real HTTP to the
stand-in server (`FakeModelServer`, 127.0.0.1) through httpx2's network transport;
the server's own time then dominates and the ratio moves towards 1. The two sides share
one `Governance` (one policy, one pipeline): what differs is only how the request
reaches the governed transport — a hooked transport method that finds the request's
address approved (instrument), or a client whose transport is the governed one
(http_client). While instrumented, the http_client side passes the hook too (it sees
that its request was governed already), as it would in a service that does both.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from typing import Any

import httpx2
import openai
from _workload import BASE, PROMPT, RESPONSE, measure

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer


def policy_at(base_url: str) -> rai.Policy:
    provider = {"name": "openai-prod", "kind": "openai", "base_url": base_url,
                "tier": "enterprise", "models": ["gpt-4o-mini"],
                "max_data_class": "confidential"}  # fmt: skip
    return rai.Policy.from_dict({
        "policy": {"id": "bench", "version": "1"}, "providers": [provider],
        "use_cases": {"rules": {"marketing.copy": {"requires_review": True}}},
    })  # fmt: skip


def run(base_url: str, inner: Any, calls: int, rounds: int, label: str) -> float:
    governance = rai.Governance(policy_at(base_url))
    messages: Any = [{"role": "user", "content": PROMPT}]

    def client(http: Any) -> openai.OpenAI:
        return openai.OpenAI(base_url=base_url, api_key="sk", max_retries=0, http_client=http)

    via_http_client = client(
        rai.http_client(
            governance, use_case="marketing.copy", **({"inner": inner} if inner else {})
        )
    )
    plain_http = httpx2.Client(transport=inner) if inner is not None else httpx2.Client()
    via_instrument = client(plain_http)
    rai.instrument(governance, use_case="marketing.copy")
    try:
        sides: dict[str, Callable[[], Any]] = {
            "http_client": lambda: via_http_client.chat.completions.create(
                model="gpt-4o-mini", messages=messages
            ),
            "instrument": lambda: via_instrument.chat.completions.create(
                model="gpt-4o-mini", messages=messages
            ),
        }
        for fn in sides.values():
            assert rai.provenance_of(fn()) is not None  # both governed, both stamped
            measure(fn, 200)
        times: dict[str, list[float]] = {k: [] for k in sides}
        per = max(1, calls // rounds)
        for _ in range(rounds):
            for k, fn in sides.items():
                times[k] += measure(fn, per)
    finally:
        rai.uninstrument()
        via_http_client.close()
        via_instrument.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\n{label}: 1 KB prompt, {per * rounds} calls per side, interleaved\n")
    print(f"{'side':<12} {'median us':>10} {'p99 us':>9}")
    for k, v in times.items():
        print(f"{k:<12} {med[k]:>10.1f} {statistics.quantiles(v, n=100)[98]:>9.1f}")
    ratio = med["instrument"] / med["http_client"]
    verdict = "meets" if ratio <= 1.10 else "MISSES"
    print(f"instrument: {ratio:.3f}x the http_client call; {verdict} the <= 1.10x goal")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--loopback", action="store_true", help="real HTTP to 127.0.0.1 too")
    args = parser.parse_args()

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=RESPONSE, headers={"content-type": "application/json"})

    run(BASE, httpx2.MockTransport(handler), args.calls, args.rounds, "in-process MockTransport")
    if args.loopback:
        with FakeModelServer() as server:
            run(server.base_url, None, args.calls // 4, args.rounds, "loopback FakeModelServer")


if __name__ == "__main__":
    main()
