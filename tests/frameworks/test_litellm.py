"""litellm's SDK: `litellm.completion` / `acompletion` to an approved provider, governed by
`rai.instrument()` — the async path included, which litellm sends through its own aiohttp
transport (an httpx transport class `instrument` hooks like the network ones)."""

from __future__ import annotations

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

from .conftest import PROMPT, RING, Governed, caused_by, raw_on_the_wire

litellm = pytest.importorskip("litellm")

pytestmark = pytest.mark.http


def ask(server: FakeModelServer) -> dict[str, object]:
    return {
        "model": "openai/gpt-4o-mini",
        "api_base": server.base_url,
        "api_key": "sk",
        "messages": [{"role": "user", "content": PROMPT}],
        "num_retries": 0,
    }


def test_completion(server: FakeModelServer, governed: Governed) -> None:
    """Sync: governed, stamped, verified against its text."""
    response = litellm.completion(**ask(server))
    assert raw_on_the_wire(server) == []
    assert rai.require_reviewed(response, keyring=RING).use_case == "engineering"


async def test_acompletion_through_its_aiohttp_transport(
    server: FakeModelServer, governed: Governed
) -> None:
    """Async: litellm's aiohttp transport is governed too; nothing raw leaves."""
    response = await litellm.acompletion(**ask(server))
    assert raw_on_the_wire(server) == [] and len(server.requests) == 1
    assert rai.provenance_of(response) is not None


def test_streaming(server: FakeModelServer, governed: Governed) -> None:
    """A streamed completion is governed; nothing raw leaves."""
    chunks = list(litellm.completion(**ask(server), stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "<EMAIL_ADDRESS_1>" in text
    assert raw_on_the_wire(server) == []


def test_a_blocked_use_case_and_an_unapproved_host(
    server: FakeModelServer, governed: Governed
) -> None:
    """A blocked use case, and a well-known AI host the policy does not approve
    (api.groq.com), are refused before a byte leaves. litellm wraps the library's error
    in its own (``litellm.InternalServerError``): the refusal is its cause."""
    with rai.use_case("hr.performance_review"), pytest.raises(litellm.InternalServerError) as info:
        litellm.completion(**ask(server))
    assert caused_by(info.value, rai.UseCaseBlocked)
    with pytest.raises(litellm.InternalServerError) as info:
        litellm.completion(
            model="groq/llama-3.1-8b-instant", api_key="gsk",
            messages=[{"role": "user", "content": PROMPT}], num_retries=0,
        )  # fmt: skip
    assert caused_by(info.value, rai.ProviderNotApproved)
    assert server.requests == []
