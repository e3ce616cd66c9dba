"""Every request has a total deadline and a size cap: a provider that trickles its
answer one byte at a time cannot keep a call alive past its `timeout_s` (issue 13)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

import responsible_ai as rai
from responsible_ai import _send

ANSWER = json.dumps({"id": "r", "model": "gpt-4o-mini", "choices": [
    {"index": 0, "message": {"role": "assistant", "content": "Hello there."}, "finish_reason": "stop"}
]}).encode()  # fmt: skip


@pytest.fixture
def trickler() -> Iterator[str]:
    """A server that sends its headers at once, then the body one byte every 50 ms."""
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, rest = data.partition(b"\r\n\r\n")
            length = int(
                next(
                    h.split(b":")[1]
                    for h in head.split(b"\r\n")
                    if h.lower().startswith(b"content-length")
                )
            )
            while len(rest) < length:
                rest += conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                         b"content-length: %d\r\n\r\n" % len(ANSWER))  # fmt: skip
            for byte in ANSWER:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.05)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}/v1"
    stop.set()
    thread.join()
    srv.close()


CALL = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}


def _policy(make_policy: Callable[..., rai.Policy], url: str) -> rai.Policy:
    return make_policy(url, providers__0__timeout_s=0.4, retry__max_attempts=1)


def test_a_trickled_answer_ends_at_the_deadline(
    trickler: str, make_policy: Callable[..., rai.Policy]
) -> None:
    with rai.Guard(_policy(make_policy, trickler)) as guard:
        start = time.monotonic()
        with pytest.raises(rai.ProviderUnavailable, match="DeadlineExceeded"):
            guard.chat("hi", **CALL)
        assert time.monotonic() - start < 1.5  # the whole answer would take ~9 s


async def test_a_trickled_answer_ends_at_the_deadline_async(
    trickler: str, make_policy: Callable[..., rai.Policy]
) -> None:
    async with rai.Guard(_policy(make_policy, trickler)) as guard:
        start = time.monotonic()
        with pytest.raises(rai.ProviderUnavailable, match="TimeoutError"):
            await guard.achat("hi", **CALL)
        assert time.monotonic() - start < 1.5


def test_an_answer_over_the_size_cap_is_refused(
    server: rai.testing.FakeModelServer,
    make_policy: Callable[..., rai.Policy],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_send, "MAX_ANSWER_BYTES", 64)
    with (
        rai.Guard(make_policy(server.base_url)) as guard,
        pytest.raises(rai.ProviderResponseError, match="larger than 64"),
    ):
        guard.chat("hi", **CALL)


def test_the_sdk_transport_bounds_the_answer_too(
    trickler: str, make_policy: Callable[..., rai.Policy]
) -> None:
    openai = pytest.importorskip("openai")
    http = rai.http_client(_policy(make_policy, trickler), use_case="engineering")
    client = openai.OpenAI(base_url=trickler, api_key="sk-test", max_retries=0, http_client=http)
    start = time.monotonic()
    with pytest.raises(rai.ProviderUnavailable, match="timeout_s"):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    assert time.monotonic() - start < 1.5
    http.close()


def test_request_bodies_have_a_size_cap(
    server: rai.testing.FakeModelServer,
    make_policy: Callable[..., rai.Policy],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One cap, in one place, for both drivers: a body over it is refused before it is sent."""
    from responsible_ai._steps import admit

    monkeypatch.setattr(admit, "MAX_REQUEST_BYTES", 1000)
    policy = make_policy(server.base_url)
    with rai.Guard(policy) as guard, pytest.raises(rai.RedactionFailed, match="more than 1000"):
        guard.chat("x " * 600, **CALL)
    openai = pytest.importorskip("openai")
    with rai.http_client(policy, use_case="engineering") as http:
        client = openai.OpenAI(
            base_url=server.base_url, api_key="sk", max_retries=0, http_client=http
        )
        with pytest.raises(rai.RedactionFailed, match="more than 1000"):
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "x " * 600}]
            )
    assert server.requests == []  # nothing was sent
