"""The compliance report, opened in a real headless Chromium as an auditor would, and
the exports: JSON lines and OTLP logs sent to a collector on loopback."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

import responsible_ai as rai
from responsible_ai._cli import main
from responsible_ai._evaluation import Evaluation
from responsible_ai._evidence import EvidenceStore
from responsible_ai.testing import FakeModelServer

from ..conftest import CANARY

pytestmark = pytest.mark.http
MK = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Debian's chromium is not installed (scripts/test installs it)")
    return found


def _browser(*args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=90, check=True,
        )  # fmt: skip


class _Text(HTMLParser):
    """The text a reader sees, and the drawn shapes (SVG rects) of the page's charts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.rects = 0
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "title"):
            self._skip += 1
        if tag == "rect":
            self.rects += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())

    @property
    def text(self) -> str:
        return " ".join(self.parts)


def _seen(html_file: Path) -> _Text:
    """The page as Chromium rendered it (its DOM after layout), read as text."""
    dom = _browser("--dump-dom", html_file.as_uri()).stdout
    assert "<svg" in dom  # the browser parsed and kept the inline charts
    reader = _Text()
    reader.feed(dom)
    return reader


def _populate(governance: rai.Governance, store: EvidenceStore) -> str:
    with rai.Guard(governance) as guard:
        for _ in range(3):
            guard.chat(f"Mail jane.doe@example.com about {CANARY}", **MK)
        answer = guard.chat("hello", **MK)
        for _ in range(2):
            with pytest.raises(rai.UseCaseBlocked):
                guard.chat("x", use_case="legal", provider="openai-prod", model="gpt-4o-mini")
    governance.review(answer, reviewer="rev-1", decision="approved", allow_unsigned=True)
    incident = store.report_incident(answer.provenance.id, category="biased", severity="serious",
                                     reporter="auditor-1", ticket="INC-7")  # fmt: skip
    return incident.id


def test_the_report_reads_right_in_a_real_browser(
    server: FakeModelServer,
    make_policy: Any,
    store: EvidenceStore,
    sqlite_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`rai report` writes one self-contained page (no script, no external asset) and its
    JSON; Chromium shows the verification, the figures, the charts, the inventory, the
    incident with its clock and hold — and no prompt or client value."""
    clocks = [{"name": "inform_provider", "within_hours": 0, "severities": ["serious"]},
              {"name": "report_authority", "within_days": 15, "severities": ["serious"]}]  # fmt: skip
    policy = make_policy(server.base_url, evidence={"incidents": {"clocks": clocks}})
    store.settings = policy.evidence
    governance = rai.Governance(
        policy, evidence=store, evaluators=[lambda r: Evaluation("bias", score=0.25, label="pass")]
    )
    incident_id = _populate(governance, store)
    store.close()
    out = tmp_path / "report.html"
    assert main(["report", sqlite_url, "--since", "2020-01-01", "-o", str(out)]) == 0
    html = out.read_text("utf-8")
    assert "<script" not in html and not re.search(r"\b(src|href)=", html)
    assert not re.search(r"url\(|@import", html)
    assert CANARY not in html and "jane.doe" not in html
    data = json.loads(out.with_suffix(".json").read_text("utf-8"))
    assert data["calls"]["allowed"] == 4 and data["calls"]["refused"] == 2
    assert CANARY not in json.dumps(data)

    page = _seen(out)
    text = page.text
    assert "Evidence store verified: ok:" in text
    for figure in ("4 calls allowed", "2 calls refused", "4 answers", "1 reviews", "1 incidents"):
        assert figure in text, figure
    assert "use_cases.blocked[legal]" in text  # the refusals chart's label
    assert "EMAIL_ADDRESS" in text  # the redactions chart
    assert "openai-prod gpt-4o-mini 4" in text  # the inventory row
    assert "bias 4 0.25" in text  # the evaluations row
    assert "approved 1" in text
    assert f"{incident_id}" in text and "biased serious open" in text and "yes" in text
    assert "inform_provider" in text and ("overdue" in text or "running" in text)
    assert "report_authority" in text and "running" in text
    assert page.rects >= 6  # bars were drawn
    shot = tmp_path / "report.png"
    _browser(f"--screenshot={shot}", "--window-size=1100,2400", out.as_uri())
    assert shot.stat().st_size > 20_000


def test_a_tampered_store_is_reported_as_such(
    server: FakeModelServer,
    policy: rai.Policy,
    store: EvidenceStore,
    sqlite_url: str,
    tmp_path: Path,
) -> None:
    """An auditor opening the report of an altered store sees the failure and where."""
    import sqlite3

    with rai.Guard(rai.Governance(policy, evidence=store)) as guard:
        for _ in range(4):
            guard.chat("hello", **MK)
    store.close()
    with sqlite3.connect(sqlite_url.removeprefix("sqlite://")) as conn:
        conn.execute("DELETE FROM rai_evidence WHERE seq = 3")
    conn.close()
    out = tmp_path / "report.html"
    assert main(["report", sqlite_url, "--since", "2020-01-01", "-o", str(out)]) == 0
    text = _seen(out).text
    assert "Evidence store FAILED verification: BROKEN at record 3: record 3 is missing" in text


class _Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["content-length"])
        _Collector.received.append(
            {"path": self.path, "type": self.headers["content-type"],
             "body": json.loads(self.rfile.read(length))}
        )  # fmt: skip
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


def test_exports_json_lines_and_otlp_logs(
    server: FakeModelServer,
    policy: rai.Policy,
    store: EvidenceStore,
    sqlite_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`rai audit export` writes the period's records as JSON lines (every chain column,
    so a range can be re-verified) and sends them as OTLP logs to a collector."""
    with rai.Guard(rai.Governance(policy, evidence=store)) as guard:
        guard.chat("hello", **MK)
    store.close()
    lines = tmp_path / "export.jsonl"
    assert main(["audit", "export", sqlite_url, "--since", "2020-01-01", "-o", str(lines)]) == 0
    records = [json.loads(line) for line in lines.read_text().splitlines()]
    kinds = [r["kind"] for r in records]  # a call shorter than the commit window: one record
    assert kinds in (["policy", "call"], ["policy", "decision", "answer"])
    assert all(records[i + 1]["prev"] == records[i]["hash"] for i in range(len(records) - 1))
    assert main(["audit", "export", sqlite_url, "--since", "2999-01-01",
                 "--until", "2999-02-01"]) == 0  # fmt: skip
    assert capsys.readouterr().out == ""  # an empty period is empty
    http = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=http.serve_forever)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{http.server_address[1]}/v1/logs"
        assert main(["audit", "export", sqlite_url, "--since", "2020-01-01", "--format", "otlp",
                     "--otlp-endpoint", endpoint]) == 0  # fmt: skip
    finally:
        http.shutdown()
        http.server_close()
        thread.join()
    (sent,) = _Collector.received
    assert sent["path"] == "/v1/logs" and sent["type"] == "application/json"
    logs = sent["body"]["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
    assert len(logs) == len(records) and logs[1]["eventName"] == "rai.evidence.record"
    attrs = {a["key"]: a["value"] for a in logs[1]["attributes"]}
    assert attrs["rai.evidence.kind"] == {"stringValue": kinds[1]}
    assert attrs["rai.evidence.seq"] == {"intValue": "2"}
