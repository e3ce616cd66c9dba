"""Linear and bounded (issue 13): every scanner, decoder and resolver on adversarial
input that doubles in size, with the growth per doubling (2.0 is linear, 4.0 quadratic).

    python benchmarks/scaling.py [--max-kb 160]

A case whose median growth exceeds 2.6 is flagged SUPERLINEAR; the stream cases also
report the most characters the scanner held back (bounded: about 1,024).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable

from responsible_ai._pii import OutputScanner, Redactor
from responsible_ai._pii._findings import Finding, resolve_overlaps
from responsible_ai._pii._normalize import normalized
from responsible_ai._policy import PiiRule
from responsible_ai._sse import SSEDecoder

R = Redactor()


def rep(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


SCANS: dict[str, Callable[[int], str]] = {
    "digits with separators": lambda n: rep("1 2-3.4 ", n),
    "e-mails, no whitespace": lambda n: rep("a@b.cc,", n),
    "'a@' runs": lambda n: rep("a@", n),
    "URL scheme repeated": lambda n: rep("http://", n),
    "'eyJ-' runs (JWT)": lambda n: rep("eyJ-", n),
    "API key prefixes": lambda n: rep("sk-a ", n),
    "'Bearer' repeated": lambda n: rep("Bearer ", n),
    "'password=' repeated": lambda n: rep("password=", n),
    "PEM heads, no END": lambda n: rep("-----BEGIN PRIVATE KEY-----\n", n),
    "IBAN-like groups": lambda n: rep("GB82 ", n),
    "IPv6-like": lambda n: rep("fe80::1:", n),
    "dates": lambda n: rep("12/03/2024 ", n),
    # each number is scored by the context words around it: a check of a window, which
    # must not cost the whole text (pyahocorasick reads all of a string it is given)
    "phones and cards in prose": lambda n: rep(
        "call me on 020 7946 0958, card 4111 1111 1111 1111. ", n
    ),
    "one long word": lambda n: "x" * n,
}


def _time(fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _stream(mode: str, text: str) -> int:
    scanner = OutputScanner(R, R.plan.merged(PiiRule(output=mode), "bench"))  # type: ignore[arg-type]
    held = 0
    for i in range(0, len(text), 16):
        scanner.feed(text[i : i + 16])
        held = max(held, len(scanner._pending))
    scanner.flush()
    return held


PROSE = "Mail jane@roe.example or call +44 20 7946 0958. "


def _sse(data: bytes, chunk: int) -> None:
    decoder = SSEDecoder()
    for i in range(0, len(data), chunk):
        for _ in decoder.feed(data[i : i + chunk]):
            pass


def _overlaps(n: int) -> None:
    resolve_overlaps(Finding("X", i, i + 2, 0.5 + i / 1e7, "b") for i in range(0, 2 * n, 2))


def row(label: str, sizes: list[int], run: Callable[[int], object], note: str = "") -> None:
    times: list[float] = []
    for n in sizes:
        times.append(_time(lambda n=n: run(n)))  # type: ignore[misc]
        if times[-1] > 5:
            break
    ratios = [b / a for a, b in itertools.pairwise(times) if a > 0]
    # the median: one step where the input outgrows a CPU cache is not growth
    mean = statistics.median(ratios) if ratios else float("nan")
    flag = "  <-- SUPERLINEAR" if mean > 2.6 else ""
    ms = " ".join(f"{t * 1000:8.1f}" for t in times)
    print(f"{label:<34} {ms}   growth {mean:4.2f}{note}{flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-kb", type=int, default=160)
    args = parser.parse_args()
    sizes = [10_000]
    while sizes[-1] * 2 <= args.max_kb * 1000:
        sizes.append(sizes[-1] * 2)
    print(f"sizes (characters): {sizes}; ms per run, best of 3\n")
    for label, make in SCANS.items():
        row(f"scan: {label}", sizes, lambda n, make=make: R.scan(make(n)))  # type: ignore[misc]
    for mode in ("mask", "report"):
        for label, unit in (("API key", "sk-" + "a"), ("URL", "https://x.test/")):
            held: list[int] = []

            def run(n: int, mode: str = mode, unit: str = unit, held: list[int] = held) -> None:
                held.append(_stream(mode, unit + "a" * n + " end"))

            row(f"stream/{mode}: one endless {label}", sizes, run)
            print(f"{'':<34} held back at most {max(held)} characters")
        row(f"stream/{mode}: prose with PII", sizes,
            lambda n, mode=mode: _stream(mode, rep(PROSE, n)))  # type: ignore[misc]  # fmt: skip
    row(
        "sse: one huge line, 16 B chunks", sizes, lambda n: _sse(b"data: " + b"x" * n + b"\n\n", 16)
    )
    row("sse: tiny events, one chunk", sizes, lambda n: _sse(rep("data: a\n\n", n).encode(), n + 1))
    row("overlaps: rising scores", sizes, _overlaps)
    row("normalize: %41 escapes", sizes, lambda n: normalized(rep("%41", n)))
    row("normalize: &#65; entities", sizes, lambda n: normalized(rep("&#65;", n)))
    row("normalize: zero-width, fullwidth", sizes, lambda n: normalized(rep("1\u200b\uff12 ", n)))


if __name__ == "__main__":
    main()
