"""A long scan in an async call runs off the event loop (issue 13)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import responsible_ai as rai

CALL = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}


class Where:
    """A caller's step that records the thread each half runs in."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    def prepare(self, prepared: Any) -> None:
        self.threads.append(threading.current_thread().name)

    def finish(self, prepared: Any, response: rai.ChatResponse) -> rai.ChatResponse:
        self.threads.append(threading.current_thread().name)
        return response


@pytest.mark.parametrize(("size", "off"), [(100, False), (200_000, True)])
async def test_long_prompts_are_scanned_in_a_worker_thread(
    policy: rai.Policy, size: int, off: bool
) -> None:
    where = Where()
    async with rai.Guard(policy, steps=[where]) as guard:
        resp = await guard.achat("word " * (size // 5) + "mail jane@roe.example", **CALL)
    assert resp.redactions == {"EMAIL_ADDRESS": 1}
    main = threading.main_thread().name
    assert (where.threads[0] != main) is off
