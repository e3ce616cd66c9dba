"""`MemoryState`: the in-process default (nothing to run). The same rules as the shared
store — kill switches first, every counter checked before any is held, leases that
expire, settling once per call id — under one lock."""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable

from .._clock import call_id as new_call_id
from ._shapes import Amounts, Counter, Held, Plan, Refusal, UsageRow

__all__ = ["MemoryState"]

_ZERO: Amounts = (0, 0, 0, 0)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class _Window:
    __slots__ = ("done", "expires_ms", "expiries", "held", "key", "leases", "used", "window_s")

    def __init__(self, key: str, window_s: int, expires_ms: int) -> None:
        self.key = key
        self.window_s = window_s
        self.expires_ms = expires_ms
        self.used = [0, 0, 0, 0]
        self.held = [0, 0, 0, 0]
        self.leases: dict[str, tuple[int, Amounts]] = {}  # call id -> (expiry ms, amounts)
        self.expiries: list[tuple[int, str]] = []  # a heap of (expiry ms, call id)
        self.done: set[str] = set()

    def over(self, limits: Amounts, amounts: Amounts, prev: Amounts) -> int:
        """The first measure whose limit `amounts` would pass (-1: none), `prev` (the
        call's own earlier hold) not counted."""
        u, h = self.used, self.held
        r, t, c, n = limits
        if r >= 0 and u[0] + h[0] - prev[0] + amounts[0] > r:
            return 0
        if t >= 0 and u[1] + h[1] - prev[1] + amounts[1] > t:
            return 1
        if c >= 0 and u[2] + h[2] - prev[2] + amounts[2] > c:
            return 2
        if n >= 0 and u[3] + h[3] - prev[3] + amounts[3] > n:
            return 3
        return -1

    def drop(self, call_id: str) -> Amounts:
        lease = self.leases.pop(call_id, None)
        if lease is None:
            return _ZERO
        a, held = lease[1], self.held
        held[0] -= a[0]
        held[1] -= a[1]
        held[2] -= a[2]
        held[3] -= a[3]
        return a

    def hold(self, call_id: str, until: int, amounts: Amounts) -> None:
        self.drop(call_id)
        self.leases[call_id] = (until, amounts)
        heap = self.expiries
        heapq.heappush(heap, (until, call_id))
        if len(heap) > 2 * len(self.leases) + 64:  # mostly settled: keep the live ones
            self.expiries = [(u, c) for c, (u, _) in self.leases.items()]
            heapq.heapify(self.expiries)
        held = self.held
        held[0] += amounts[0]
        held[1] += amounts[1]
        held[2] += amounts[2]
        held[3] += amounts[3]

    def settle(self, call_id: str, actual: Amounts) -> None:
        self.drop(call_id)
        used = self.used
        used[0] += actual[0]
        used[1] += actual[1]
        used[2] += actual[2]
        used[3] += actual[3]
        self.done.add(call_id)

    def purge(self, now_ms: int) -> None:
        """Drop the leases that ended (the heap's stale entries, of leases settled or
        renewed since, are skipped)."""
        heap = self.expiries
        while heap and heap[0][0] <= now_ms:
            until, call_id = heapq.heappop(heap)
            lease = self.leases.get(call_id)
            if lease is not None and lease[0] == until:
                self.drop(call_id)


class _Slot:
    """A counter's current window (its end, so that a call compares one number)."""

    __slots__ = ("ends_ms", "window", "window_ms")

    def __init__(self, window_ms: int) -> None:
        self.window_ms = window_ms
        self.ends_ms = 0  # no window yet
        self.window: _Window | None = None


class MemoryState:
    """Limits, leases and kill switches in this process only (a service of one replica,
    tests, development). `clock` returns milliseconds (injectable for tests)."""

    shared = False

    def __init__(self, clock: Callable[[], int] | None = None) -> None:
        self._clock = clock or _now_ms
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}
        self._slots: dict[tuple[str, int], _Slot] = {}  # (counter key, window s) -> slot
        self._kills: set[str] = set()

    def plan(self, kills: tuple[str, ...], counters: tuple[Counter, ...], lease_ms: int) -> Plan:
        with self._lock:
            slots = tuple(
                self._slots.setdefault((c.key, c.window_s), _Slot(c.window_s * 1000))
                for c in counters
            )
        return Plan(kills, counters, lease_ms, slots)

    def reserve(self, plan: Plan, call_id: str | None, amounts: Amounts) -> Held | Refusal:
        known = call_id is not None  # a new call cannot have held or settled before
        if call_id is None:
            call_id = new_call_id()
        with self._lock:
            if self._kills:
                for i, name in enumerate(plan.kills):
                    if name in self._kills:
                        return Refusal("killed", i)
            now = self._clock()
            windows: list[_Window] = []
            for j, slot in enumerate(plan.args):
                window = slot.window
                if now >= slot.ends_ms or window is None:
                    window = self._roll(plan.counters[j].key, slot, now, plan.lease_ms)
                if window.expiries and window.expiries[0][0] <= now:
                    window.purge(now)
                prev = _ZERO
                if known:
                    if call_id in window.done:
                        return Refusal("settled", j)
                    lease = window.leases.get(call_id)
                    if lease is not None:
                        prev = lease[1]
                limits = plan.counters[j].limits
                f = window.over(limits, amounts, prev)
                if f >= 0:
                    total = window.used[f] + window.held[f] - prev[f]
                    return Refusal("limit", j, f, total, limits[f])
                windows.append(window)
            until = now + plan.lease_ms
            for window in windows:
                window.hold(call_id, until, amounts)
            return Held(call_id, tuple([w.key for w in windows]), amounts)

    async def areserve(self, plan: Plan, call_id: str | None, amounts: Amounts) -> Held | Refusal:
        return self.reserve(plan, call_id, amounts)

    def stopped(self, plan: Plan) -> Refusal | None:
        kills = self._kills  # read without the lock: a switch flipped meanwhile is seen
        if kills:  # by the next call (set membership is atomic)
            for i, name in enumerate(plan.kills):
                if name in kills:
                    return Refusal("killed", i)
        return None

    async def astopped(self, plan: Plan) -> Refusal | None:
        return self.stopped(plan)

    def _roll(self, counter: str, slot: _Slot, now: int, lease_ms: int) -> _Window:
        """The counter's window at `now` (made when it has none, or it ended)."""
        index = now // slot.window_ms
        key = f"{counter}:{index}"
        window = self._windows.get(key)
        if window is None or window.expires_ms <= now:
            window = _Window(key, slot.window_ms // 1000, (index + 1) * slot.window_ms + lease_ms)
            self._windows[key] = window
            self._expire(now)
        slot.window, slot.ends_ms = window, (index + 1) * slot.window_ms
        return window

    def settle(self, held: Held, actual: Amounts) -> int:
        n = 0
        with self._lock:
            for key in held.keys:
                window = self._windows.get(key)
                if window is None or held.call_id in window.done:
                    continue
                window.settle(held.call_id, actual)
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
