"""What one replica does in the multi-process conversation tests: a separate process
(spawned) with its own Governance over the shared Valkey server, serving turns from a
queue until it gets None. Each answer (or the error's type) goes back on `outbox`."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import responsible_ai as rai

MK = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}


def serve(
    policy: dict[str, Any], url: str, prefix: str, key_hex: str, inbox: Any, outbox: Any
) -> None:
    os.environ["RAI_CONVERSATION_KEY"] = key_hex
    state = rai.RedisState(url, prefix=prefix)
    guard = rai.Guard(rai.Governance(rai.Policy.from_dict(policy), state=state))
    outbox.put(("ready", ""))
    while True:
        job = inbox.get(timeout=60)
        if job is None:
            break
        kind, text, kw = job
        subject = kw.pop("subject", None)
        if subject is not None:
            kw["subject"] = rai.ClientRecord(**subject)
        try:
            if kind == "chat":
                outbox.put(("ok", guard.chat(text, **kw, **MK).text))
            else:  # "burst": one turn per line of `text`, all at once

                async def burst(lines: list[str], kw: dict[str, Any]) -> list[str]:
                    async with rai.Guard(guard.governance) as g:
                        turns = [g.achat(line, **kw, **MK) for line in lines]
                        return [r.text for r in await asyncio.gather(*turns)]

                outbox.put(("ok", "\n".join(asyncio.run(burst(text.splitlines(), kw)))))
        except rai.ResponsibleAIError as exc:
            outbox.put((type(exc).__name__, str(exc)))
    guard.close()
    state.close()
