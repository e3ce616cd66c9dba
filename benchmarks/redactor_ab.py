"""What the Redactor itself costs around its detectors, a baseline checkout against this
tree, in one process, interleaved: `scan`, `redact` and the 1 KiB request body walked
along its shape (`redact_document`), each detector replaced by a stand-in that returns
the findings it returned for the text (so only overlap resolution, the conversation's
names, the operators, the walk and the second pass are timed).

    git worktree add --detach /tmp/base <commit>
    python benchmarks/redactor_ab.py /tmp/base [--rounds 9]

CPU time of the thread per call, batches of each side taking turns; medians and the new
side's range. The detectors' own time is `benchmarks/pii_ab.py`'s.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from _workload import PROMPTS, measure_cpu
from pii_ab import body, load_base


class StandIn:
    """A detector's findings for each text it was asked about, computed once."""

    def __init__(self, detector: Any) -> None:
        self.detector = detector
        self.name: str = detector.name
        self.memo: dict[str, list[Any]] = {}

    def detect(self, text: str) -> Iterable[Any]:
        found = self.memo.get(text)
        if found is None:
            found = self.memo[text] = list(self.detector.detect(text))
        return found


def cases(mod: Any, prompt: str) -> dict[str, Callable[[], Any]]:
    r = mod.Redactor()
    stand_ins = [StandIn(d) for d in r._detectors]
    r._detectors = stand_ins  # every detector, names included
    r._structural = stand_ins[:1]  # the built-in patterns (what the original is read for)
    shape = importlib.import_module(f"{mod.__name__}._providers._openai").CHAT_BODY
    text, doc = PROMPTS[prompt], body(PROMPTS[prompt])
    return {
        "scan": lambda: r.scan(text),
        "redact": lambda: r.redact(text),
        "body": lambda: r.redact_document(doc, shape),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("baseline", type=Path, help="a checkout (with src/) of the baseline")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    import responsible_ai as new

    base = load_base(args.baseline)
    print(f"{'detectors stood in':<18}{'base us':>9}{'new us':>9}{'ratio':>7}  new range")
    for prompt in ("pii", "clean", "bench"):
        sides = [cases(base, prompt), cases(new, prompt)]
        for what in ("scan", "redact", "body"):
            fns = [side[what] for side in sides]
            for fn in fns:
                fn()  # the stand-ins learn their findings
            n = 2000 if what == "scan" else 300
            runs: list[list[float]] = [[], []]
            for _ in range(args.rounds):
                for i, fn in enumerate(fns):
                    runs[i].append(measure_cpu(fn, n))
            b, m = statistics.median(runs[0]), statistics.median(runs[1])
            span = f"[{min(runs[1]):.2f}-{max(runs[1]):.2f}]"
            print(f"{prompt + ' ' + what:<18}{b:>9.2f}{m:>9.2f}{m / b:>7.2f}  {span}")


if __name__ == "__main__":
    main()
