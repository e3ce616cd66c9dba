"""`MemoryState`: the in-process default (nothing to run). The same rules as the shared
store — kill switches first, every counter checked before any is held, leases that
expire, settling once per call id — under one lock."""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable

from ._shapes import Amounts, Ask, Held, Refusal, UsageRow

__all__ = ["MemoryState"]

_ZERO: Amounts = (0, 0, 0, 0)


class _Window:
    __slots__ = ("done", "expires_ms", "expiries", "held", "leases", "used", "window_s")

    def __init__(self, window_s: int, expires_ms: int) -> None:
        self.window_s = window_s
        self.expires_ms = expires_ms
        self.used = [0, 0, 0, 0]
        self.held = [0, 0, 0, 0]
        self.leases: dict[str, tuple[int, Amounts]] = {}  # call id -> (expiry ms, amounts)
        self.expiries: list[tuple[int, str]] = []  # a heap of (expiry ms, call id)
        self.done: set[str] = set()

    def drop(self, call_id: str) -> None:
        lease = self.leases.pop(call_id, None)
        if lease is not None:
            for f, amount in enumerate(lease[1]):
                self.held[f] -= amount

    def hold(self, call_id: str, until: int, amounts: Amounts) -> None:
        self.drop(call_id)
        self.leases[call_id] = (until, amounts)
        heapq.heappush(self.expiries, (until, call_id))
        for f, amount in enumerate(amounts):
            self.held[f] += amount

    def purge(self, now_ms: int) -> None:
        """Drop the leases that ended (the heap's stale entries, of leases settled or
        renewed since, are skipped)."""
        heap = self.expiries
        while heap and heap[0][0] <= now_ms:
            until, call_id = heapq.heappop(heap)
            lease = self.leases.get(call_id)
            if lease is not None and lease[0] == until:
                self.drop(call_id)


class MemoryState:
    """Limits, leases and kill switches in this process only (a service of one replica,
    tests, development). `clock` returns milliseconds (injectable for tests)."""

    shared = False

    def __init__(self, clock: Callable[[], int] | None = None) -> None:
        self._clock = clock or (lambda: time.time_ns() // 1_000_000)
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}
        self._kills: set[str] = set()

    def reserve(self, ask: Ask) -> Held | Refusal:
        with self._lock:
            for i, name in enumerate(ask.kills):
                if name in self._kills:
                    return Refusal("killed", i)
            now = self._clock()
            windows: list[tuple[str, _Window]] = []
            for j, counter in enumerate(ask.counters):
                win_ms = counter.window_s * 1000
                index = now // win_ms
                key = f"{counter.key}:{index}"
                window = self._windows.get(key)
                if window is None or window.expires_ms <= now:
                    window = _Window(counter.window_s, (index + 1) * win_ms + ask.lease_ms)
                    self._windows[key] = window
                window.purge(now)
                if ask.call_id in window.done:
                    return Refusal("settled", j)
                prev = window.leases.get(ask.call_id, (0, _ZERO))[1]
                for f, limit in enumerate(counter.limits):
                    if limit >= 0:
                        used = window.used[f] + window.held[f] - prev[f]
                        if used + ask.amounts[f] > limit:
                            return Refusal("limit", j, f, used, limit)
                windows.append((key, window))
            for _, window in windows:
                window.hold(ask.call_id, now + ask.lease_ms, ask.amounts)
            self._expire(now)
            return Held(ask.call_id, tuple(key for key, _ in windows), ask.amounts)

    async def areserve(self, ask: Ask) -> Held | Refusal:
        return self.reserve(ask)

    def settle(self, held: Held, actual: Amounts) -> int:
        n = 0
        with self._lock:
            for key in held.keys:
                window = self._windows.get(key)
                if window is None or held.call_id in window.done:
                    continue
                window.drop(held.call_id)
                for f, amount in enumerate(actual):
                    window.used[f] += amount
                window.done.add(held.call_id)
                n += 1
        return n

    async def asettle(self, held: Held, actual: Amounts) -> int:
        return self.settle(held, actual)

    def _expire(self, now: int) -> None:
        if len(self._windows) > 1024:
            for key in [k for k, w in self._windows.items() if w.expires_ms <= now]:
                del self._windows[key]

    def kill(self, name: str) -> None:
        with self._lock:
            self._kills.add(name)

    def revive(self, name: str) -> bool:
        with self._lock:
            if name in self._kills:
                self._kills.discard(name)
                return True
            return False

    def killed(self) -> list[str]:
        with self._lock:
            return sorted(self._kills)

    def usage(self) -> list[UsageRow]:
        with self._lock:
            now = self._clock()
            rows = []
            for key, w in sorted(self._windows.items()):
                if w.expires_ms <= now:
                    continue
                base, _, index = key.rpartition(":")
                rows.append(
                    UsageRow(base, int(index), w.window_s, _four(w.used), _four(w.held),
                             len(w.leases))
                )  # fmt: skip
            return rows

    def close(self) -> None:
        pass


def _four(values: list[int]) -> Amounts:
    return (values[0], values[1], values[2], values[3])
