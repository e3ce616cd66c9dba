"""The PII stage of a baseline checkout against this tree, every detector on, in one
process, interleaved (as `ab.py` does for the whole call): 1 KiB of clean prose, 1 KiB
of prose with numbers, 1 KiB with PII, and the 1 KiB request body walked along its shape.

    git archive <commit> src | tar -x -C /tmp/base      # or a worktree of the commit
    python benchmarks/pii_ab.py /tmp/base [--time 1.0] [--no-names]

With ``--no-names``, every built-in entity but names, places and organisations (the
structured detectors: patterns, numbers, context), `scan` and `redact` of each text.

The baseline's package is copied to a temporary directory as `rai_base` (the package
imports itself only relatively), so both versions load side by side.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from _workload import FEW_PII, NO_PII

from pii import NO_PII_NUMBERS, kb, timed


def load_base(checkout: Path) -> Any:
    target = Path(tempfile.mkdtemp(prefix="rai-pii-ab-"))
    shutil.copytree(checkout / "src" / "responsible_ai", target / "rai_base")
    sys.path.insert(0, str(target))
    return importlib.import_module("rai_base")


def body(text: str) -> dict[str, Any]:
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    tool = {"name": "lookup", "description": "Find a client", "parameters": schema}
    return {
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}],
        "temperature": 0.2, "max_tokens": 400, "user": "u-123", "metadata": {"team": "marketing"},
        "tools": [{"type": "function", "function": tool}],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("baseline", type=Path, help="a checkout (with src/) of the baseline")
    parser.add_argument("--time", type=float, default=1.0, help="seconds per side and case")
    parser.add_argument("--no-names", action="store_true", help="the structured detectors only")
    args = parser.parse_args()
    import responsible_ai as new

    base = load_base(args.baseline)
    sides = []
    for mod in (base, new):
        shape = importlib.import_module(f"{mod.__name__}._providers._openai").CHAT_BODY
        builtin = importlib.import_module(f"{mod.__name__}._entities").BUILTIN_ENTITIES
        settings = importlib.import_module(f"{mod.__name__}._policy").PiiSettings(
            entities=list(builtin)  # no PERSON, LOCATION, ORGANIZATION
        )
        sides.append((mod.Redactor(settings if args.no_names else None), shape))
    cases = [
        ("1 KiB clean prose", kb(NO_PII, 1024)[:1024]),
        ("1 KiB prose with numbers", kb(NO_PII_NUMBERS, 1024)[:1024]),
        ("1 KiB with PII", kb(FEW_PII, 1024)[:1024]),
    ]
    title = "structured detectors" if args.no_names else "every detector on"
    print(f"{title:<32} {'baseline us':>12} {'this tree us':>13} {'ratio':>7}")
    for label, text in cases:
        b, n = timed(
            functools.partial(sides[0][0].scan, text),
            functools.partial(sides[1][0].scan, text),
            min_time=args.time,
        )
        print(f"{'scan, ' + label:<32} {b * 1e6:>12.1f} {n * 1e6:>13.1f} {n / b:>6.2f}x")
    if args.no_names:
        for label, text in cases:
            b, n = timed(
                functools.partial(sides[0][0].redact, text),
                functools.partial(sides[1][0].redact, text),
                min_time=args.time,
            )
            print(f"{'redact, ' + label:<32} {b * 1e6:>12.1f} {n * 1e6:>13.1f} {n / b:>6.2f}x")
    for label, text in cases[::2]:
        doc = body(text)
        b, n = timed(
            functools.partial(sides[0][0].redact_document, doc, sides[0][1]),
            functools.partial(sides[1][0].redact_document, doc, sides[1][1]),
            min_time=args.time,
        )
        print(f"{'body, ' + label:<32} {b * 1e6:>12.1f} {n * 1e6:>13.1f} {n / b:>6.2f}x")


if __name__ == "__main__":
    main()
