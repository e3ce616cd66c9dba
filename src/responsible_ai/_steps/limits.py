"""The limits step: before any byte leaves, the call's worst case is reserved against every
budget that holds for it (per principal, per team, for the service), in one atomic step
of the state store that also reads the kill switches; after the answer the reservation
is settled with what the provider reported.

- **Worst case.** Requests: 1. Tokens: the body's bytes (no tokenizer makes more tokens
  than bytes) plus the answer's largest size (``max_tokens`` clamped to the model's
  ``max_output_tokens``, or that maximum when the call sets none). Cost: those tokens at
  the model's price. Units: what the caller declares (``units=``). A model without a
  price is the policy's choice: refused under a token or cost limit, or counted as the
  stated worst case; never skipped.
- **Settling** is idempotent per call id (a second settle changes nothing); usage the
  provider did not report settles at the worst case; a failed call releases; a stream
  closed after it started settles at the worst case (the provider does not say what it
  generated).
- **Leases.** A reservation expires `provider.timeout_s` + ``limits.lease_margin_s``
  after it was made, so a process that dies mid-call frees it.
- **An unreachable store** refuses (``state.on_unreachable = "refuse"``, the default)
  or lets the call pass uncounted (``"allow"``), as the policy says.
"""

from __future__ import annotations

import logging
import math
from typing import NamedTuple

from .._call import Call, Prepared
from .._clock import service_name
from .._errors import (
    ConfigurationError,
    KillSwitchOn,
    LimitExceeded,
    ModelNotPriced,
    PolicyViolation,
    PrincipalNotAllowed,
    PrincipalRequired,
    StateError,
    StateUnavailable,
)
from .._policy import LimitRule, Policy, parents
from .._state import MEASURES, NO_LIMIT, Amounts, Counter, Held, Plan, Refusal, StateStore
from .._types import Usage
from .checks import PolicyChecks

__all__ = ["MICROS", "LimitStep", "kill_names"]

MICROS = 1_000_000  # cost is counted in micro-units of the policy's currency
_MEMO_SIZE = 4096
_KINDS_SIZE = 16384  # compiled kinds of call kept (then started again)
_RELEASE: Amounts = (0, 0, 0, 0)
_MAX_TOKEN_KEYS = ("max_tokens", "max_completion_tokens", "max_output_tokens")
_log = logging.getLogger("responsible_ai")


def kill_names(use_case: str, automation: str | None = None) -> tuple[str, ...]:
    """The kill switches that stop a call: its tag and every tag above it, and the
    automation (by pseudonym) it is made for."""
    names = tuple(f"uc:{tag}" for tag in parents(use_case))
    return (*names, f"auto:{automation}") if automation is not None else names


class Kind(NamedTuple):
    """What every call of one kind (use case, provider, model, principal, teams) reserves
    against, compiled once: the store's `plan` (kill switches, counters, lease) and the
    worst case's terms. Per call only its id, its size and its ``max_tokens`` are left."""

    plan: Plan
    most: int | None  # the answer's largest size (None: what the call asks, else 0)
    per_in: float  # micro-units per prompt token (0: no price)
    per_out: float  # micro-units per answer token
    fixed: int  # the stated worst-case cost of an unpriced model (micro-units)
    units: int  # the rule whose units limit needs `units=` (-1: none)


