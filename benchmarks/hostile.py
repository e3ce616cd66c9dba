"""Hostile input (issue 23: "no hostile input slower than 1 s per MB"): seconds per MB of
text built to stall the detectors, for the number detector alone and the whole redactor.

    python benchmarks/hostile.py [--kb 1024] [--only SUBSTRING] [--repeat 3]
                                 [--baseline CHECKOUT]

Each input is a short unit repeated to the size asked (1 MB by default). Columns:

- ``numbers``: the built-in detector limited to its number entities (IP addresses,
  dates, IBANs, cards, SSNs, phones): `_numbers`, `_dates`, `_network`, `_patterns`.
- ``structural``: `Redactor.redact` with every built-in entity but no name detector.
- ``names``: the name detector alone (`_pii/_names/`, reported apart: its own work).
- ``redactor``: `Redactor.redact` with every detector on (the default settings).

The best of `--repeat` runs, in seconds per MB; ``!`` marks a figure over the bar (1 s/MB).
With ``--baseline`` (a checkout with ``src/``, loaded as `pii_ab.py` does), the number
detector of the baseline is timed beside this tree's, interleaved, in CPU time
(``base``, ``numbers cpu`` and their ratio): the figure to compare on a shared machine.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import responsible_ai as rai
from responsible_ai._entities import BUILTIN_ENTITIES, NAME_ENTITIES
from responsible_ai._pii._names import NameDetector
from responsible_ai._pii._patterns import DIGIT_ENTITIES, BuiltinDetector
from responsible_ai._policy import PiiSettings

_SEPARATORS = {
    "space": " ", "spaces": "   ", "tab": "\t", "newline": "\n", "crlf": "\r\n", "dot": ".",
    "dash": "-", "slash": "/", "underscore": "_", "open-paren": "(", "close-paren": ")",
    "parens": ")(", "dash-space": " - ", "dot-space": ". ",
}  # fmt: skip

# name -> the unit repeated to the size asked
HOSTILE: dict[str, str] = {
    # the previous round's measurements
    "'4111 '": "4111 ",
    "'02 '": "02 ",
    "'de89 '": "de89 ",
    "valid IBANs": "DE89 3704 0044 0532 0130 00 ",
    "date-times": "2000-04-16 11:34:35 ",
    "times": "11:34 ",
    # tests/pii/test_redactor.py::TestHostileInput
    "digits": "1",
    "digit-space": "1 ",
    "at": "a@",
    "email-dots": "a.",  # after "a" * 64 + "@"
    "url": ".",  # after "http://"
    "hex-colon": "0:",
    "pem-begins": "-----BEGIN PRIVATE KEY-----\n",
    "bearer": "a",  # after "Bearer "
    "lt": "<",
    "iban groups": "3704 ",  # after "DE89 "
    # digit groups of 4, 2 and 1 digits with every separator
    **{f"'4111{n}'": f"4111{s}" for n, s in _SEPARATORS.items()},
    **{f"'02{n}'": f"02{s}" for n, s in _SEPARATORS.items()},
    **{f"'1{n}'": f"1{s}" for n, s in _SEPARATORS.items()},
    "mixed separators": "1 2-3.4 ",
    "groups 1-2-3-4": "1 22 333 4444 ",
    "groups 3-2-4": "234 56 ",
    "groups of 5": "12345 ",
    "groups of 7": "1234567 ",
    "groups of 9": "123456789 ",
    "parenthesised": "(415) ",
    "nested parens": "((1) ",
    "extensions": "555 x1 ",
    # values, dense
    "cards": "4111 1111 1111 1111 ",
    "cards glued": "4111111111111111",
    "ssns": "234-56-7890 ",
    "phones": "(415) 555-0132 ",
    "uk phones": "020 7946 0958 ",
    # IBAN-ish letters and digits
    "'DE89'": "DE89",
    "'DE89 0'": "DE89 0",
    "'de89-'": "de89-",
    "'GB82 WEST '": "GB82 WEST ",
    "IBANs glued": "DE89370400440532013000",
    "'a1 '": "a1 ",
    "'ab12 '": "ab12 ",
    # dates and times
    "ISO dates": "2000-04-16 ",
    "day/month/year": "16/04/2000 ",
    "dotted dates": "04.16.2000 ",
    "compact date-times": "20000416T113435Z ",
    "ISO date-times": "2000-04-16T11:34:35.123Z ",
    "times with seconds": "11:34:35 ",
    "times pm": "11:34 pm ",
    "'1:1:'": "1:1:",
    "'12:'": "12:",
    "date chain": "12/12/",
    "'1-1-'": "1-1-",
    "dates, bad months": "12.34.5678 ",
    # IPv4 and IPv6 fragments
    "IPv4": "10.20.30.40 ",
    "IPv4 chain": "1.2.3.4.",
    "IPv4 CIDR": "10.0.0.0/8 ",
    "'1.1.'": "1.1.",
    "IPv6": "1:2:3:4:5:6:7:8 ",
    "IPv6 mapped": "::ffff:192.0.2.1 ",
    "'fe80::1:'": "fe80::1:",
    "'::'": "::",
    "'a:'": "a:",
    "'1::'": "1::",
    "'f:f:f:f:f:f:f:f:'": "f:f:f:f:f:f:f:f:",
    # "+"-led phone fragments
    "'+1 '": "+1 ",
    "'+44 20 '": "+44 20 ",
    "'+'": "+",
    "'+4'": "+4",
    "'+1-'": "+1-",
    "'+(1)'": "+(1)",
    "'+44 20 7946 0958 '": "+44 20 7946 0958 ",
}
_PREFIX = {
    "email-dots": "a" * 64 + "@",
    "url": "http://",
    "bearer": "Bearer ",
    "iban groups": "DE89 ",
}


def hostile(name: str, size: int) -> str:
    """The input `name`, `size` characters long."""
    head, unit = _PREFIX.get(name, ""), HOSTILE[name]
    body = unit * ((size - len(head)) // len(unit) + 1)
    return (head + body)[:size]


def _all(detect: Callable[[str], Iterable[object]], text: str) -> list[object]:
    return list(detect(text))


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def cpu_pair(a: Callable[[], object], b: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The best CPU seconds of `a` and of `b`, run in turns."""
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(repeat):
        for fn, out in ((a, ta), (b, tb)):
            gc.collect()
            t0 = time.process_time()
            fn()
            out.append(time.process_time() - t0)
    return min(ta), min(tb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=int, default=1024, help="input size in KiB (default 1024)")
    parser.add_argument("--only", default="", help="inputs whose name contains this")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure, best kept")
    parser.add_argument("--no-names", action="store_true", help="skip the name columns")
    parser.add_argument("--baseline", type=Path, help="a checkout (with src/) to compare")
    args = parser.parse_args()
    size = args.kb * 1024
    mb = size / 1_000_000
    numbers = BuiltinDetector(DIGIT_ENTITIES)
    structural = rai.Redactor(PiiSettings(entities=list(BUILTIN_ENTITIES)))
    everything = rai.Redactor(PiiSettings())
    names = NameDetector(list(NAME_ENTITIES))
    cols = ["numbers", "structural"] + ([] if args.no_names else ["names", "redactor"])
    timed_cols = list(cols)
    base_numbers = None
    if args.baseline is not None:
        from pii_ab import load_base

        patterns = importlib.import_module(f"{load_base(args.baseline).__name__}._pii._patterns")
        base_numbers = patterns.BuiltinDetector(patterns.DIGIT_ENTITIES)
        cols += ["base cpu", "numbers cpu", "ratio"]
    print(f"seconds per MB, {args.kb} KiB inputs, best of {args.repeat} ('!': over 1 s/MB)\n")
    print(f"{'input':<26}" + "".join(f"{c:>12}" for c in cols))
    worst: dict[str, tuple[float, str]] = dict.fromkeys(timed_cols, (0.0, ""))
    if base_numbers is not None:
        worst["numbers cpu"] = (0.0, "")
    for name in HOSTILE:
        if args.only not in name:
            continue
        text = hostile(name, size)
        fns: dict[str, Callable[[], object]] = {
            "numbers": functools.partial(_all, numbers.detect, text),
            "structural": functools.partial(structural.redact, text),
            "names": functools.partial(_all, names.detect, text),
            "redactor": functools.partial(everything.redact, text),
        }
        row = f"{name:<26}"
        for c in timed_cols:
            s = best(fns[c], args.repeat) / mb
            worst[c] = max(worst[c], (s, name))
            row += f"{s:>11.2f}{'!' if s > 1 else ' '}"
        if base_numbers is not None:
            b, n = cpu_pair(
                functools.partial(_all, base_numbers.detect, text),
                functools.partial(_all, numbers.detect, text),
                args.repeat,
            )
            worst["numbers cpu"] = max(worst["numbers cpu"], (n / mb, name))
            row += f"{b / mb:>11.2f}{'!' if b > mb else ' '}{n / mb:>11.2f}{'!' if n > mb else ' '}"
            row += f"{n / b:>11.2f}x"
        print(row, flush=True)
    print("\nslowest: " + "; ".join(f"{c} {s:.2f} s/MB ({n})" for c, (s, n) in worst.items()))


if __name__ == "__main__":
    main()
