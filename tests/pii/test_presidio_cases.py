"""Presidio's own recognizer test cases run through our detectors (issue #23).

The cases are data: tests/data/presidio_cases.json, extracted from Presidio's test files
(MIT License, Copyright (c) Presidio Contributors; see tests/data/extract_presidio_cases.py
for the source and commit). The harness is ours: each case's text goes through
``Redactor().scan`` (every detector, the default threshold) and our findings of the
case's entity type are compared with the spans Presidio's test expects.

A case *agrees* when we find as many values of its type as Presidio expects, each
expected span matched by one of ours (IoU >= 0.8, the rule of tests/pii/test_eval.py:
Presidio's URL spans include the quotes around a URL). Cases that repeat a text with
other recognizer settings (the phone recognizer's ``leniency``) agree when we match one
of them. Every disagreement is listed below with the reason for our choice; none may be
a leak: a value Presidio finds and we do not redact at all must be one that names
nobody.

    python -m tests.pii.test_presidio_cases     # the table and every disagreement
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

import responsible_ai as rai

DATA = Path(__file__).parents[1] / "data" / "presidio_cases.json"

# (entity, text) -> (kind, reason). kind: "names nobody" (we redact nothing: the value is
# no client data), "other type" (redacted, as another type), "more" (we redact more).
CHOICES: dict[tuple[str, str], tuple[str, str]] = {
    **{
        ("IP_ADDRESS", text): (
            "names nobody",
            "the unspecified address '::' names no host, and '::' is C++ and Haskell syntax "
            "('std::cout', 'f :: Int'); Presidio scores it 0.05-0.15, below any threshold",
        )
        for text in ("Use local ipv6 ::", "src=:: dst=::1", "Unspecified ::", "::/0", "::/128")
    },
    ("US_SSN", "078-051121 07805-1121"): (
        "other type",
        "nine digits not grouped 3-2-4 are no SSN without an SSN word near them; these read as "
        "phone numbers (a trunk 0) and are redacted as such. Presidio scores them 0-0.3",
    ),
    ("US_SSN", "078051121"): (
        "other type",
        "a bare nine-digit number is an SSN only beside an SSN word; this one reads as a phone "
        "number (a trunk 0) and is redacted as one. Presidio scores it 0-0.4",
    ),
    ("IBAN_CODE", "LV80 bANK 0000 4351 9500 1"): (
        "more",
        "IBANs are read in any case: the mod-97 checksum decides, so case costs no precision",
    ),
    ("IBAN_CODE", "Slash as iban separator: AL47/2121/1009/0000/0002/3569/8741"): (
        "more",
        "IBANs are read through any separator (slashes too): the checksum decides",
    ),
}


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def _agrees(ours: list[tuple[int, int]], case: dict[str, Any]) -> bool:
    if len(ours) != case["expected"]:
        return False
    spans = [tuple(s) for s in case["spans"]]
    return all(any(_iou(s, o) >= 0.8 for o in ours) for s in spans)


def evaluate(redactor: rai.Redactor) -> dict[str, Any]:
    """Per entity type: cases and agreements; the disagreements, and which of them leave
    a value Presidio expects without any redaction of ours."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for case in data["cases"]:
        grouped[(case["entity"], case["text"])].append(case)
    total: Counter[str] = Counter()
    agreed: Counter[str] = Counter()
    disagreements: dict[tuple[str, str], str] = {}
    unredacted: list[tuple[str, str]] = []
    for (entity, text), variants in grouped.items():
        found = redactor.scan(text)
        ours = [(f.start, f.end) for f in found if f.entity_type == entity]
        total[entity] += 1
        if any(_agrees(ours, case) for case in variants):
            agreed[entity] += 1
            continue
        shown = [(f.entity_type, f.start, f.end, round(f.score, 2)) for f in found]
        disagreements[(entity, text)] = f"Presidio {variants[0]['spans']}, ours {shown}"
        every = [(f.start, f.end) for f in found]
        expected = {tuple(s) for case in variants for s in case["spans"]}
        if any(not any(_iou(s, o) >= 0.8 for o in every) for s in expected):
            unredacted.append((entity, text))
    return {
        "total": total,
        "agreed": agreed,
        "disagreements": disagreements,
        "unredacted": unredacted,
        "commit": data["commit"],
    }


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    return evaluate(rai.Redactor())


def test_cases_are_presidios(results: dict[str, Any]) -> None:
    """The data holds Presidio's cases for the seven recognizers, with its source noted."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    assert "MIT" in data["license"] and "presidio" in data["source"]
    assert set(results["total"]) == {
        "CREDIT_CARD", "EMAIL_ADDRESS", "IBAN_CODE", "IP_ADDRESS", "PHONE_NUMBER", "US_SSN", "URL",
    }  # fmt: skip
    assert sum(results["total"].values()) >= 500


def test_agreement_outside_iban(results: dict[str, Any]) -> None:
    """Agreement with Presidio's expectations is at least 0.95 outside IBAN."""
    total = sum(n for e, n in results["total"].items() if e != "IBAN_CODE")
    agreed = sum(n for e, n in results["agreed"].items() if e != "IBAN_CODE")
    assert agreed / total >= 0.95, (agreed, total, results["disagreements"])


def test_every_disagreement_is_a_documented_choice(results: dict[str, Any]) -> None:
    """Each case where we differ from Presidio is one listed here with its reason."""
    undocumented = {k: v for k, v in results["disagreements"].items() if k not in CHOICES}
    assert not undocumented, undocumented
    stale = [k for k in CHOICES if k not in results["disagreements"]]
    assert not stale, stale  # a choice that no longer applies is removed


def test_no_disagreement_is_a_leak(results: dict[str, Any]) -> None:
    """A value Presidio finds that we leave unredacted is one that names nobody."""
    for key in results["unredacted"]:
        assert CHOICES.get(key, ("",))[0] == "names nobody", key


if __name__ == "__main__":
    out = evaluate(rai.Redactor())
    print(f"Presidio cases at {out['commit'][:12]}")
    print(f"{'entity':<15} {'cases':>6} {'agree':>6} {'rate':>6}")
    for entity, n in sorted(out["total"].items()):
        print(f"{entity:<15} {n:>6} {out['agreed'][entity]:>6} {out['agreed'][entity] / n:>6.3f}")
    rest = [e for e in out["total"] if e != "IBAN_CODE"]
    n = sum(out["total"][e] for e in rest)
    a = sum(out["agreed"][e] for e in rest)
    print(f"{'outside IBAN':<15} {n:>6} {a:>6} {a / n:>6.3f}")
    for (entity, text), what in out["disagreements"].items():
        kind = CHOICES.get((entity, text), ("UNDOCUMENTED",))[0]
        print(f"  [{kind}] {entity} {text!r}: {what}")
