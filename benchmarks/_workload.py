"""The workload the call benchmarks share: a 1 KB prompt and a realistic completion."""

from __future__ import annotations

import json

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
