"""The workload the call benchmarks share: a 1 KB prompt and a realistic completion."""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from typing import Any

BASE = "https://api.example.test/v1"
PROMPT = ("Draft a friendly reminder to customers that the branch closes early on Friday. " * 13)[
    :1024
]
RESPONSE = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1741569952,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Sure! " * 40},
                 "finish_reason": "stop", "logprobs": None}],
    "usage": {"prompt_tokens": 230, "completion_tokens": 80, "total_tokens": 310},
}).encode()  # fmt: skip


def measure(fn: Callable[[], Any], n: int) -> list[float]:
    """Per-call microseconds with the cyclic GC paused, as `timeit` does: a collection
    landing in one side's batch would otherwise bill it for another side's garbage."""
    out = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(n):
            t0 = time.perf_counter_ns()
            fn()
            out.append((time.perf_counter_ns() - t0) / 1000)
    finally:
        gc.enable()
    return out
