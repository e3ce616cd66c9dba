"""pydantic-ai: an `Agent` on an OpenAI-compatible model, governed by `rai.instrument()`;
the run result carries the stamp."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

from .conftest import PROMPT, RING, Governed, raw_on_the_wire

pydantic_ai = pytest.importorskip("pydantic_ai")
from pydantic_ai.models.openai import OpenAIChatModel  # noqa: E402
from pydantic_ai.providers.openai import OpenAIProvider  # noqa: E402

pytestmark = pytest.mark.http


class Contact(BaseModel):
    name: str
    letters: int


def model(server: FakeModelServer) -> OpenAIChatModel:
    return OpenAIChatModel(
        "gpt-4o-mini", provider=OpenAIProvider(base_url=server.base_url, api_key="sk")
    )


def test_run_sync_is_governed_and_stamped(server: FakeModelServer, governed: Governed) -> None:
    """`run_sync` (the agent's own client): nothing raw leaves; the result is stamped."""
    result = pydantic_ai.Agent(model(server)).run_sync(PROMPT)
    assert raw_on_the_wire(server) == []
    stamp = rai.require_reviewed(result, keyring=RING)  # the stamp, verified against the text
    assert stamp.use_case == "engineering" and stamp.redactions.get("CREDIT_CARD") == 1
    assert "<EMAIL_ADDRESS_1>" in result.output


async def test_run_and_stream(server: FakeModelServer, governed: Governed) -> None:
    """`run` and `run_stream` (async): governed, and each result has its stamp."""
    agent = pydantic_ai.Agent(model(server))
    result = await agent.run(PROMPT)
    async with agent.run_stream(PROMPT) as streamed:
        text = await streamed.get_output()
    assert text and rai.provenance_of(result) is not None
    assert rai.provenance_of(streamed) is not None
    assert raw_on_the_wire(server) == [] and governed.outcomes() == ["allowed", "allowed"]


def test_structured_output(server: FakeModelServer, governed: Governed) -> None:
    """Tool output and native output both validate against the schema; native output is
    the answer's text, so the stamp covers it; a tool output's text is empty and the
    gate refuses to vouch for it."""
    tool_result = pydantic_ai.Agent(model(server), output_type=Contact).run_sync(PROMPT)
    native = pydantic_ai.Agent(
        model(server), output_type=pydantic_ai.NativeOutput(Contact)
    ).run_sync(PROMPT)
    assert isinstance(tool_result.output, Contact) and isinstance(native.output, Contact)
    rai.require_reviewed(native, keyring=RING)
    assert rai.provenance_of(tool_result) is not None
    with pytest.raises(rai.ConfigurationError, match="no answer text"):
        rai.require_reviewed(tool_result, keyring=RING)
    assert raw_on_the_wire(server) == []


def test_a_blocked_use_case_is_refused(server: FakeModelServer, governed: Governed) -> None:
    """The policy's refusal reaches the caller; nothing was sent."""
    with rai.use_case("surveillance"), pytest.raises(rai.UseCaseBlocked):
        pydantic_ai.Agent(model(server)).run_sync(PROMPT)
    assert server.requests == []
