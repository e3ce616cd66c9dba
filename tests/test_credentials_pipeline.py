"""Content Credentials through the governed pipeline: the policy's use cases get marked
answers (Guard, streams, the SDK transport), the verification app on a real uvicorn
server, and the `rai credentials verify` command."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import openai
import pytest
import uvicorn

import responsible_ai as rai
from responsible_ai.testing import CredentialsPKI, FakeModelServer

pytestmark = pytest.mark.http

CANARY = "Jane Canary, card 4111 1111 1111 1111"


@pytest.fixture(scope="module")
def pki() -> CredentialsPKI:
    return CredentialsPKI.make("ec")


@pytest.fixture
def keys(pki: CredentialsPKI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    paths = pki.write(tmp_path)
    monkeypatch.setenv("RAI_C2PA_KEY", paths["key"])
    monkeypatch.setenv("RAI_C2PA_CHAIN", paths["chain"])
    return paths


@pytest.fixture
def marking(make_policy: Callable[..., rai.Policy], server: FakeModelServer) -> rai.Policy:
    return make_policy(
        server.base_url, provenance={"credentials": {"use_cases": ["marketing"], "label": True}}
    )


def test_marked_use_case_through_guard(
    marking: rai.Policy, keys: dict[str, str], pki: CredentialsPKI
) -> None:
    """`resp.text` stays plain; `resp.credentials` is the marked text, TRUSTED with the
    root, carrying the stamp's facts and no prompt value."""
    with rai.Guard(marking) as g:
        resp = g.chat(use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini",
                      messages=[{"role": "user", "content": f"Write to {CANARY} about Friday"}])  # fmt: skip
        plain = g.chat(use_case="engineering", provider="openai-prod", model="gpt-4o-mini",
                       messages=[{"role": "user", "content": "hello"}])  # fmt: skip
    marked = resp.credentials
    assert marked is not None and plain.credentials is None
    assert str(marked).startswith(resp.text) and marked.visible == resp.text
    verdict = rai.verify_credentials(str(marked), trust=[pki.root])
    assert verdict.state == "TRUSTED"
    assert verdict.facts["use_case"] == "marketing.copy"
    assert verdict.facts["policy"]["id"] == marking.id
    assert verdict.facts["stamp_id"] == resp.provenance.id  # type: ignore[union-attr]
    assert marked.label is not None  # the policy asks for a label; no one reviewed this answer
    assert 'role="note"' in marked.label.html() and marked.label.icon
    for secret in ("Jane", "Canary", "4111"):
        assert secret.encode() not in marked.store


def test_stream_manifest_follows_the_last_chunk(marking: rai.Policy, keys: dict[str, str]) -> None:
    with rai.Guard(marking) as g:
        stream = g.stream(use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini",
                          messages=[{"role": "user", "content": "a slogan please"}])  # fmt: skip
        chunks = [c.text for c in stream]
    assert stream.response is not None and stream.response.credentials is not None
    assert "".join(chunks) == str(stream.response.credentials)
    assert rai.verify_credentials("".join(chunks)).state == "VALID"
    assert rai.verify_credentials("".join(chunks[:-1])).state == "UNMARKED"


async def test_async_guard_marks(marking: rai.Policy, keys: dict[str, str]) -> None:
    async with rai.Guard(marking) as g:
        resp = await g.achat(use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini",
                             messages=[{"role": "user", "content": "hi"}])  # fmt: skip
    assert rai.verify_credentials(str(resp.credentials)).state == "VALID"


def test_sdk_transport_writes_the_marked_text(
    marking: rai.Policy, keys: dict[str, str], server: FakeModelServer
) -> None:
    """Through `rai.http_client`, the official SDK's answer text is the marked text."""
    with openai.OpenAI(base_url=server.base_url, api_key="sk",
                       http_client=rai.http_client(policy=marking)) as client, rai.use_case("marketing.copy"):  # fmt: skip
        out = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    text = out.choices[0].message.content or ""
    assert rai.verify_credentials(text).state == "VALID"


def test_header_carrier_through_the_transport(
    make_policy: Callable[..., rai.Policy], server: FakeModelServer, keys: dict[str, str]
) -> None:
    policy = make_policy(
        server.base_url,
        provenance={"credentials": {"use_cases": ["marketing"], "carrier": "header"}},
    )
    with openai.OpenAI(base_url=server.base_url, api_key="sk",
                       http_client=rai.http_client(policy=policy)) as client, rai.use_case("marketing.copy"):  # fmt: skip
        raw = client.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    text = raw.parse().choices[0].message.content or ""
    assert rai.verify_credentials(text).state == "UNMARKED"  # the text is untouched
    from responsible_ai._credentials import manifest_of_header, verify_store

    assert verify_store(manifest_of_header(raw.headers["c2pa-manifest"]), text).state == "VALID"


