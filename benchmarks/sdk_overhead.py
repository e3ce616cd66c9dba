"""The official openai SDK through `rai.http_client` vs the same SDK with a plain httpx2
client, over the same in-process MockTransport, in one run.

    python benchmarks/sdk_overhead.py [--calls 5000]

Goal (issue 7): the governed SDK call costs <= 1.3x the bare SDK call.
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any

import httpx2
import openai
from _workload import BASE, PROMPT, RESPONSE, measure

import responsible_ai as rai


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=RESPONSE, headers={"content-type": "application/json"})

    provider = {"name": "openai-prod", "kind": "openai", "base_url": BASE, "tier": "enterprise",
                "models": ["gpt-4o-mini"], "max_data_class": "confidential"}  # fmt: skip
    policy = rai.Policy.from_dict({
        "policy": {"id": "bench", "version": "1"}, "providers": [provider],
        "use_cases": {"rules": {"marketing.copy": {"requires_review": True}}},
    })  # fmt: skip
    mock = httpx2.MockTransport(handler)
    plain = openai.OpenAI(
        base_url=BASE, api_key="sk", max_retries=0, http_client=httpx2.Client(transport=mock)
    )
    governed_http = rai.http_client(policy, use_case="marketing.copy", inner=mock)
    governed = openai.OpenAI(base_url=BASE, api_key="sk", max_retries=0, http_client=governed_http)
    messages: Any = [{"role": "user", "content": PROMPT}]
    sides = {
        "sdk": lambda: plain.chat.completions.create(model="gpt-4o-mini", messages=messages),
        "sdk+rai": lambda: governed.chat.completions.create(model="gpt-4o-mini", messages=messages),
    }
    for fn in sides.values():
        measure(fn, 300)
    times: dict[str, list[float]] = {k: [] for k in sides}
    per = max(1, args.calls // args.rounds)
    for _ in range(args.rounds):
        for k, fn in sides.items():
            times[k] += measure(fn, per)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"1 KB prompt, {per * args.rounds} calls per side, MockTransport (httpx2)\n")
    print(f"{'side':<8} {'median us':>10} {'p99 us':>9}")
    for k, v in times.items():
        print(f"{k:<8} {med[k]:>10.1f} {statistics.quantiles(v, n=100)[98]:>9.1f}")
    ratio = med["sdk+rai"] / med["sdk"]
    verdict = "meets" if ratio <= 1.3 else "MISSES"
    print(f"\ngoverned SDK call: {ratio:.2f}x the bare SDK call; {verdict} the <= 1.3x goal")


if __name__ == "__main__":
    main()
