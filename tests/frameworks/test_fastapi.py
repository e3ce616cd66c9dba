"""FastAPI: endpoints calling an SDK client governed by `rai.instrument()`, and a
`@governed` endpoint, tested the usual way — one `TestClient` per test (each runs its
own event loop)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

from .conftest import PROMPT, Governed, raw_on_the_wire

fastapi = pytest.importorskip("fastapi")
openai = pytest.importorskip("openai")
from fastapi.testclient import TestClient  # noqa: E402

pytestmark = pytest.mark.http


def make_app(server: FakeModelServer, guard: rai.Guard) -> Any:
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        # one SDK client per event loop: made and closed in the app's lifespan
        async with openai.AsyncOpenAI(
            base_url=server.base_url, api_key="sk", max_retries=0
        ) as client:
            app.state.llm = client
            yield

    app = fastapi.FastAPI(lifespan=lifespan)

    @app.post("/letters")
    async def letter(request: fastapi.Request, body: dict[str, str]) -> dict[str, Any]:
        with rai.use_case(body.get("use_case", "engineering")):
            done = await request.app.state.llm.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": body["prompt"]}]
            )
        stamp = rai.provenance_of(done)
        return {"text": done.choices[0].message.content, "stamp": stamp and stamp.id}

    @app.post("/drafts")
    @rai.governed(guard=guard, use_case="engineering", provider="openai-prod", model="gpt-4o-mini")
    async def draft(body: dict[str, str]) -> dict[str, str]:
        return {"text": await rai.client().acomplete(body["prompt"])}

    @app.exception_handler(rai.PolicyViolation)
    async def refused(request: fastapi.Request, exc: rai.PolicyViolation) -> Any:
        return fastapi.responses.JSONResponse({"refused": exc.rule}, status_code=403)

    return app


@pytest.fixture
def guard(governed: Governed) -> Iterator[rai.Guard]:
    """The `@governed` endpoint's Guard, over the same Governance as `instrument`."""
    with rai.Guard(governed.governance) as g:
        yield g


def test_an_endpoint_calling_a_governed_sdk_client(
    server: FakeModelServer, guard: rai.Guard
) -> None:
    """The endpoint's SDK client is governed: redacted, stamped, nothing raw leaves."""
    with TestClient(make_app(server, guard)) as web:
        answer = web.post("/letters", json={"prompt": PROMPT}).json()
        refused = web.post("/letters", json={"prompt": PROMPT, "use_case": "legal"})
    assert answer["stamp"] and "<EMAIL_ADDRESS_1>" in answer["text"]
    assert refused.status_code == 403 and refused.json() == {"refused": "use_cases.blocked[legal]"}
    assert raw_on_the_wire(server) == [] and len(server.requests) == 1


def test_a_second_test_client_has_its_own_loop(server: FakeModelServer, guard: rai.Guard) -> None:
    """Another TestClient (another event loop) in the next test: the `@governed`
    endpoint's Guard and the SDK client both work there."""
    for _ in range(2):  # two TestClients, one after the other, as two tests would
        with TestClient(make_app(server, guard)) as web:
            assert web.post("/drafts", json={"prompt": PROMPT}).status_code == 200
            assert web.post("/letters", json={"prompt": PROMPT}).status_code == 200
    assert raw_on_the_wire(server) == [] and len(server.requests) == 4
