"""Proven against a real trace backend: Arize Phoenix on 127.0.0.1 receives our spans over
OTLP/HTTP, and its own REST API gives them back with their names and attributes.

Phoenix is installed by scripts/test into its own virtual environment (.venv-phoenix,
pinned version) so that its many dependencies never mix with the library's. Without it
the test is skipped locally and fails in CI.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

from .conftest import base_policy

pytestmark = [pytest.mark.phoenix]

ROOT = Path(__file__).parent.parent
PHOENIX = Path(os.environ.get("RAI_PHOENIX", ROOT / ".venv-phoenix" / "bin" / "phoenix"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not PHOENIX.exists():
        if os.environ.get("CI"):
            pytest.fail(f"Phoenix is not installed at {PHOENIX}: scripts/test installs it")
        pytest.skip(f"Phoenix is not installed at {PHOENIX} (scripts/test installs it)")
    port, grpc = free_port(), free_port()
    env = {
        **os.environ, "PHOENIX_PORT": str(port), "PHOENIX_GRPC_PORT": str(grpc),
        "PHOENIX_HOST": "127.0.0.1", "PHOENIX_WORKING_DIR": str(tmp_path_factory.mktemp("phoenix")),
    }  # fmt: skip
    log = tmp_path_factory.mktemp("phoenix-log") / "phoenix.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(PHOENIX), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"Phoenix did not start: {log.read_text()[-2000:]}")
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def spans_of(base: str, project: str, want: int, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            data = get(f"{base}/v1/projects/{project}/spans?limit=200")["data"]
        except OSError:
            data = []
        if len(data) >= want or time.monotonic() > deadline:
            return list(data)
        time.sleep(0.5)


def test_spans_read_back_from_phoenix(phoenix: str, server: FakeModelServer) -> None:
    """Allowed, blocked, redacted and streamed calls, exported over OTLP/HTTP, come back
    from Phoenix's API with the GenAI and policy attributes, and no PII."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    project = "rai-integration"
    provider = TracerProvider(
        resource=Resource.create({"service.name": "rai-it", "openinference.project.name": project})
    )
    provider.add_span_processor(
        SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{phoenix}/v1/traces"))
    )
    mk = {"provider": "openai-prod", "model": "gpt-4o-mini"}
    with rai.Guard(
        rai.Policy.from_dict(base_policy(server.base_url)), telemetry=rai.Telemetry(provider)
    ) as guard:
        allowed = guard.chat(
            "Three taglines please.", use_case="marketing.copy", temperature=0.5, **mk
        )
        redacted = guard.chat("Write to Zyx Canary at zyx@canary.example", use_case="marketing.copy",
                              subject=rai.ClientRecord(name="Zyx Canary"), **mk)  # fmt: skip
        stream = guard.stream("A welcome note.", use_case="marketing.copy", **mk)
        stream.text()
        with pytest.raises(rai.UseCaseBlocked):
            guard.chat("Rate this employee.", use_case="hr.performance_review", **mk)
    provider.force_flush()
    spans = spans_of(phoenix, project, want=4)
    assert len(spans) == 4
    by_id = {s["context"]["span_id"]: s for s in spans}

    def span_for(resp: rai.ChatResponse | None) -> dict[str, Any]:
        assert resp is not None and resp.provenance is not None
        return by_id[resp.provenance.span_id]

    a = span_for(allowed)
    assert a["name"] == "chat gpt-4o-mini"
    attrs = a["attributes"]
    assert attrs["gen_ai.operation.name"] == "chat" and attrs["gen_ai.provider.name"] == "openai"
    assert (
        attrs["gen_ai.request.model"] == "gpt-4o-mini"
        and attrs["gen_ai.request.temperature"] == 0.5
    )
    assert attrs["gen_ai.usage.output_tokens"] == allowed.usage.output_tokens
    assert attrs["rai.decision"] == "allowed" and attrs["rai.use_case"] == "marketing.copy"
    assert attrs["rai.provenance.id"] == allowed.provenance.id  # type: ignore[union-attr]
    r = span_for(redacted)["attributes"]
    assert r["rai.redactions.PERSON"] == 1 and r["rai.redactions.EMAIL_ADDRESS"] == 1
    s = span_for(stream.response)["attributes"]
    assert s["gen_ai.request.stream"] is True and s["gen_ai.response.time_to_first_chunk"] > 0
    blocked = next(x for x in spans if x["attributes"].get("rai.decision") == "blocked")
    assert (
        blocked["status_code"] == "ERROR"
        and blocked["attributes"]["error.type"] == "UseCaseBlocked"
    )
    assert blocked["attributes"]["rai.rule"] == "use_cases.blocked[hr.performance_review]"
    blob = json.dumps(spans)
    assert "Zyx" not in blob and "canary.example" not in blob


def test_dashboard_example(phoenix: str) -> None:
    """examples/dashboard.py sends its mix through setup_otlp; Phoenix holds all of it."""
    project = "rai-dashboard"
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "dashboard.py"), "--endpoint", phoenix,
         "--project", project, "--rounds", "1"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    spans = spans_of(phoenix, project, want=7)
    decisions = sorted(s["attributes"].get("rai.decision", "?") for s in spans)
    assert decisions.count("blocked") == 3 and decisions.count("allowed") >= 4
    assert any(s["attributes"].get("rai.fallback_from") == "openai-prod" for s in spans)
