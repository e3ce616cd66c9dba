"""What the limits step asks a state store, and what it answers: plain data, no I/O.

Amounts are four integers in a fixed order, `MEASURES`: requests, tokens, cost in
micro-units of the policy's currency (integers: no float drift across replicas), and the
units a caller declares. A limit of ``-1`` means that measure is not limited.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple, Protocol

__all__ = [
    "MEASURES",
    "NO_LIMIT",
    "Amounts",
    "Counter",
    "Held",
    "Plan",
    "Refusal",
    "StateStore",
    "UsageRow",
]

MEASURES = ("requests", "tokens", "cost", "units")
NO_LIMIT = -1
Amounts = tuple[int, int, int, int]


class Counter(NamedTuple):
    """One budget a call counts against: `key` names it without its window (the store
    adds the window it falls in, by the store's own clock), `limits` per measure."""

    key: str
    window_s: int
    limits: Amounts


class Plan(NamedTuple):
    """What a kind of call reserves against, compiled once by the store (`StateStore.plan`)
    and asked with each call's id and amounts (`StateStore.reserve`): refused if any kill
    switch in `kills` is on or any counter has no room; otherwise held for `lease_ms`.
    `args` is the store's own precomputed form (the shared store's packed command, the
    in-process store's counters)."""

    kills: tuple[str, ...]
    counters: tuple[Counter, ...]
    lease_ms: int
    args: tuple[Any, ...] = ()


class Held(NamedTuple):
    """A reservation the store holds: the windowed keys it is held in, and how much."""

    call_id: str
    keys: tuple[str, ...]
    amounts: Amounts


class Refusal(NamedTuple):
    """Why the store refused: a kill switch (`at`: its index in `Plan.kills`), a counter without
    room (`at`: its index in `Plan.counters`, `measure` into `MEASURES`, what is used and the
    limit), or a call that was already settled (`settled`)."""

    kind: Literal["killed", "limit", "settled"]
    at: int
    measure: int = 0
    used: int = 0
    limit: int = 0


class UsageRow(NamedTuple):
    """One counter's current window as `rai limits show` prints it."""

    key: str
    window: int
    window_s: int
    used: Amounts
    held: Amounts
    leases: int


class StateStore(Protocol):
    """Where limits, leases and kill switches live: `MemoryState` in the process, or
    `RedisState` shared by every replica. Every method is atomic; an unreachable store
    raises `StateError`."""

    shared: bool

    def plan(
        self, kills: tuple[str, ...], counters: tuple[Counter, ...], lease_ms: int
    ) -> Plan: ...
    def reserve(self, plan: Plan, call_id: str | None, amounts: Amounts) -> Held | Refusal:
        """Atomically: refuse, or hold `amounts` in every counter of `plan` under
        `call_id` (None: a new call, which the store names; reserving again under one
        call id replaces its earlier hold, and a settled call id is refused)."""

    async def areserve(
        self, plan: Plan, call_id: str | None, amounts: Amounts
    ) -> Held | Refusal: ...
    def stopped(self, plan: Plan) -> Refusal | None:
        """The first kill switch of `plan` that is on (a plan without counters: a call no
        limit applies to reads its switches only, and holds nothing)."""

    async def astopped(self, plan: Plan) -> Refusal | None: ...
    def settle(self, held: Held, actual: Amounts) -> int: ...
    async def asettle(self, held: Held, actual: Amounts) -> int: ...
    def kill(self, name: str) -> None: ...
    def revive(self, name: str) -> bool: ...
    def killed(self) -> list[str]: ...
    def usage(self) -> list[UsageRow]: ...
    def close(self) -> None: ...
