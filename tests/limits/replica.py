"""What one replica does in the multi-process tests: a separate process (spawned) with its
own Governance over the shared Valkey server. Each function reports through a queue."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import responsible_ai as rai

MK = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}


def governance(policy: dict[str, Any], url: str, prefix: str) -> rai.Governance:
    return rai.Governance(
        rai.Policy.from_dict(policy), state=rai.RedisState(url, prefix=prefix, timeout_s=0.5),
        pseudonymizer=rai.Pseudonymizer(bytes(32)),
    )  # fmt: skip


def admit_many(policy: dict[str, Any], url: str, prefix: str, n: int, go: Any, out: Any) -> None:
    """`n` concurrent calls at once (after `go`); reports (allowed, refused by a limit)."""

    async def main() -> tuple[int, int]:
        async with rai.Guard(governance(policy, url, prefix)) as guard:

            async def one() -> bool:
                try:
                    await guard.achat("hi", **MK)
                    return True
                except rai.LimitExceeded:
                    return False

            go.wait(30)
            results = await asyncio.gather(*(one() for _ in range(n)))
        return sum(results), len(results) - sum(results)

    out.put(asyncio.run(main()))


def call_until_refused(
    policy: dict[str, Any], url: str, prefix: str, error: str, ready: Any, out: Any
) -> None:
    """Calls in a loop until one is refused with `error` (then three more, which must be
    refused too); reports the start time of every allowed call, the time of the first
    refusal and the kinds of the later ones."""
    kind = getattr(rai, error)
    allowed: list[float] = []
    after: list[str] = []
    first: float | None = None
    with rai.Guard(governance(policy, url, prefix)) as guard:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(after) < 3:
            start = time.time()
            try:
                guard.chat("hi", **MK)
                if first is None:
                    allowed.append(start)
                    ready.set()  # calling (the first call of a new process is slow)
                else:
                    after.append("allowed")
            except kind:
                if first is None:
                    first = time.time()
                else:
                    after.append(error)
            time.sleep(0.005)
    out.put((allowed, first, after))


def hold_and_hang(policy: dict[str, Any], url: str, prefix: str) -> None:
    """One call to a provider that never answers: the process is killed while it waits."""
    with rai.Guard(governance(policy, url, prefix)) as guard:
        guard.chat("hi", **MK)
