"""The pytest plugin on a base install (no ``otlp`` extra, so no opentelemetry-sdk):
every fixture that can work without it works, and ``rai_telemetry`` is skipped with a
message that says what to install. Simulated in a subprocess whose import system refuses
``opentelemetry.sdk`` (a fresh virtualenv would take a network install; the import is
the only difference)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.http

RUNNER = textwrap.dedent("""
    import importlib.abc, sys

    class NoOtelSdk(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "opentelemetry.sdk" or name.startswith("opentelemetry.sdk."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoOtelSdk())
    import pytest
    sys.exit(pytest.main(sys.argv[1:]))
""")

SUITE = textwrap.dedent("""
    import pytest
    import responsible_ai as rai

    MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}

    def test_no_sdk_here():
        with pytest.raises(ModuleNotFoundError):
            import opentelemetry.sdk  # noqa: F401

    def test_guard_and_the_rest(rai_guard, rai_server, rai_policy, rai_audit,
                                rai_decisions, rai_keyring, rai_signer):
        r = rai_guard.chat("Write to jane@roe.example", **MK)
        assert "jane@roe.example" not in rai_server.requests[0].text
        with pytest.raises(rai.UseCaseBlocked):
            rai_guard.chat("x", **{**MK, "use_case": "hr.performance_review"})
        assert [d.outcome for d in rai_decisions] == ["allowed", "blocked"]
        assert {e["outcome"] for e in rai_audit} >= {"allowed", "blocked"}
        assert rai.verify(r, keyring=rai_keyring).signed

    def test_spans(rai_telemetry):
        raise AssertionError("not reached: skipped without opentelemetry-sdk")
""")


def test_fixtures_without_opentelemetry_sdk(tmp_path: Path) -> None:
    """All fixtures but ``rai_telemetry`` work; that one skips, naming the extra."""
    (tmp_path / "runner.py").write_text(RUNNER, "utf-8")
    (tmp_path / "test_service.py").write_text(SUITE, "utf-8")
    env = {k: v for k, v in os.environ.items() if k != "RAI_POLICY"}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # as on a base install: only our plugin
    done = subprocess.run(
        [sys.executable, str(tmp_path / "runner.py"), "-q", "-rs", "-p", "no:cacheprovider",
         "-p", "responsible_ai.pytest_plugin", "-W", "error", str(tmp_path / "test_service.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "2 passed, 1 skipped" in out, out
    assert "rai_telemetry needs opentelemetry-sdk" in out and "[otlp]" in out, out
