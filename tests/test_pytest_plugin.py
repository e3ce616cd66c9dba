"""The pytest plugin: fixtures a service's own suite uses (loaded by its entry point)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import CapturedTelemetry, FakeModelServer, stand_in_answer

pytestmark = pytest.mark.http
MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}


def test_guard_fixture_records_everything(
    rai_guard: rai.Guard,
    rai_server: FakeModelServer,
    rai_telemetry: CapturedTelemetry,
    rai_audit: list[dict[str, Any]],
    rai_decisions: list[rai.Decision],
    rai_keyring: rai.Keyring,
) -> None:
    resp = rai_guard.chat("Write to jane@roe.example", **MK)
    assert resp.text == stand_in_answer("Write to <EMAIL_ADDRESS_1>")
    assert "jane@roe.example" not in rai_server.requests[0].text
    with pytest.raises(rai.UseCaseBlocked):
        rai_guard.chat("x", **{**MK, "use_case": "hr.performance_review"})
    assert len(rai_server.requests) == 1
    assert [d.outcome for d in rai_decisions] == ["allowed", "blocked"]
    assert {e["outcome"] for e in rai_audit} >= {"allowed", "blocked"}
    assert len(rai_telemetry.spans()) == 2
    assert rai.verify(resp, keyring=rai_keyring).signed


def test_policy_from_the_ini_option(tmp_path: Path) -> None:
    """A project names its policy in its pytest configuration; the fixture points its
    providers at the stand-in and needs none of their API keys."""
    example = Path(__file__).parent.parent / "examples" / "policy.toml"
    (tmp_path / "policy.toml").write_text(example.read_text("utf-8"), "utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\nrai_policy = policy.toml\n", "utf-8")
    (tmp_path / "test_service.py").write_text(
        textwrap.dedent("""
        import responsible_ai as rai

        def test_it(rai_guard, rai_policy, rai_server):
            assert rai_policy.id == "acme-ai-usage"
            r = rai_guard.chat("hi", use_case="marketing.copy", provider="azure-openai-eu",
                               model="gpt-4o-mini")
            assert r.text and rai_server.requests[0].path.endswith("/chat/completions")
    """),
        "utf-8",
    )
    env = {k: v for k, v in __import__("os").environ.items() if not k.endswith("_API_KEY")}
    env.pop("RAI_POLICY", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
