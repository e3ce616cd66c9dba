"""LlamaIndex's OpenAI LLM (`llama-index-llms-openai`) governed by `rai.instrument()`.

llama-index-llms-openai requires openai < 3 (the httpx-based SDK), so this file runs in
the second CI run, the one of the previous SDK majors (tests/requirements-legacy-sdks.txt);
in the main run, with openai 3, it is skipped."""

from __future__ import annotations

from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

from .conftest import PROMPT, RING, Governed, raw_on_the_wire

llms_openai = pytest.importorskip("llama_index.llms.openai")
from llama_index.core.llms import ChatMessage  # noqa: E402

pytestmark = pytest.mark.http


def llm(server: FakeModelServer) -> Any:
    return llms_openai.OpenAI(
        model="gpt-4o-mini", api_base=server.base_url, api_key="sk", max_retries=0
    )


def test_chat_and_complete(server: FakeModelServer, governed: Governed) -> None:
    """`chat` and `complete`: governed; the responses carry the stamp, verified."""
    model = llm(server)
    chat = model.chat([ChatMessage(role="user", content=PROMPT)])
    done = model.complete(PROMPT)
    assert raw_on_the_wire(server) == []
    for response in (chat, done):
        assert rai.require_reviewed(response, keyring=RING).use_case == "engineering"


async def test_achat_and_stream(server: FakeModelServer, governed: Governed) -> None:
    """`achat` (its own async client) and `astream_chat`: governed and stamped."""
    model = llm(server)
    answer = await model.achat([ChatMessage(role="user", content=PROMPT)])
    chunks = [c async for c in await model.astream_chat([ChatMessage(role="user", content=PROMPT)])]
    last = chunks[-1]
    assert rai.provenance_of(answer) is not None and rai.provenance_of(last) is not None
    assert raw_on_the_wire(server) == [] and governed.outcomes() == ["allowed", "allowed"]


def test_a_blocked_use_case_is_refused(server: FakeModelServer, governed: Governed) -> None:
    """The refusal reaches the caller; nothing was sent."""
    with rai.use_case("surveillance"), pytest.raises(rai.UseCaseBlocked):
        llm(server).complete(PROMPT)
    assert server.requests == []