def test_a_policy_that_marks_without_a_key_refuses(
    marking: rai.Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAI_C2PA_KEY", raising=False)
    monkeypatch.delenv("RAI_C2PA_CHAIN", raising=False)
    with pytest.raises(rai.ConfigurationError, match="RAI_C2PA_KEY"):
        rai.Governance(marking)


def test_policy_keys_are_checked(make_policy: Callable[..., rai.Policy]) -> None:
    with pytest.raises(rai.PolicyError, match="carier"):
        make_policy(provenance={"credentials": {"use_cases": ["news"], "carier": "sidecar"}})
    with pytest.raises(rai.PolicyError):
        make_policy(provenance={"credentials": {"use_cases": ["news"], "carrier": "sms"}})
    with pytest.raises(rai.PolicyError):
        make_policy(provenance={"credentials": {"use_cases": ["news"], "tsa_url": "ftp://x"}})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def app_url(pki: CredentialsPKI) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        rai.credentials_app(trust=[pki.root]), host="127.0.0.1", port=port, log_level="error"
    )
    web = uvicorn.Server(config)
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not web.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        web.should_exit = True
        thread.join(timeout=10)


def test_verification_app_on_uvicorn(app_url: str, pki: CredentialsPKI) -> None:
    creds = rai.Credentials(rai.CredentialSigner.of(pki.key, [pki.leaf, pki.root]))
    marked = creds.mark("An AI-written paragraph.")
    header = creds.mark("Header-carried.", carrier="header")
    with httpx.Client(base_url=app_url, timeout=10) as http:
        assert http.post("/verify", content=marked.text.encode()).json()["state"] == "TRUSTED"
        assert http.post("/verify", content=b"human text").json()["state"] == "UNMARKED"
        bad = http.post("/verify", content=marked.text.replace("AI", "A1").encode()).json()
        assert bad["state"] == "INVALID" and bad["code"] == "assertion.dataHash.mismatch"
        got = http.post("/verify", content=header.text.encode(), headers=header.headers).json()
        assert got["state"] == "TRUSTED"
        assert http.post("/verify", content=b"\xff\xfe").status_code == 400
        assert http.post("/verify", content=b"x" * (4 << 20 | 1)).status_code == 413
        assert http.get("/verify").status_code == 405
        assert "Verify Content Credentials" in http.get("/").text


def test_cli_credentials_verify(tmp_path: Path, pki: CredentialsPKI) -> None:
    creds = rai.Credentials(rai.CredentialSigner.of(pki.key, [pki.leaf, pki.root]))
    marked = creds.mark("An answer to publish.", {"use_case": "news"})
    good, bad, plain = tmp_path / "good.txt", tmp_path / "bad.txt", tmp_path / "plain.txt"
    good.write_text(marked.text, encoding="utf-8")
    bad.write_text(marked.text.replace("answer", "answers"), encoding="utf-8")
    plain.write_text("plain", encoding="utf-8")
    root = tmp_path / "root.pem"
    root.write_bytes(CredentialsPKI.pem(pki.root))

    def rai_cli(*args: str, stdin: bytes | None = None) -> tuple[int, str]:
        done = subprocess.run([sys.executable, "-m", "responsible_ai", "credentials", "verify", *args],
                              input=stdin, capture_output=True, timeout=60, check=False)  # fmt: skip
        return done.returncode, done.stdout.decode()

    code, out = rai_cli(str(good))
    assert code == 0 and out.startswith("VALID ")
    code, out = rai_cli(str(good), "--trust", str(root))
    assert code == 0 and out.startswith("TRUSTED ")
    code, out = rai_cli(str(bad))
    assert code == 1 and out.startswith("INVALID assertion.dataHash.")
    code, out = rai_cli(str(plain))
    assert code == 0 and out.startswith("UNMARKED")
    code, out = rai_cli("-", "--json", stdin=marked.text.encode())
    assert code == 0 and out.startswith("VALID ")
    assert json.loads(out.split(" ", 1)[1])["facts"]["use_case"] == "news"
    code, _ = rai_cli(str(tmp_path / "missing.txt"))
    assert code == 2


def test_verify_keeps_checking_json_stamps(tmp_path: Path) -> None:
    """`rai verify` still verifies our JSON stamps (a marked text is not a stamp file)."""
    done = subprocess.run([sys.executable, "-m", "responsible_ai", "verify", str(tmp_path / "x.json")],
                          capture_output=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2
