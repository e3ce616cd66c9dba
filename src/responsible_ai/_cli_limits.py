"""`rai kill`, `rai revive` and `rai limits show`: the kill switches and the budgets on the
shared state store, for the platform team. Output names pseudonyms, never account ids."""

from __future__ import annotations

import argparse
import os
import re
from datetime import UTC, datetime
from typing import Any, TextIO

from ._errors import ConfigurationError
from ._policy import TAG_PATTERN, load_policy
from ._pseudonym import PSEUDONYM_KEY_ENV, Pseudonymizer
from ._state import MEASURES, STATE_URL_ENV, RedisState, UsageRow
from ._steps import MICROS

__all__ = ["add_commands", "run"]

_TAG = re.compile(TAG_PATTERN)


def add_commands(sub: Any) -> None:
    """The commands' parsers, on the `rai` parser's subcommands."""
    for name, text in (
        ("kill", "switch a use case (and every tag below it) or an automation off, on every "
         "replica: calls that start after this returns are refused"),
        ("revive", "switch a use case or an automation back on"),
    ):  # fmt: skip
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("use_case", nargs="?", help="the use-case tag (e.g. marketing.campaign)")
        p.add_argument(
            "--automation", metavar="ID",
            help=f"an automation's account id instead (pseudonymised with {PSEUDONYM_KEY_ENV})",
        )  # fmt: skip
        _store_options(p)
    limits = sub.add_parser("limits", help="show the budgets' windows and what is used of them")
    lsub = limits.add_subparsers(dest="action", metavar="ACTION")
    show = lsub.add_parser("show", help="print every counter's window, used, held and limit")
    show.add_argument("--policy", help="the policy file, to print each limit beside its use")
    _store_options(show)


def _store_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state", metavar="URL", help=f"the shared store (else ${STATE_URL_ENV})")
    p.add_argument("--prefix", default="rai", help="the policy's state.prefix (default rai)")


def _store(args: argparse.Namespace) -> RedisState:
    url = args.state or os.environ.get(STATE_URL_ENV, "").strip()
    if not url:
        raise ConfigurationError(
            f"name the shared state store with --state URL or {STATE_URL_ENV} "
            "(a kill switch in one process's memory would stop nothing else)"
        )
    return RedisState(url, prefix=args.prefix, timeout_s=5.0)


def _switch(args: argparse.Namespace) -> tuple[str, str]:
    if args.automation is not None:
        if args.use_case is not None:
            raise ConfigurationError("give a use case or --automation, not both")
        key = Pseudonymizer.from_env()
        if key is None:
            raise ConfigurationError(
                f"{PSEUDONYM_KEY_ENV} must be set (the replicas' key) to name an automation"
            )
        name = key.pseudonym("principal", args.automation)
        return f"auto:{name}", f"automation {name}"
    if args.use_case is None or not _TAG.fullmatch(args.use_case):
        raise ConfigurationError("give a use-case tag (such as marketing.campaign)")
    return f"uc:{args.use_case}", f"use case {args.use_case!r}"


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    store = _store(args)
    try:
        if args.command == "limits":
            return _show(store, args.policy, out)
        name, what = _switch(args)
        if args.command == "kill":
            store.kill(name)
            print(f"killed: {what} on {store.shown} (calls starting now are refused)", file=out)
        elif store.revive(name):
            print(f"revived: {what} on {store.shown}", file=out)
        else:
            print(f"not killed: {what} on {store.shown}", file=out)
        return 0
    finally:
        store.close()


def _show(store: RedisState, policy_file: str | None, out: TextIO) -> int:
    limits: dict[tuple[str, int, str], list[str]] = {}
    if policy_file is not None or os.environ.get("RAI_POLICY"):
        policy = load_policy(policy_file)
        for i, rule in enumerate(policy.limits.rules):
            shown = [
                "-" if v is None else f"{v:g}" if isinstance(v, float) else str(v)
                for v in (rule.requests, rule.tokens, rule.cost, rule.units)
            ]
            limits[(rule.use_case, rule.window_s, rule.per[0])] = [f"rules[{i}]", *shown]
    kills = store.killed()
    print(f"state     {store.shown} (prefix {store.prefix})", file=out)
    print(f"killed    {', '.join(kills) if kills else 'none'}", file=out)
    rows = [["counter", "window (UTC)", *MEASURES, "held", "leases", "limit"]]
    for row in store.usage():
        rows.append(_row(row, limits))
    if len(rows) == 1:
        print("no counter has been used", file=out)
        return 0
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, r in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)
    return 0


def _row(row: UsageRow, limits: dict[tuple[str, int, str], list[str]]) -> list[str]:
    use_case, window_s, scope = [*row.key.split("/", 2), "", ""][:3]
    start = datetime.fromtimestamp(row.window * row.window_s, UTC) if row.window_s else None
    used = [str(row.used[0]), str(row.used[1]), f"{row.used[2] / MICROS:g}", str(row.used[3])]
    held = f"{row.held[0]}r/{row.held[1]}t"
    found = limits.get((use_case, int(window_s or 0), scope[:1]))
    limit = "-" if found is None else f"{found[0]}: " + "/".join(found[1:])
    when = f"{start:%Y-%m-%d %H:%M:%S} +{row.window_s}s" if start else "-"
    return [row.key, when, *used, held, str(row.leases), limit]
