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
# the texts of the call benchmarks' `--prompt` choices and of benchmarks/pii.py: prose with
# no personal data, and a message with a few values of each kind
NO_PII = (
    "Hi team, following up on yesterday's planning session about the spring campaign. We agreed "
    "to focus the first wave on first-time savers and young families, with a simple message "
    "about building a safety net one small step at a time. The creative team will share two "
    "concepts by Thursday, and the web team needs the final copy at least a week before launch "
    "so that translations can be reviewed. Budget stays as approved in the last quarterly "
    "review, with a small reserve for social media tests. Could someone draft three short "
    "headline options and a paragraph of body copy in a warm, plain tone? Please avoid "
    "financial jargon, keep sentences short, and remember that every claim needs a source we "
    "can show to compliance. Thanks a lot, and have a good afternoon everyone. Best regards, "
    "the marketing team."
)
FEW_PII = (
    "Hi team, following up on yesterday's call with our client Jane Roe about the card "
    "replacement. She asked us to use her new address jane.roe@mail.example for all letters, "
    "and her mobile +44 20 7946 0958 for urgent matters. The refund should go to IBAN "
    "GB82 WEST 1234 5698 7654 32 once the blocked card 4111 1111 1111 1111 is cancelled. "
    "The branch in Leeds confirmed the paperwork arrived on Tuesday and that nothing else is "
    "missing. Could someone draft a short, friendly reply that explains the next steps, the "
    "expected timeline of five working days, and who she can contact if anything is unclear? "
    "Please keep it under two hundred words, avoid jargon, and mention that our support desk "
    "is open from nine to five on weekdays. Thanks a lot, and have a good afternoon everyone. "
    "Best regards, the customer care team."
)
PROMPTS = {
    "bench": PROMPT,  # what the benchmarks always used (its cut last word reads as a name)
    "clean": ((NO_PII + " ") * 2)[:1024],
    "pii": ((FEW_PII + " ") * 2)[:1024],
}

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


def measure_cpu(fn: Callable[[], Any], n: int) -> float:
    """The CPU time of this thread per call over a batch of `n`, in microseconds, GC
    paused: on a machine shared with other work, what the call itself spends (its
    waits for a core do not count)."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.thread_time_ns()
        for _ in range(n):
            fn()
        return (time.thread_time_ns() - t0) / 1000 / n
    finally:
        gc.enable()
