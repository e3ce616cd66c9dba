"""Texts dense with names (`ner_eval.py`'s hostile inputs): the CPU time per KiB of the
name detector and of `Redactor.scan` (and, with ``--redact``, `Redactor.redact`), a
baseline checkout against this tree, interleaved, at two sizes (linear when they agree).

    git worktree add --detach /tmp/base main
    python benchmarks/names_dense.py /tmp/base [--only SUBSTRING] [--kib 4 32] [--rounds 7]

Each figure is the best of `--rounds` calls, in ms of CPU time per KiB (issue 23's bar:
1 s per MB, about 1 ms per KiB). A full collection of the garbage collector falls on some
calls of a large text and not on others: ``--no-gc`` times with it off, to see the
detector's own work.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ner_eval import HOSTILE
from pii_ab import load_base

import responsible_ai as rai
from responsible_ai._pii._names import NameDetector


def cpu(f: Callable[[str], Any], text: str) -> float:
    t0 = time.process_time()
    f(text)
    return time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("baseline", type=Path, help="a checkout (with src/) of the baseline")
    parser.add_argument("--only", default="", help="the inputs whose name holds this")
    parser.add_argument("--kib", type=int, nargs="+", default=[4, 32])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--redact", action="store_true", help="time Redactor.redact too")
    parser.add_argument("--no-gc", action="store_true", help="the garbage collector off")
    args = parser.parse_args()
    base = load_base(args.baseline)
    old_names, new_names = base._pii._names.NameDetector(), NameDetector()
    old, new = base.Redactor(), rai.Redactor()
    pairs: dict[str, tuple[Callable[[str], Any], Callable[[str], Any]]] = {
        "names": (lambda t: list(old_names.detect(t)), lambda t: list(new_names.detect(t))),
        "scan": (old.scan, new.scan),
    }
    if args.redact:
        pairs["redact"] = (old.redact, new.redact)
    if args.no_gc:
        gc.disable()
    print(f"{'input':38} {'what':7} {'KiB':>4} {'base':>7} {'tree':>7} {'ratio':>6}")
    for name, make in HOSTILE.items():
        if args.only not in name:
            continue
        for what, (before, after) in pairs.items():
            for kib in args.kib:
                text = make(kib * 1024)
                b, n = [], []
                for _ in range(args.rounds):
                    b.append(cpu(before, text))
                    n.append(cpu(after, text))
                mb, mn = min(b) * 1000 / kib, min(n) * 1000 / kib
                print(f"{name:38} {what:7} {kib:4} {mb:7.3f} {mn:7.3f} {mn / mb:6.2f}", flush=True)


if __name__ == "__main__":
    main()
