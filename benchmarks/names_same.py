"""The name detector of a baseline checkout against this tree's on many texts: whether
every finding (type, start, end, score) is the same, and the CPU time of each side.

    git worktree add --detach /tmp/base main
    python benchmarks/names_same.py /tmp/base

The texts: `ner_eval.py`'s (synthetic and realistic, dev and test) and the Broad Twitter
Corpus (where present), each as written, in capitals and in lower case; every string
literal of the PII and name tests; `ner_eval.py`'s and `hostile.py`'s hostile inputs;
`pii.py`'s texts. A speed change to the detector should print no difference.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def load_base(checkout: Path) -> Any:
    target = Path(tempfile.mkdtemp(prefix="rai-names-same-"))
    shutil.copytree(checkout / "src" / "responsible_ai", target / "rai_base")
    sys.path.insert(0, str(target))
    return importlib.import_module("rai_base._pii._names")


def texts() -> list[str]:
    import _workload
    import hostile
    import ner_eval

    import pii

    out: list[str] = []
    for split in ("dev", "test"):
        for load in (ner_eval.synthetic, ner_eval.realistic):
            for text, _ in load(split):
                out += [text, text.upper(), text.lower()]
    if ner_eval.BTC.exists():
        for text, _ in ner_eval.btc(ner_eval.BTC):
            out += [text, text.upper(), text.lower()]
    for path in sorted((HERE.parent / "tests").rglob("*.py")):
        if "name" in path.name or "pii" in str(path):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                value = node.value if isinstance(node, ast.Constant) else None
                if isinstance(value, str) and len(value) > 2:
                    out.append(value)
    for make in ner_eval.HOSTILE.values():
        out += [make(n) for n in (100, 1000, 4096)]
    for unit in hostile.HOSTILE.values():
        out.append(unit * (4096 // len(unit)))
    for text in (_workload.FEW_PII, _workload.NO_PII, pii.NO_PII_NUMBERS):
        out += [text, pii.kb(text, 1024)[:1024], text.upper(), text.lower()]
    out.append(ner_eval.prompt(8192))
    return out


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":  # Faker draws from sets (`ner_eval.py`)
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("baseline", type=Path, help="a checkout (with src/) of the baseline")
    parser.add_argument("--show", type=int, default=10, help="differences to print")
    args = parser.parse_args()
    from responsible_ai._pii._names import NameDetector

    base, new = load_base(args.baseline).NameDetector(), NameDetector()
    corpus = texts()
    differ = 0
    spent = [0.0, 0.0]
    for text in corpus:
        found = []
        for k, detector in enumerate((base, new)):
            t = time.process_time()
            findings = list(detector.detect(text))
            spent[k] += time.process_time() - t
            found.append(sorted((f.entity_type, f.start, f.end, f.score) for f in findings))
        if found[0] != found[1]:
            differ += 1
            if differ <= args.show:
                print(f"differs: {text[:120]!r}")
                print(f"  baseline only:  {sorted(set(found[0]) - set(found[1]))[:6]}")
                print(f"  this tree only: {sorted(set(found[1]) - set(found[0]))[:6]}")
    print(
        f"{len(corpus)} texts, {differ} with other findings; CPU time: baseline "
        f"{spent[0]:.2f} s, this tree {spent[1]:.2f} s"
    )


if __name__ == "__main__":
    main()
