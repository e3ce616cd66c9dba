"""Start-up stays light and strict: importing the library and making a `Guard` import
nothing heavy; constructors refuse wrong argument types at once.

The figures themselves come from `benchmarks/startup.py` (a timed test on a shared
machine would be noise); this checks the cause, deterministically: which modules load.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parent.parent / "examples" / "policy.toml"

# none of these belongs in a service's start-up because of this library
HEAVY = ("presidio_anonymizer", "presidio_analyzer", "spacy", "numpy", "structlog", "rich",
         "openai", "anthropic", "opentelemetry.sdk", "yaml", "httpx", "langchain",
         "langchain_core", "langchain_openai", "llama_index", "pydantic_ai", "agents", "litellm",
         "aiohttp", "fastapi")  # fmt: skip


def loaded_after(code: str) -> list[str]:
    probe = (
        f"{code}\nimport sys\n"
        f"print(sorted(m for m in sys.modules if m in {HEAVY!r} or m.startswith({HEAVY!r})))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return eval(done.stdout)  # type: ignore[no-any-return]


def test_import_is_light() -> None:
    assert loaded_after("import responsible_ai") == []


def test_guard_for_the_example_policy_is_light() -> None:
    """The example policy masks card numbers: mask, hash and encrypt are the library's
    own (presidio-anonymizer's operators package imports presidio-analyzer and spaCy)."""
    code = (
        "import responsible_ai as rai\n"
        f"guard = rai.Guard(rai.load_policy({str(EXAMPLE)!r}))\n"
        "from responsible_ai._policy import PiiSettings\n"
        "r = rai.Redactor(PiiSettings(operators={'EMAIL_ADDRESS': 'mask', 'URL': 'hash'}))\n"
        "r.redact('jane@roe.example https://x.example/a')\n"
    )
    assert loaded_after(code) == []


def test_constructors_check_their_arguments() -> None:
    """A wrong type is a TypeError naming what was expected, at construction (not a
    silent mismatch, nor an AttributeError at the first call)."""
    import pytest

    import responsible_ai as rai

    cases = [
        (lambda: rai.HmacSigner(32, kid="k"), "an HMAC key is bytes or str"),  # not 32 zero bytes
        (lambda: rai.Redactor({"entities": []}), "Redactor takes PiiSettings"),
        (lambda: rai.KnownValues(["Jane Roe"]), "KnownValues takes ClientRecord"),
        (lambda: rai.KnownValues(rai.ClientRecord(name="J")), "wrap one in a list"),
        (lambda: rai.ClientRecord(name=5), "ClientRecord.name must be a str"),
        (lambda: rai.ClientRecord(emails=[1]), "ClientRecord.emails must hold strings"),
    ]
    for make, message in cases:
        with pytest.raises(TypeError, match=message):
            make()
