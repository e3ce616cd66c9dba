"""Extract the parametrised test cases of Presidio's pattern recognizers into
tests/data/presidio_cases.json (data only: each case's text, entity type and the spans
Presidio's own test expects).

    python tests/data/extract_presidio_cases.py <presidio checkout> [--commit <sha>]

Source: https://github.com/microsoft/presidio, presidio-analyzer/tests/test_{credit_card,
email,iban,ip,phone,us_ssn,url}_recognizer.py. Presidio is MIT-licensed, Copyright (c)
Presidio Contributors; the extracted cases keep that notice in the data file. Only the
literal case tuples are read (with `ast`, never executed); an IBAN case written as a
call of the test's checksum helper is computed here with our own mod-97 arithmetic.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("presidio_cases.json")
FILES = {
    "CREDIT_CARD": "test_credit_card_recognizer.py",
    "EMAIL_ADDRESS": "test_email_recognizer.py",
    "IBAN_CODE": "test_iban_recognizer.py",
    "IP_ADDRESS": "test_ip_recognizer.py",
    "PHONE_NUMBER": "test_phone_recognizer.py",
    "US_SSN": "test_us_ssn_recognizer.py",
    "URL": "test_url_recognizer.py",
}
# the parameter names that carry what a case expects, whatever each file calls them
TEXT = ("text", "iban")
COUNT = ("expected_len",)
SPANS = ("expected_positions", "expected_res")


def _with_checksum(iban: str) -> str:
    """`iban` with its two check digits computed (ISO 7064 mod 97-10)."""
    compact = iban.replace(" ", "")
    moved = (compact[4:] + compact[:2] + "00").upper()
    digits = "".join(str(int(c, 36)) for c in moved)
    return iban[:2] + f"{98 - int(digits) % 97:02d}" + iban[4:]


def _value(node: ast.expr) -> Any:
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "update_iban_checksum"
        and len(node.args) == 1
    ):
        return _with_checksum(_value(node.args[0]))
    if isinstance(node, ast.JoinedStr):  # f"..." without placeholders
        return "".join(_value(v) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _value(node.left) + _value(node.right)
    return ast.literal_eval(node)


def cases(source: str, entity: str, file: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, ast.FunctionDef):
            continue
        for deco in fn.decorator_list:
            if not (isinstance(deco, ast.Call) and getattr(deco.func, "attr", "") == "parametrize"):
                continue
            names = [n.strip() for n in ast.literal_eval(deco.args[0]).split(",")]
            if not any(n in names for n in TEXT) or "expected_len" not in names:
                continue
            assert isinstance(deco.args[1], ast.List)
            for row in deco.args[1].elts:
                assert isinstance(row, ast.Tuple)
                values = dict(zip(names, (_value(v) for v in row.elts), strict=True))
                text = next(values[n] for n in TEXT if n in names)
                spans = next((values[n] for n in SPANS if n in names), ())
                entities = values.get("entities") or [entity]
                case = {
                    "entity": entity,
                    "text": text,
                    "expected": values["expected_len"],
                    "spans": [list(s) for s in spans],
                    "source": f"{file}::{fn.name}",
                }
                if set(entities) != {entity}:
                    continue
                if "leniency" in values:
                    case["variant"] = f"leniency={values['leniency']}"
                out.append(case)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("checkout", type=Path, help="a clone (or bare mirror) of presidio")
    parser.add_argument("--commit", default="HEAD")
    args = parser.parse_args()
    sha = subprocess.run(
        ["git", "-C", str(args.checkout), "rev-parse", args.commit],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    rows: list[dict[str, Any]] = []
    for entity, file in FILES.items():
        source = subprocess.run(
            ["git", "-C", str(args.checkout), "show", f"{sha}:presidio-analyzer/tests/{file}"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        rows += cases(source, entity, file)
    doc = {
        "source": "https://github.com/microsoft/presidio (presidio-analyzer/tests)",
        "commit": sha,
        "license": "MIT License, Copyright (c) Presidio Contributors",
        "note": "test-case data only, extracted by tests/data/extract_presidio_cases.py",
        "cases": rows,
    }
    OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(rows)} cases -> {OUT}")


if __name__ == "__main__":
    main()