class LimitStep:
    """Reserve (`reserve` / `areserve`) and settle (`settle` / `asettle`) a call against
    the policy's ``[limits]`` on `state`."""

    def __init__(
        self, policy: Policy, checks: PolicyChecks, state: StateStore, service: str | None
    ) -> None:
        self.limits = policy.limits
        self.on_unreachable = policy.state.on_unreachable
        self.checks = checks
        self.state = state
        self.service = service_name(service) or "-"
        self._rules: dict[str, tuple[tuple[int, LimitRule], ...]] = {}
        self._kinds: dict[tuple[object, ...], Kind] = {}

    def rules(self, use_case: str) -> tuple[tuple[int, LimitRule], ...]:
        """The limit rules that hold for a use case, with their index in the policy."""
        found = self._rules.get(use_case)
        if found is None:
            tags = set(parents(use_case))
            found = tuple((i, r) for i, r in enumerate(self.limits.rules) if r.use_case in tags)
            if len(self._rules) < _MEMO_SIZE:
                self._rules[use_case] = found
        return found

    # ------------------------------------------------------------------ before the call

    def kind(self, prepared: Prepared) -> Kind:
        """The compiled plan of `prepared`'s kind of call (refuses a call no rule can
        count: no principal, no team, no price)."""
        call, decision = prepared.call, prepared.decision
        principal = call.principal
        key = (
            call.use_case, prepared.provider.name, call.model, decision.principal,
            decision.teams, principal is not None and principal.automation,
        )  # fmt: skip
        found = self._kinds.get(key)
        if found is None:
            found = self._compile(prepared)
            if len(self._kinds) >= _KINDS_SIZE:
                self._kinds.clear()
            self._kinds[key] = found
        return found

    def _compile(self, prepared: Prepared) -> Kind:
        call, decision = prepared.call, prepared.decision
        automation = (
            decision.principal if call.principal is not None and call.principal.automation else None
        )
        kills = kill_names(call.use_case, automation)
        rules = self.rules(call.use_case)
        lease_ms = int((prepared.provider.timeout_s + self.limits.lease_margin_s) * 1000)
        counters: dict[str, list[int]] = {}
        windows: dict[str, int] = {}
        for i, rule in rules:
            limits = [
                _or_none(rule.requests), _or_none(rule.tokens),
                _or_none(None if rule.cost is None else math.floor(rule.cost * MICROS)),
                _or_none(rule.units),
            ]  # fmt: skip
            for key in self._scopes(call, prepared, i, rule):
                merged = counters.get(key)
                if merged is None:
                    counters[key], windows[key] = limits, rule.window_s
                else:  # two rules on one counter: each limit is the smaller
                    for f, value in enumerate(limits):
                        if value != NO_LIMIT and (merged[f] == NO_LIMIT or value < merged[f]):
                            merged[f] = value
        plan = self.state.plan(
            kills, tuple(Counter(k, windows[k], _four(v)) for k, v in counters.items()), lease_ms
        )
        units = next((i for i, r in rules if r.units is not None), -1)
        price = self.limits.prices.get(call.model)
        if price is not None:
            return Kind(plan, price.max_output_tokens, price.input_per_mtok,
                        price.output_per_mtok, 0, units)  # fmt: skip
        if self.limits.unpriced == "worst_case":
            cost = math.ceil((self.limits.worst_case_cost or 0.0) * MICROS)
            return Kind(plan, self.limits.worst_case_output_tokens or 0, 0.0, 0.0, cost, units)
        counted = [i for i, r in rules if r.tokens is not None or r.cost is not None]
        if counted:
            raise self.checks.violation(
                ModelNotPriced, call,
                f"{call.model!r} has no price in limits.prices and a token or cost limit "
                'applies (limits.unpriced = "refuse")',
                f"limits.rules[{counted[0]}]",
            )  # fmt: skip
        return Kind(plan, None, 0.0, 0.0, 0, units)

    def _scopes(self, call: Call, prepared: Prepared, index: int, rule: LimitRule) -> list[str]:
        decision = prepared.decision
        base = f"{rule.use_case}/{rule.window_s}"
        path = f"limits.rules[{index}]"
        if rule.per == "service":
            return [f"{base}/s:{self.service}"]
        if decision.principal is None:
            raise self.checks.violation(
                PrincipalRequired, call,
                f"this limit counts per {rule.per} and the call has no principal", path,
            )  # fmt: skip
        if rule.per == "principal":
            return [f"{base}/p:{decision.principal}"]
        if not decision.teams:
            raise self.checks.violation(
                PrincipalNotAllowed, call,
                "this limit counts per team and the principal is in no team", path,
            )  # fmt: skip
        return [f"{base}/t:{team}" for team in decision.teams]

    def amounts(self, prepared: Prepared, kind: Kind | None = None) -> Amounts:
        """The worst case `prepared` reserves (no I/O): one request; the body's bytes plus
        the answer's largest size in tokens; their cost; the units the call declares."""
        kind = kind or self.kind(prepared)
        asked = None
        get = getattr(prepared.outbound.body, "get", None)
        if get is not None:
            for key in _MAX_TOKEN_KEYS:
                value = get(key)
                if value.__class__ is int and value > 0:
                    asked = int(value)
                    break
        most = kind.most
        if asked is None:
            out = most or 0
        elif most is not None and asked > most:
            out = most
        else:
            out = asked
        prompt = len(prepared.content)
        cost = kind.fixed + math.ceil(prompt * kind.per_in + out * kind.per_out)
        units = 0
        if kind.units >= 0:
            declared = prepared.call.units
            if declared is None:
                raise self.checks.violation(
                    LimitExceeded, prepared.call,
                    "this use case limits the units a call declares and the call declares "
                    "none (pass units=)",
                    f"limits.rules[{kind.units}].units", measure="units", limit=0,
                    window_s=self.limits.rules[kind.units].window_s,
                )  # fmt: skip
            units = declared
        return (1, prompt + out, cost, units)

    def reserve(self, prepared: Prepared) -> Prepared:
        """`prepared` holding its reservation (refused: the `PolicyViolation` naming why).
        A call no limit applies to holds nothing: only its kill switches are read."""
        kind = self.kind(prepared)
        plan = kind.plan
        try:
            if not plan.counters:
                return self._switches(prepared, plan, self.state.stopped(plan))
            amounts = self.amounts(prepared, kind)
            outcome = self.state.reserve(plan, prepared.call.call_id, amounts)
        except StateError as exc:
            return self._unreachable(prepared, exc)
        if isinstance(outcome, Held):
            return prepared.holding(outcome)
        raise self.refusal(prepared.call, plan, amounts, outcome)

    async def areserve(self, prepared: Prepared) -> Prepared:
        """`reserve`, on the store's async client."""
        kind = self.kind(prepared)
        plan = kind.plan
        try:
            if not plan.counters:
                return self._switches(prepared, plan, await self.state.astopped(plan))
            amounts = self.amounts(prepared, kind)
            outcome = await self.state.areserve(plan, prepared.call.call_id, amounts)
        except StateError as exc:
            return self._unreachable(prepared, exc)
        if isinstance(outcome, Held):
            return prepared.holding(outcome)
        raise self.refusal(prepared.call, plan, amounts, outcome)

    def _switches(self, prepared: Prepared, plan: Plan, refusal: Refusal | None) -> Prepared:
        if refusal is None:
            return prepared
        raise self.refusal(prepared.call, plan, _RELEASE, refusal)

    def _unreachable(self, prepared: Prepared, exc: StateError) -> Prepared:
        if self.on_unreachable == "refuse":
            raise self.checks.violation(
                StateUnavailable, prepared.call, f"{exc}; calls are refused until it answers",
                "state.on_unreachable",
            ) from None  # fmt: skip
        _log.warning("%s; the call is let through uncounted (state.on_unreachable)", exc)
        return prepared

    def refusal(
        self, call: Call, plan: Plan, amounts: Amounts, refusal: Refusal
    ) -> PolicyViolation:
        """The error of a store's refusal, naming the switch or the rule."""
        if refusal.kind == "killed":
            name = plan.kills[refusal.at]
            what = "the automation" if name.startswith("auto:") else f"use case {name[3:]!r}"
            return self.checks.violation(
                KillSwitchOn, call, f"{what} is switched off (rai kill)", f'kill["{name}"]'
            )
        if refusal.kind == "settled":
            raise ConfigurationError("this call id was settled already: a call id is used once")
        counter = plan.counters[refusal.at]
        measure = MEASURES[refusal.measure]
        rule = self._rule_of(call, counter, refusal.measure)
        scale = MICROS if measure == "cost" else 1
        return self.checks.violation(
            LimitExceeded, call,
            f"the {measure} limit of {_shown(refusal.limit, scale)} per {counter.window_s} s "
            f"has {_shown(max(refusal.limit - refusal.used, 0), scale)} left and the call "
            f"needs up to {_shown(amounts[refusal.measure], scale)}",
            rule, measure=measure, limit=refusal.limit / scale, window_s=counter.window_s,
        )  # fmt: skip

    def _rule_of(self, call: Call, counter: Counter, measure: int) -> str:
        """The key path of the rule that set the counter's limit of `measure`."""
        attr = MEASURES[measure]
        for i, rule in self.rules(call.use_case):
            value = getattr(rule, attr)
            if value is None or not counter.key.startswith(f"{rule.use_case}/{rule.window_s}/"):
                continue
            scope = counter.key.rsplit("/", 1)[1][0]
            if scope == rule.per[0]:
                limit = math.floor(value * MICROS) if attr == "cost" else value
                if limit == counter.limits[measure]:
                    return f"limits.rules[{i}].{attr}"
        return "limits.rules"

    # ------------------------------------------------------------------ after the call

    def actual(self, held: Held, call: Call, usage: Usage | None) -> Amounts:
        """What a finished call settles: the provider's usage at the model's price (usage
        it did not report: the reservation, the worst case)."""
        if usage is None or usage.input_tokens is None or usage.output_tokens is None:
            return held.amounts
        price = self.limits.prices.get(call.model)
        tokens = usage.input_tokens + usage.output_tokens
        if price is None:
            cost = held.amounts[2]  # the stated worst case (or 0: no cost is counted)
        else:
            cost = math.ceil(
                usage.input_tokens * price.input_per_mtok
                + usage.output_tokens * price.output_per_mtok
            )
        return (1, tokens, cost, held.amounts[3])

    def settle(self, held: Held, actual: Amounts) -> None:
        """Settle (a failure of the store is logged: the lease frees the hold)."""
        try:
            self.state.settle(held, actual)
        except StateError as exc:
            _log.warning("%s: the reservation is freed when its lease ends", exc)

    async def asettle(self, held: Held, actual: Amounts) -> None:
        try:
            await self.state.asettle(held, actual)
        except StateError as exc:
            _log.warning("%s: the reservation is freed when its lease ends", exc)

    def release(self, held: Held) -> None:
        """A call that failed before its answer started costs nothing."""
        self.settle(held, _RELEASE)

    def moved(self, old: Held, new: Held | None) -> None:
        """A fallback reserved again under the same call id: release what the first
        provider's reservation held where the fallback's does not."""
        left = tuple(k for k in old.keys if new is None or k not in new.keys)
        if left:
            self.release(old._replace(keys=left))


def _or_none(value: int | None) -> int:
    return NO_LIMIT if value is None else value


def _four(values: list[int]) -> Amounts:
    return (values[0], values[1], values[2], values[3])


def _shown(value: int, scale: int) -> str:
    return f"{value / scale:g}" if scale != 1 else str(value)
