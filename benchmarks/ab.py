"""A baseline checkout against this tree, in one process, interleaved: the spine, the
governed call and the SDK transport of both, with the bare calls they are measured
against, each side's batches taking turns so that a shared machine's noise lands on
all of them alike (separate processes, run one after the other, differ by more than
the microseconds being compared).

    git worktree add --detach /tmp/base 544f2d5
    python benchmarks/ab.py /tmp/base [--rounds 30]
    .venv-bench/bin/python benchmarks/ab.py /tmp/base --otel --cpu --prompt clean

`--otel` adds each version's governed call with spans, metrics (SDK providers, in-memory
exporters) and an audit sink, as `otel_overhead.py` measures it, and the same call with the
PII stage off (what the rest of the call adds); `--cpu` takes each
batch's CPU time of the thread instead of each call's wall clock (on a shared machine,
waits for a core do not count); `--prompt` picks the 1 KiB prompt (`_workload.PROMPTS`).

The baseline's package is copied to a temporary directory under the name `rai_base`
(the package imports itself only relatively), so both versions load side by side.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import openai
from _workload import BASE, PROMPTS, RESPONSE, measure, measure_cpu

CALL = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}


def policy(rai: Any, pii: bool) -> Any:
    return rai.Policy.from_dict({
        "pii": {"enabled": pii},
        "policy": {"id": "bench", "version": "1"},
        "providers": [{"name": "openai-prod", "kind": "openai", "base_url": BASE,
                       "models": ["gpt-4o-mini"], "tier": "enterprise",
                       "api_key_env": "RAI_BENCH_KEY", "max_data_class": "confidential"}],
        "use_cases": {"rules": {"marketing.copy": {"requires_review": True}}},
    })  # fmt: skip


def load_base(checkout: Path) -> Any:
    target = Path(tempfile.mkdtemp(prefix="rai-ab-"))
    shutil.copytree(checkout / "src" / "responsible_ai", target / "rai_base")
    sys.path.insert(0, str(target))
    return importlib.import_module("rai_base")


def sides(
    rai: Any, name: str, mock: httpx2.MockTransport, prompt: str, otel: Any = None
) -> dict[str, Callable[[], Any]]:
    client = httpx2.Client(transport=mock)
    spine = rai.Guard(policy(rai, pii=False), http_client=client)
    governed = rai.Guard(policy(rai, pii=True), http_client=client)
    http = rai.http_client(policy(rai, pii=True), use_case="marketing.copy", inner=mock)
    sdk = openai.OpenAI(base_url=BASE, api_key="sk-bench", max_retries=0, http_client=http)
    messages: Any = [{"role": "user", "content": prompt}]
    out = {
        f"{name} spine": lambda: spine.chat(messages, **CALL),
        f"{name} governed": lambda: governed.chat(messages, **CALL),
        f"{name} sdk+rai": lambda: sdk.chat.completions.create(
            model="gpt-4o-mini", messages=messages
        ),
    }
    if otel is not None:  # spans, metrics and audit events, as otel_overhead.py has them
        observed = rai.Guard(
            policy(rai, pii=True), http_client=client, telemetry=rai.Telemetry(*otel),
            audit=rai.AuditTrail(sink=lambda line: None), signer=rai.HmacSigner(b"k" * 32, "ab"),
        )  # fmt: skip
        out[f"{name} observed"] = lambda: observed.chat(messages, **CALL)
        # the same with the PII stage off: what the rest of an observed call adds
        unscanned = rai.Guard(
            policy(rai, pii=False), http_client=client, telemetry=rai.Telemetry(*otel),
            audit=rai.AuditTrail(sink=lambda line: None), signer=rai.HmacSigner(b"k" * 32, "ab"),
        )  # fmt: skip
        out[f"{name} observed, PII off"] = lambda: unscanned.chat(messages, **CALL)
    return out


def providers() -> tuple[Any, Any]:
    """An SDK tracer provider (simple processor, in-memory exporter) and meter provider."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    return tracer_provider, MeterProvider(metric_readers=[InMemoryMetricReader()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", type=Path, help="a checkout of the baseline (a git worktree)")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--otel", action="store_true", help="add the observed governed call")
    parser.add_argument("--cpu", action="store_true", help="each batch's CPU time per call")
    parser.add_argument("--prompt", choices=sorted(PROMPTS), default="bench")
    args = parser.parse_args()
    os.environ["RAI_BENCH_KEY"] = "sk-bench"
    import responsible_ai as rai

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=RESPONSE, headers={"content-type": "application/json"})

    mock = httpx2.MockTransport(handler)
    bare = httpx2.Client(transport=mock)
    plain = openai.OpenAI(base_url=BASE, api_key="sk", max_retries=0, http_client=bare)
    prompt = PROMPTS[args.prompt]
    messages: Any = [{"role": "user", "content": prompt}]
    otel = providers() if args.otel else None
    url = f"{BASE}/chat/completions"
    runs: dict[str, Callable[[], Any]] = {
        "bare httpx2": lambda: bare.post(
            url, json={"model": "gpt-4o-mini", "messages": messages},
            headers={"authorization": "Bearer sk"},
        ).json(),
        "bare sdk": lambda: plain.chat.completions.create(model="gpt-4o-mini", messages=messages),
        **sides(load_base(args.base), "base", mock, prompt, otel),
        **sides(rai, "this", mock, prompt, otel),
    }  # fmt: skip
    instrumentor = None
    if otel is not None:  # the official SDK under openai-v2, instrumented for its batches only
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

        instrumentor = OpenAIInstrumentor()
        runs["sdk+otel"] = runs["bare sdk"]
    times: dict[str, list[float]] = {k: [] for k in runs}
    for fn in runs.values():
        for _ in range(200):
            fn()
    for _ in range(args.rounds):
        for key, fn in runs.items():
            if key == "sdk+otel" and instrumentor is not None and otel is not None:
                instrumentor.instrument(tracer_provider=otel[0], meter_provider=otel[1])
                for _ in range(50):  # warm the instrumented path
                    fn()
            try:
                if args.cpu:
                    times[key].append(measure_cpu(fn, args.batch))
                else:
                    times[key] += measure(fn, args.batch)
            finally:
                if key == "sdk+otel" and instrumentor is not None:
                    instrumentor.uninstrument()
    med = {k: statistics.median(v) for k, v in times.items()}
    what = "CPU time per call, median of the batches" if args.cpu else "wall clock, median"
    print(f"{args.rounds} rounds of {args.batch} calls per side, interleaved, one process; "
          f"{what}\n")  # fmt: skip
    for who in ("base", "this"):
        spine = med[f"{who} spine"] - med["bare httpx2"]
        governed = med[f"{who} governed"] - med["bare httpx2"]
        ratio = med[f"{who} sdk+rai"] / med["bare sdk"]
        line = f"{who}: spine +{spine:.1f} us, governed +{governed:.1f} us, SDK {ratio:.3f}x"
        if args.otel:
            observed = med[f"{who} observed"] - med["bare httpx2"]
            unscanned = med[f"{who} observed, PII off"] - med["bare httpx2"]
            line += (
                f", observed +{observed:.1f} us (telemetry and audit {observed - governed:.1f}); "
                f"observed / sdk+otel {med[f'{who} observed'] / med['sdk+otel']:.3f}x, "
                f"added / sdk+otel {observed / med['sdk+otel']:.3f}x; PII off: added "
                f"+{unscanned:.1f} us, {unscanned / med['sdk+otel']:.3f}x"
            )
        print(line)
    if args.otel:
        print(f"\nbare httpx2 {med['bare httpx2']:.1f} us, bare sdk {med['bare sdk']:.1f} us, "
              f"sdk+otel {med['sdk+otel']:.1f} us")  # fmt: skip


if __name__ == "__main__":
    main()
