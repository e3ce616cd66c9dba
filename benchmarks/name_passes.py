"""CPU time of the name detector's passes over a text's forms (slots, slugs, handles,
lists, mentions, widening, street addresses), each alone, on the 1 KiB texts of
`pii.py`: a baseline checkout against this tree, in one process, interleaved.

    git worktree add --detach /tmp/base main
    python benchmarks/name_passes.py /tmp/base

Each pass is called with the arguments the detector gives it on the text (caught once,
by wrapping the names `_detector` calls) and timed alone, with `time.process_time`:
the best of several rounds, less the cost of copying its arguments. A pass that one
side does not have (a helper the other side added) is shown as "-".
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from _workload import PROMPTS  # noqa: E402
from names_same import load_base  # noqa: E402

PASSES = ("joints", "slots", "slugs", "handles", "listed", "mentions", "widen", "addresses")
Call = tuple[Callable[..., Any], list[Any]]


def _copy(args: list[Any]) -> list[Any]:
    return [a[:] if isinstance(a, list) else a for a in args]


def calls(package: ModuleType, text: str) -> dict[str, list[Call]]:
    """The passes' calls that the detector makes on `text`, with their arguments."""
    detector = importlib.import_module(f"{package.__name__}._detector")
    caught: dict[str, list[Call]] = {}
    saved = {}
    for name in PASSES:
        f = getattr(detector, name, None)
        if f is None:
            continue
        saved[name] = f

        def wrapper(*args: Any, _f: Callable[..., Any] = f, _name: str = name) -> Any:
            caught.setdefault(_name, []).append((_f, _copy(list(args))))
            result = _f(*args)
            return list(result) if _name == "addresses" else result

        setattr(detector, name, wrapper)
    try:
        list(detector.NameDetector().detect(text))
    finally:
        for name, f in saved.items():
            setattr(detector, name, f)
    return caught


def _run(cs: list[Call]) -> None:
    for f, args in cs:
        result = f(*_copy(args))
        if result is not None and not isinstance(result, (bool, int, dict)):
            list(result)


def _copies(cs: list[Call]) -> None:
    for _, args in cs:
        _copy(args)


def best(fn: Callable[[], None], number: int) -> float:
    """The least CPU time of one call, in µs."""
    times = []
    for _ in range(number // 100):
        t = time.process_time()
        for _ in range(100):
            fn()
        times.append(time.process_time() - t)
    return min(times) / 100 * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("baseline", type=Path, help="a checkout (with src/) of the baseline")
    parser.add_argument("--number", type=int, default=3000, help="calls per side and pass")
    args = parser.parse_args()
    base = load_base(args.baseline)
    new = importlib.import_module("responsible_ai._pii._names")
    print(f"{'1 KiB text / pass':<22} {'baseline µs':>12} {'this tree µs':>13}")
    for kind in ("pii", "clean"):
        text = PROMPTS[kind][:1024]
        sides = [calls(base, text), calls(new, text)]
        totals = [0.0, 0.0]
        for name in PASSES:
            cells = []
            for k, caught in enumerate(sides):
                cs = caught.get(name)
                if not cs:
                    cells.append("-")
                    continue
                run = best(partial(_run, cs), args.number)
                us = max(0.0, run - best(partial(_copies, cs), args.number))
                if name != "addresses":
                    totals[k] += us
                cells.append(f"{us:.1f}")
            if cells != ["-", "-"]:
                print(f"{kind + ' / ' + name:<22} {cells[0]:>12} {cells[1]:>13}")
        print(f"{kind + ' / forms, all':<22} {totals[0]:>12.1f} {totals[1]:>13.1f}")


if __name__ == "__main__":
    main()
