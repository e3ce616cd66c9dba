"""The examples run as written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.http
def test_quickstart_example() -> None:
    """examples/quickstart.py runs offline end to end."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "refused: use case blocked" in result.stdout
    assert "consent kept in the decision: Consent(subject='p:" in result.stdout


@pytest.mark.http
def test_typed_example() -> None:
    """examples/typed.py (checked by `mypy --strict` in scripts/test) runs: governed
    results carry their stamps as their types say."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "typed.py")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "marketing.copy True" and lines[2].endswith(" True")


def test_credentials_example() -> None:
    """examples/content_credentials.py marks, continues after an edit and verifies, offline."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "content_credentials.py")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("draft:   TRUSTED") and lines[1].startswith("edited:  TRUSTED")
    assert "c2pa.edited" in lines[2] and lines[3].startswith("tampered: INVALID")
    assert lines[4] == "stripped: UNMARKED"
