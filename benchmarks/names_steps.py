"""The per-word steps of the name detector — reading a window's words (`read_words`),
walking and judging them (`_walk`), finding a name's parts where they recur (`_echoes`)
— of a baseline checkout against this tree, in CPU time, interleaved, on 1 KiB of prose
with PII and of clean prose (`_workload.py`'s texts, as `pii.py` cuts them).

    git worktree add --detach /tmp/base main
    python benchmarks/names_steps.py /tmp/base [--rounds 15]

Each step is timed where the detector calls it (wrapped in its module for the run); what
the wrapper adds, measured around a call that does nothing, is taken off each call.
Medians of the rounds, each the mean of many scans.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from _workload import FEW_PII, NO_PII
from names_same import load_base

from pii import kb

STEPS = ("read_words", "_walk", "_echoes")


class Clocks:
    """The CPU time and the calls of each step, added up by its wrapper."""

    def __init__(self) -> None:
        self.ns = dict.fromkeys(STEPS, 0)
        self.calls = dict.fromkeys(STEPS, 0)

    def wrap(self, name: str, step: Callable[..., Any]) -> Callable[..., Any]:
        clock = time.process_time_ns
        ns, calls = self.ns, self.calls

        def timed(*args: Any) -> Any:
            t = clock()
            result = step(*args)
            ns[name] += clock() - t
            calls[name] += 1
            return result

        return timed

    def reset(self) -> None:
        for name in STEPS:
            self.ns[name] = self.calls[name] = 0


def _wrapper_ns() -> float:
    """What a wrapper adds to the time it measures, per call (around a call that does
    nothing)."""
    clocks = Clocks()
    idle = clocks.wrap("_walk", lambda: None)
    for _ in range(20000):
        idle()
    return clocks.ns["_walk"] / clocks.calls["_walk"]


def _instrument(module: ModuleType, clocks: Clocks) -> None:
    for name in STEPS:
        setattr(module, name, clocks.wrap(name, getattr(module, name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("baseline", type=Path, help="a checkout (with src/) of the baseline")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--scans", type=int, default=300, help="scans per side and round")
    args = parser.parse_args()
    from responsible_ai._pii._names import NameDetector, _detector

    base = load_base(args.baseline)
    sides = []
    for detector, module in ((base.NameDetector(), base._detector), (NameDetector(), _detector)):
        clocks = Clocks()
        _instrument(module, clocks)
        sides.append((detector, clocks))
    idle = _wrapper_ns()
    print(f"(taken off: {idle:.0f} ns a call, what the wrapper adds)")
    print(f"{'1 KiB text: step':<34} {'baseline us':>12} {'this tree us':>13} {'ratio':>7}")
    texts = {"with PII": kb(FEW_PII, 1024)[:1024], "clean prose": kb(NO_PII, 1024)[:1024]}
    for label, text in texts.items():
        rounds: list[list[dict[str, float]]] = [[], []]
        for _ in range(args.rounds):
            for k, (detector, clocks) in enumerate(sides):
                clocks.reset()
                for _ in range(args.scans):
                    list(detector.detect(text))
                rounds[k].append(
                    {n: (clocks.ns[n] - idle * clocks.calls[n]) / args.scans / 1e3 for n in STEPS}
                )
        for name in (*STEPS, "together"):
            base_us, new_us = (
                statistics.median(sum(r.values()) if name == "together" else r[name] for r in side)
                for side in rounds
            )
            ratio = new_us / base_us if base_us > 0 else 1.0
            row = f"{label}: {name}"
            print(f"{row:<34} {base_us:>12.1f} {new_us:>13.1f} {ratio:>6.2f}x")


if __name__ == "__main__":
    main()
