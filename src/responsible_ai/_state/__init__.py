"""Where limits, leases and kill switches live: in the process (`MemoryState`, the
default: nothing to run) or on a Redis-protocol server every replica shares
(`RedisState`, named by ``RAI_STATE_URL`` or the policy's ``state.url``).

```
_shapes.py   Counter, Plan, Held, Refusal, UsageRow, the StateStore protocol (data only)
_memory.py   MemoryState: the same rules under one lock
_redis.py    RedisState: the rules as two server-side scripts (reserve, settle)
```
"""

from __future__ import annotations

import os
from typing import Any

from .._policy import StateSettings
from ._memory import MemoryState
from ._redis import RESERVE, SETTLE, RedisState, redis_url
from ._shapes import (
    MEASURES,
    NO_LIMIT,
    Amounts,
    Counter,
    Held,
    Plan,
    Refusal,
    StateStore,
    UsageRow,
)

__all__ = [
    "MEASURES",
    "NO_LIMIT",
    "RESERVE",
    "SETTLE",
    "STATE_URL_ENV",
    "Amounts",
    "Counter",
    "Held",
    "MemoryState",
    "Plan",
    "RedisState",
    "Refusal",
    "StateStore",
    "UsageRow",
    "open_state",
    "redis_url",
]

STATE_URL_ENV = "RAI_STATE_URL"


def open_state(source: Any, settings: StateSettings) -> StateStore:
    """The store of `Governance(state=...)`: a store given as it is; a URL; else
    ``RAI_STATE_URL``; else the policy's ``state.url``; else the in-process default."""
    if source is not None and not isinstance(source, str):
        if not all(callable(getattr(source, name, None)) for name in ("reserve", "stopped")):
            raise TypeError(
                "state must be a URL (redis://, valkey://), rai.MemoryState or rai.RedisState, "
                f"got {type(source).__name__}"
            )
        store: StateStore = source
        return store
    url = source or os.environ.get(STATE_URL_ENV, "").strip() or settings.url
    if not url:
        return MemoryState()
    return RedisState(url, prefix=settings.prefix, timeout_s=settings.timeout_s)
