"""LangChain's `ChatOpenAI` under `rai.instrument()` (and through `rai.http_client`):
invoke, ainvoke, stream, astream, tools and structured output are governed; nothing
raw reaches the provider; a blocked use case is refused; the stamp is on the message."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

from ..conftest import base_policy
from .conftest import PROMPT, RING, Governed, raw_on_the_wire

langchain_openai = pytest.importorskip("langchain_openai")
from langchain_core.messages import AIMessage, AIMessageChunk  # noqa: E402
from langchain_core.tools import tool  # noqa: E402

pytestmark = pytest.mark.http


def chat(server: FakeModelServer, **kw: Any) -> Any:
    return langchain_openai.ChatOpenAI(
        model="gpt-4o-mini", base_url=server.base_url, api_key="sk", max_retries=0, **kw
    )


class Contact(BaseModel):
    """Who to write to, and how many letters."""

    name: str
    letters: int


@tool
def lookup(city: str) -> str:
    """The weather in a city."""
    return "sunny"


class TestInvoke:
    async def test_invoke_and_ainvoke(self, server: FakeModelServer, governed: Governed) -> None:
        """Sync and async (LangChain's own async client) are governed and stamped."""
        llm = chat(server)
        message = llm.invoke(PROMPT)
        amessage = await llm.ainvoke(PROMPT)
        assert raw_on_the_wire(server) == [] and len(server.requests) == 2
        for m in (message, amessage):
            assert isinstance(m, AIMessage)
            stamp = rai.provenance_of(m)
            assert stamp is not None and stamp.use_case == "engineering"
            assert rai.require_reviewed(m, keyring=RING) == stamp  # verified against its text
        assert governed.outcomes() == ["allowed", "allowed"]

    def test_a_blocked_use_case_is_refused(
        self, server: FakeModelServer, governed: Governed
    ) -> None:
        """Inside `rai.use_case("hr.performance_review")` the call never leaves."""
        with rai.use_case("hr.performance_review"), pytest.raises(rai.UseCaseBlocked):
            chat(server).invoke(PROMPT)
        assert server.requests == []

    def test_review_gate_reads_the_message(
        self, server: FakeModelServer, governed: Governed
    ) -> None:
        """`require_reviewed` refuses an unreviewed message of a use case needing review."""
        with rai.use_case("marketing.copy"):
            message = chat(server).invoke("A tagline for our savings account.")
        with pytest.raises(rai.UnreviewedContent, match="requires human review"):
            rai.require_reviewed(message, keyring=RING)

    async def test_through_http_client(self, server: FakeModelServer) -> None:
        """Without `instrument`: the sync and async governed clients given to ChatOpenAI."""
        policy = rai.Policy.from_dict(base_policy(server.base_url))
        llm = chat(
            server,
            http_client=rai.http_client(policy, use_case="engineering"),
            http_async_client=rai.async_http_client(policy, use_case="engineering"),
        )
        assert rai.provenance_of(llm.invoke(PROMPT)) is not None
        assert rai.provenance_of(await llm.ainvoke(PROMPT)) is not None
        assert raw_on_the_wire(server) == [] and len(server.requests) == 2


class TestStreams:
    def test_stream_added_up_carries_the_stamp(
        self, server: FakeModelServer, governed: Governed
    ) -> None:
        """The chunks of `stream`, added up, are the stamped answer."""
        chunks = list(chat(server).stream(PROMPT))
        whole = chunks[0]
        for c in chunks[1:]:
            whole = whole + c
        assert isinstance(whole, AIMessageChunk) and len(chunks) > 3
        stamp = rai.require_reviewed(whole, keyring=RING)
        assert stamp.redactions.get("EMAIL_ADDRESS") == 1
        assert raw_on_the_wire(server) == []

    async def test_astream(self, server: FakeModelServer, governed: Governed) -> None:
        """`astream` is governed (LangChain's async client) and its sum is stamped."""
        whole: Any = None
        async for c in chat(server).astream(PROMPT):
            whole = c if whole is None else whole + c
        assert rai.provenance_of(whole) is not None
        assert raw_on_the_wire(server) == []


class TestToolsAndStructuredOutput:
    def test_bind_tools(self, server: FakeModelServer, governed: Governed) -> None:
        """A forced tool call: its arguments follow the tool's schema, redacted."""
        message = chat(server).bind_tools([lookup], tool_choice="lookup").invoke(PROMPT)
        (call,) = message.tool_calls
        assert call["name"] == "lookup" and set(call["args"]) == {"city"}
        assert rai.provenance_of(message) is not None  # the call was stamped (its text is empty)
        assert raw_on_the_wire(server) == []
        tools = server.requests[0].body["tools"]
        assert tools[0]["function"]["name"] == "lookup"

    @pytest.mark.parametrize("method", ["json_schema", "function_calling"])
    def test_with_structured_output(
        self, server: FakeModelServer, governed: Governed, method: str
    ) -> None:
        """Both methods return an object the schema accepts; the raw message is stamped."""
        out = chat(server).with_structured_output(Contact, method=method, include_raw=True)
        result = out.invoke(PROMPT)
        assert isinstance(result["parsed"], Contact) and result["parsing_error"] is None
        assert rai.provenance_of(result["raw"]) is not None
        if method == "json_schema":  # the answer's text is the object: the stamp covers it
            rai.require_reviewed(result["raw"], keyring=RING)
        assert raw_on_the_wire(server) == []
