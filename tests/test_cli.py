"""The `rai` command: exit codes 0 / 1 / 2, readable errors, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from responsible_ai._cli import main

EXAMPLE = str(Path(__file__).parent.parent / "examples" / "policy.toml")


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


class TestPolicyCommands:
    def test_validate_ok(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run("policy", "validate", EXAMPLE, capsys=capsys)
        assert code == 0 and out.startswith(
            f"ok: {EXAMPLE}: policy acme-ai-usage v2026.11.1, sha256 "
        )

    def test_validate_invalid(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """An invalid file exits 1 and names the file, the key and what was expected."""
        bad = tmp_path / "bad.toml"
        bad.write_text(Path(EXAMPLE).read_text().replace('tier = "enterprise"', 'tier = "gold"', 1))
        code, out, err = run("policy", "validate", str(bad), capsys=capsys)
        assert code == 1 and out == ""
        assert (
            f"{bad}: providers[0].tier: expected 'free', 'subscription' or 'enterprise', got 'gold'"
            in err
        )
        assert "Traceback" not in err

    def test_hash(self, capsys: pytest.CaptureFixture[str]) -> None:
        import responsible_ai as rai

        code, out, _ = run("policy", "hash", EXAMPLE, capsys=capsys)
        assert code == 0 and out.strip() == rai.load_policy(EXAMPLE).sha256

    def test_hash_while_an_old_pin_is_exported(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`rai policy hash` computes the pin of a new version: the exported pin of the old
        one does not stop it (validate and show still check it; --sha256 still counts)."""
        import responsible_ai as rai

        monkeypatch.setenv("RAI_POLICY_SHA256", "0" * 64)
        code, out, _ = run("policy", "hash", EXAMPLE, capsys=capsys)
        assert code == 0 and out.strip() == rai.load_policy(EXAMPLE, pinned=False).sha256
        code, _, err = run("policy", "validate", EXAMPLE, capsys=capsys)
        assert code == 1 and "pinned hash" in err
        code, _, err = run("policy", "hash", EXAMPLE, "--sha256", "1" * 64, capsys=capsys)
        assert code == 1 and "pinned hash" in err

    def test_hash_pin_mismatch(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run("policy", "validate", EXAMPLE, "--sha256", "0" * 64, capsys=capsys)
        assert code == 1 and "pinned hash" in err

    def test_show(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run("policy", "show", EXAMPLE, capsys=capsys)
        assert code == 0
        assert "openai-prod" in out and "hr.performance_review" in out
        line = next(x for x in out.splitlines() if x.startswith("hr.performance_review"))
        assert "BLOCKED" in line
        line = next(x for x in out.splitlines() if x.startswith("client.support"))
        assert line.split()[1:4] == ["allowed", "required", "required"]

    def test_missing_file(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run("policy", "validate", "/nonexistent/p.toml", capsys=capsys)
        assert code == 1 and "/nonexistent/p.toml: cannot read file" in err


class TestUsage:
    def test_no_command(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run(capsys=capsys)
        assert code == 2 and "a command is required" in err

    def test_bad_arguments(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as info:
            main(["policy", "frobnicate", "x"])
        assert info.value.code == 2


@pytest.mark.http
class TestDemo:
    def test_demo_in_process(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The demo makes real calls to the stand-in model and shows prompt, answer, decision."""
        code, out, _ = run("demo", capsys=capsys)
        assert code == 0
        assert "prompt as sent  POST /v1/chat/completions" in out
        assert "answer          Here is a draft" in out
        assert 'decision        allowed (rule use_cases.rules["marketing.copy"]' in out
        assert "UseCaseBlocked" in out and "requests sent   0" in out

    def test_console_script(self) -> None:
        """`rai demo` works as a command, as a user runs it."""
        rai = Path(sys.executable).parent / "rai"
        result = subprocess.run(
            [str(rai), "demo"], capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stderr
        assert "Audit trail: 5 decisions" in result.stdout
        assert "prompt as sent  Draft a reply to <PERSON_1> (<EMAIL_ADDRESS_1>" in result.stdout


class TestEntryPoints:
    def test_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        """`rai --version` names the distribution and the package's version."""
        import responsible_ai as rai

        with pytest.raises(SystemExit) as exit_:
            main(["--version"])
        assert exit_.value.code == 0
        assert capsys.readouterr().out == f"responsible-ai-policy {rai.__version__}\n"

    def test_python_dash_m(self) -> None:
        """``python -m responsible_ai`` is the `rai` command, exit codes included."""
        done = subprocess.run(
            [sys.executable, "-m", "responsible_ai", "policy", "validate", EXAMPLE],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0 and done.stdout.startswith(f"ok: {EXAMPLE}: policy ")
        bad = subprocess.run(
            [sys.executable, "-m", "responsible_ai"], capture_output=True, text=True, timeout=60
        )
        assert bad.returncode == 2 and "a command is required" in bad.stderr

    def test_distribution_name(self) -> None:
        """The distribution is `responsible-ai-policy` (`responsible-ai` on the public
        index is an unrelated project), installed with the import name `responsible_ai`."""
        from importlib.metadata import distribution

        import responsible_ai as rai

        dist = distribution("responsible-ai-policy")
        assert dist.version == rai.__version__
        scripts = {e.name: e.value for e in dist.entry_points if e.group == "console_scripts"}
        assert scripts == {"rai": "responsible_ai._cli:main"}
