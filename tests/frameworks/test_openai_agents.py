"""The OpenAI Agents SDK (`openai-agents`): an agent on the chat-completions model and on
the Responses model, governed by `rai.instrument()`; the run result carries the stamp."""

from __future__ import annotations

from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

from .conftest import PROMPT, RING, Governed, raw_on_the_wire

agents = pytest.importorskip("agents")
openai = pytest.importorskip("openai")

pytestmark = pytest.mark.http


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    agents.set_tracing_disabled(True)  # the SDK's own trace export would leave the machine


def agent(server: FakeModelServer, responses: bool = False) -> Any:
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk", max_retries=0)
    kind = agents.OpenAIResponsesModel if responses else agents.OpenAIChatCompletionsModel
    return agents.Agent(
        name="letters",
        instructions="Answer briefly.",
        model=kind(model="gpt-4o-mini", openai_client=client),
    )


@agents.function_tool
def weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@pytest.mark.parametrize("responses", [False, True], ids=["chat", "responses"])
async def test_run_is_governed_and_stamped(
    server: FakeModelServer, governed: Governed, responses: bool
) -> None:
    """`Runner.run`: nothing raw leaves; the result's final output is stamped."""
    result = await agents.Runner.run(agent(server, responses), PROMPT)
    assert raw_on_the_wire(server) == []
    stamp = rai.require_reviewed(result, keyring=RING)
    assert stamp.use_case == "engineering"
    assert governed.outcomes() == ["allowed"]


def test_run_sync_with_a_tool(server: FakeModelServer, governed: Governed) -> None:
    """A tool round trip (two model calls), from sync code: both governed."""
    a = agent(server)
    a.tools = [weather]
    result = agents.Runner.run_sync(a, PROMPT)
    assert result.final_output and len(server.requests) == 2
    assert raw_on_the_wire(server) == []
    assert rai.provenance_of(result) is not None
    assert governed.outcomes() == ["allowed", "allowed"]


async def test_a_blocked_use_case_is_refused(server: FakeModelServer, governed: Governed) -> None:
    """The refusal reaches the caller; nothing was sent."""
    with rai.use_case("legal"), pytest.raises(rai.UseCaseBlocked):
        await agents.Runner.run(agent(server), PROMPT)
    assert server.requests == []
