"""The provenance commands of the CLI: `rai verify` and `rai provenance show`."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai._cli import main as cli

from .conftest import MK

pytestmark = pytest.mark.http


class TestCLI:
    def write(self, tmp_path: Path, doc: dict[str, Any]) -> str:
        f = tmp_path / "out.json"
        f.write_text(json.dumps(doc))
        return str(f)

    def test_verify_valid_and_invalid(
        self,
        signed_guard: rai.Guard,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """`rai verify` exits 0 for a valid stamp (JSON or header) and 1 naming the failed check."""
        raw = base64.urlsafe_b64encode(b"k" * 32).rstrip(b"=").decode()
        monkeypatch.setenv("RAI_VERIFY_KEYS", f"hmac:hmac-2026-11:{raw}")
        resp = signed_guard.chat("hi", **MK)
        stamp = json.loads(resp.provenance.to_json())  # type: ignore[union-attr]
        assert cli(["verify", self.write(tmp_path, {"text": resp.text, "provenance": stamp})]) == 0
        assert "valid: provenance" in capsys.readouterr().out
        header = resp.provenance.to_header()  # type: ignore[union-attr]
        assert cli(["verify", self.write(tmp_path, {"text": resp.text, "header": header})]) == 0
        capsys.readouterr()
        assert (
            cli(["verify", self.write(tmp_path, {"text": resp.text + "!", "provenance": stamp})])
            == 1
        )
        assert "invalid: output_hash" in capsys.readouterr().err
        stamp["use_case"] = "hr"
        assert cli(["verify", self.write(tmp_path, {"text": resp.text, "provenance": stamp})]) == 1
        assert "invalid: signature" in capsys.readouterr().err
        assert cli(["verify", self.write(tmp_path, {"nope": 1})]) == 1
        assert "invalid: schema" in capsys.readouterr().err

    def test_missing_file_is_usage(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A file that cannot be read is a usage error (2), not an invalid stamp (1)."""
        assert cli(["verify", str(tmp_path / "missing.json")]) == 2
        assert "cannot read file" in capsys.readouterr().err

    def test_unknown_kid_says_where_keys_come_from(
        self,
        signed_guard: rai.Guard,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """An unknown kid's message names RAI_VERIFY_KEYS and the key spec's form."""
        monkeypatch.delenv("RAI_VERIFY_KEYS", raising=False)
        monkeypatch.delenv("RAI_SIGNING_KEY", raising=False)
        resp = signed_guard.chat("hi", **MK)
        stamp = json.loads(resp.provenance.to_json())  # type: ignore[union-attr]
        assert cli(["verify", self.write(tmp_path, {"text": resp.text, "provenance": stamp})]) == 1
        err = capsys.readouterr().err
        assert "invalid: unknown_kid" in err and "RAI_VERIFY_KEYS" in err and "hmac:KID:" in err

    def test_show(
        self, signed_guard: rai.Guard, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`rai provenance show` prints the stamp's fields and its footer."""
        resp = signed_guard.chat("hi", **MK)
        doc = {"text": resp.text, "provenance": json.loads(resp.provenance.to_json())}  # type: ignore[union-attr]
        assert cli(["provenance", "show", self.write(tmp_path, doc)]) == 0
        out = capsys.readouterr().out
        assert "use_case" in out and "— Drafted with AI assistance" in out
