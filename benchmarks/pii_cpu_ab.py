"""The built-in detector and `Redactor.scan` of a baseline checkout against this tree, in
CPU time (`time.process_time_ns`), interleaved, on 1 KiB of clean prose, of prose with
numbers and with PII: a low percentile of many runs, so that other processes on a busy
machine count less than they do in wall-clock figures.

    git worktree add --detach /tmp/base main
    python benchmarks/pii_cpu_ab.py /tmp/base [--rounds 11]
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _workload import FEW_PII, NO_PII
from pii_ab import load_base

import responsible_ai as rai
from pii import NO_PII_NUMBERS, kb
from responsible_ai._pii import _patterns


def cpu_us(f: Callable[[str], Any], text: str, n: int = 100) -> float:
    """The 10th percentile of `n` calls, in microseconds of CPU time."""
    times = []
    for _ in range(n):
        t0 = time.process_time_ns()
        f(text)
        times.append(time.process_time_ns() - t0)
    times.sort()
    return times[n // 10] / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("baseline", type=Path)
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()
    base = load_base(args.baseline)
    base_patterns = importlib.import_module("rai_base._pii._patterns")
    detectors = (base_patterns.BuiltinDetector(), _patterns.BuiltinDetector())
    pairs: dict[str, tuple[Callable[[str], Any], Callable[[str], Any]]] = {
        "BuiltinDetector.detect": (
            lambda t: list(detectors[0].detect(t)),
            lambda t: list(detectors[1].detect(t)),
        ),
        "Redactor.scan": (base.Redactor().scan, rai.Redactor().scan),
    }
    texts = {
        "1 KiB clean prose": kb(NO_PII, 1024)[:1024],
        "1 KiB prose with numbers": kb(NO_PII_NUMBERS, 1024)[:1024],
        "1 KiB with PII": kb(FEW_PII, 1024)[:1024],
    }
    print(f"{'':44} {'baseline us':>12} {'this tree us':>13} {'added us':>9}")
    for what, (old, new) in pairs.items():
        for name, text in texts.items():
            b, n = [], []
            for _ in range(args.rounds):
                b.append(cpu_us(old, text))
                n.append(cpu_us(new, text))
            mb, mn = statistics.median(b), statistics.median(n)
            print(f"{what + ', ' + name:44} {mb:12.1f} {mn:13.1f} {mn - mb:+9.1f}")


if __name__ == "__main__":
    main()
