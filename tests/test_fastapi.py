"""`@governed` in a FastAPI service: a streaming response whose body calls
`rai.client()` after the endpoint returned (FastAPI's TestClient, and a real uvicorn on
127.0.0.1)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer, stand_in_answer

fastapi = pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
from fastapi.responses import StreamingResponse  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

pytestmark = pytest.mark.http
MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}


def make_app(guard: rai.Guard) -> fastapi.FastAPI:
    app = fastapi.FastAPI()

    @app.get("/sync")
    @rai.governed(guard=guard, **MK)
    def sync_lines(n: int = 2) -> StreamingResponse:
        def body() -> Iterator[str]:
            for i in range(n):  # runs while the response streams: after the endpoint returned
                yield rai.client().complete(f"line {i}") + "\n"

        return StreamingResponse(body(), media_type="text/plain")

    @app.get("/async")
    @rai.governed(guard=guard, **MK)
    async def async_lines(n: int = 2) -> StreamingResponse:
        async def body() -> AsyncIterator[str]:
            for i in range(n):
                yield (await rai.client().acomplete(f"line {i}")) + "\n"

        return StreamingResponse(body(), media_type="text/plain")

    @app.get("/blocked")
    @rai.governed(guard=guard, **{**MK, "use_case": "hr.performance_review"})
    def blocked() -> str:
        return rai.client().complete("never")

    return app


EXPECTED = "".join(stand_in_answer(f"line {i}") + "\n" for i in range(2))


def test_streaming_response_with_testclient(guard: rai.Guard, server: FakeModelServer) -> None:
    with TestClient(make_app(guard), raise_server_exceptions=True) as client:
        assert client.get("/sync").text == EXPECTED
        assert client.get("/async").text == EXPECTED
        with pytest.raises(rai.UseCaseBlocked):
            client.get("/blocked")
    assert len(server.requests) == 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_streaming_response_under_uvicorn(guard: rai.Guard, server: FakeModelServer) -> None:
    port = _free_port()
    config = uvicorn.Config(make_app(guard), host="127.0.0.1", port=port, log_level="error",
                            lifespan="off")  # fmt: skip
    web = uvicorn.Server(config)
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not web.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            assert http.get("/sync").text == EXPECTED
            assert http.get("/async").text == EXPECTED
            assert http.get("/blocked").status_code == 500
    finally:
        web.should_exit = True
        thread.join(timeout=10)
    assert len(server.requests) == 4
