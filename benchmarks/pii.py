"""PII detection speed: responsible-ai's Redactor vs Presidio's own pattern recognizers,
on the same texts and the same entity set, in one run.

    python benchmarks/pii.py [--quick]

Presidio side: the predefined recognizers for EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD,
US_SSN, IBAN_CODE, IP_ADDRESS and URL (the entity set both sides cover), called directly
(`recognizer.analyze(text, entities, None)`), which is Presidio's fastest path: no NLP
engine, no AnalyzerEngine overhead. Our side: `Redactor.scan` limited to the same
entities (validators and context scoring included), and `Redactor.redact` (scan plus
placeholders) for the full job.

Known values: our Aho-Corasick matcher against Presidio's deny-list PatternRecognizer
(one regex alternation of all values), with 100 and 100,000 values.

Goals (issue 4): >= 20x Presidio's throughput; a 1 KB text with no PII <= 30 us;
cost linear in text size; independent of the number of known values.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

from _workload import FEW_PII, NO_PII

import responsible_ai as rai
from responsible_ai._policy import PiiSettings

ENTITIES = [
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "IP_ADDRESS",
    "URL",
]

NO_PII_NUMBERS = NO_PII.replace("by Thursday", "by 14 March").replace(
    "a small reserve", "a 5% reserve of 12,000 for the 3 regions in Q2 2027"
)


def kb(text: str, size: int) -> str:
    reps = size // len(text) + 1
    return (text + " ") * reps


def _batch(fn: Callable[[], Any]) -> int:
    """Calls per batch: about 20 ms of them."""
    fn()
    t0 = time.perf_counter()
    fn()
    return max(1, min(20000, int(0.02 / max(time.perf_counter() - t0, 1e-7))))


def timeit(fn: Callable[[], Any], min_time: float = 0.3, max_calls: int = 20000) -> float:
    """Median seconds per call over repeated batches."""
    return timed(fn, min_time=min_time, max_calls=max_calls)[0]


def timed(*fns: Callable[[], Any], min_time: float = 0.3, max_calls: int = 20000) -> list[float]:
    """Median seconds per call of each of `fns`, their batches interleaved (a, b, a, b...):
    a ratio of two of them is measured under the same load of a shared machine, not one
    side in a quiet second and the other in a busy one."""
    batches = [min(max_calls, _batch(fn)) for fn in fns]
    samples: list[list[float]] = [[] for _ in fns]
    deadline = time.perf_counter() + min_time * len(fns)
    while time.perf_counter() < deadline or len(samples[0]) < 5:
        for fn, batch, out in zip(fns, batches, samples, strict=True):
            t0 = time.perf_counter()
            for _ in range(batch):
                fn()
            out.append((time.perf_counter() - t0) / batch)
    return [statistics.median(out) for out in samples]


def _strings(node: Any) -> Any:
    """Every string and object key of a JSON document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield k
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def presidio_side() -> Callable[[str], list[Any]]:
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        UrlRecognizer,
        UsSsnRecognizer,
    )

    recognizers = [
        EmailRecognizer(), PhoneRecognizer(), CreditCardRecognizer(), UsSsnRecognizer(),
        IbanRecognizer(), IpRecognizer(), UrlRecognizer(),
    ]  # fmt: skip

    def analyze(text: str) -> list[Any]:
        out: list[Any] = []
        for r in recognizers:
            out.extend(r.analyze(text, r.supported_entities, None))  # type: ignore[arg-type]
        return out

    return analyze


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="shorter runs, skip 1 MB and 100k Presidio"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import logging

    logging.disable(logging.WARNING)
    ours = rai.Redactor(PiiSettings(entities=ENTITIES))
    everything = rai.Redactor()
    presidio = presidio_side()

    print("Detection on the same texts and entity set (median per call)\n")
    head = f"{'text':<30} {'presidio us':>12} {'ours scan us':>13}"
    print(f"{head} {'ours redact us':>15} {'speed-up':>9}")
    cases = [
        ("1 KB, a few PII", kb(FEW_PII, 1024)[:1024]),
        ("1 KB, no PII (prose)", kb(NO_PII, 1024)[:1024]),
        ("1 KB, no PII, with numbers", kb(NO_PII_NUMBERS, 1024)[:1024]),
    ]
    sizes = [1024, 10 * 1024, 100 * 1024] + ([] if args.quick else [1024 * 1024])
    for size in sizes:
        cases.append(
            (f"{size // 1024} KB mixed (scaling)", kb(FEW_PII + " " + NO_PII, size)[:size])
        )
    rows = []
    budget = 0.2 if args.quick else 0.5
    for label, text in cases:
        p, s, r = timed(
            functools.partial(presidio, text),
            functools.partial(ours.scan, text),
            functools.partial(ours.redact, text),
            min_time=budget,
        )
        rows.append((label, len(text), p, s, r))
        print(f"{label:<30} {p * 1e6:>12.1f} {s * 1e6:>13.1f} {r * 1e6:>15.1f} {p / s:>8.1f}x")

    # issue 12: the whole request body walked along its wire shape, the same 1 KB text
    from responsible_ai._providers._openai import CHAT_BODY

    text = kb(FEW_PII, 1024)[:1024]
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    tool = {"name": "lookup", "description": "Find a client", "parameters": schema}
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}],
        "temperature": 0.2, "max_tokens": 400, "user": "u-123", "metadata": {"team": "marketing"},
        "tools": [{"type": "function", "function": tool}],
    }  # fmt: skip
    strings = list(_strings(body))  # what Presidio must analyse to cover the same fields

    def presidio_body() -> None:
        for piece in strings:
            presidio(piece)

    p, w = timed(
        presidio_body, functools.partial(ours.redact_document, body, CHAT_BODY), min_time=budget
    )
    print(f"{'1 KB, a few PII, whole body':<30} {p * 1e6:>12.1f} {'':>13} {w * 1e6:>15.1f} "
          f"{p / w:>8.1f}x  (the body walk; Presidio: its {len(strings)} strings)")  # fmt: skip

    print("\nScaling (ours, redact): us per KB")
    for label, n, _, _, r in rows[3:]:
        print(f"  {label:<28} {r * 1e6 / (n / 1024):8.2f} us/KB")
    t = timeit(lambda: everything.scan(kb(NO_PII, 1024)[:1024]))
    print(f"\nAll 13 built-in entity types, 1 KB no-PII prose: {t * 1e6:.1f} us per scan")

    # issue 23: every detector on (names too), against Presidio's pattern recognizers;
    # goals: 1 KB clean <= 40 us, 1 KB with PII <= 150 us, >= 50x Presidio with PII
    print("\nEvery detector (names, places, organisations too) vs Presidio's patterns")
    for label, text in cases[:3]:
        p, e = timed(
            functools.partial(presidio, text), functools.partial(everything.scan, text),
            min_time=budget,
        )  # fmt: skip
        print(f"  {label:<28} {e * 1e6:8.1f} us per scan; presidio {p * 1e6:9.1f} us: "
              f"{p / e:6.1f}x")  # fmt: skip

    print("\nKnown client values (1 KB text, a few of the values in it)")
    text = kb(FEW_PII, 1024)[:1024].replace("Jane Roe", "Client31337 Surname31337")
    for n in (100, 100_000):
        records = [rai.ClientRecord(name=f"Client{i} Surname{i}") for i in range(n // 4)]
        t0 = time.perf_counter()
        known = rai.KnownValues(records)
        redactor = rai.Redactor(PiiSettings(entities=[]), known=known)
        redactor.scan("warm up")
        build = time.perf_counter() - t0
        ours_t = timeit(functools.partial(redactor.scan, text))
        line = (
            f"  {len(known):>7} values: ours {ours_t * 1e6:8.1f} us per scan (build {build:.2f} s)"
        )
        if not (args.quick and n > 1000):
            from presidio_analyzer import PatternRecognizer

            values = [v for rec in records for _, v, _, _ in rec.values()]
            t0 = time.perf_counter()
            deny = PatternRecognizer(supported_entity="PERSON", deny_list=values)
            pbuild = time.perf_counter() - t0
            run = functools.partial(deny.analyze, text, ["PERSON"], None)
            p = timeit(run, min_time=0.2, max_calls=50)
            line += f"; presidio deny-list {p * 1e6:10.1f} us (build {pbuild:.2f} s)"
            line += f": {p / ours_t:.0f}x"
        print(line)

    print("\nThe redactor's memo of short texts it found nothing in: the body walk with, without")
    later_turn = {  # a conversation's later request: short replies, tool schemas
        "model": "gpt-4o-mini",
        "messages": [
            {"role": ("user", "assistant")[i % 2], "content": reply}
            for i, reply in enumerate(["Thanks!", "Sure, go ahead.", "What is the status?",
                                       "Shipped on Tuesday", "Yes please", "Done."] * 5)
        ],
        "tools": [
            {"type": "function", "function": {
                "name": f"tool_{i}", "description": "Look up an order",
                "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}},
            }}
            for i in range(8)
        ],
    }  # fmt: skip
    for label, settings in (
        ("built-in patterns", PiiSettings(entities=ENTITIES)),
        ("every detector", None),
    ):
        for name, doc in (("1 KB body", body), ("later turn", later_turn)):
            memo, plain = rai.Redactor(settings), rai.Redactor(settings)
            plain._clean = _NoMemo()
            m, u = timed(
                functools.partial(memo.redact_document, doc, CHAT_BODY),
                functools.partial(plain.redact_document, doc, CHAT_BODY),
                min_time=budget,
            )
            print(f"  {label:<18} {name:<11} {m * 1e6:8.1f} us with, {u * 1e6:8.1f} us without "
                  f"({1 - m / u:.0%} less)")  # fmt: skip
    sys.stdout.flush()


class _NoMemo(dict[str, None]):
    """A memo that never holds a text: the redactor then scans every text."""

    def __contains__(self, key: object) -> bool:
        return False

    def __setitem__(self, key: str, value: None) -> None:
        pass


if __name__ == "__main__":
    main()
