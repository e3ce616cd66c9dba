"""The anthropic SDK given the policy's base URL (which ends in /v1, as the SDK's own
paths begin with /v1): its ``/v1/v1/messages`` is read as the provider's messages
endpoint and sent to the policy's address; other doubled paths stay refused."""

from __future__ import annotations

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

pytestmark = pytest.mark.http
anthropic = pytest.importorskip("anthropic")

MSG = [{"role": "user", "content": "Write to jane.roe@example.com"}]


@pytest.mark.parametrize("spelling", ["policy", "sdk"])
def test_both_spellings_of_the_base_url(
    policy: rai.Policy, server: FakeModelServer, spelling: str
) -> None:
    """``base_url=policy.provider(...).base_url`` and the SDK's own spelling (without
    /v1) both reach ``{base_url}/messages``, governed."""
    base = policy.provider("anthropic-prod").base_url
    if spelling == "sdk":
        base = base.removesuffix("/v1")
    http = rai.http_client(policy, use_case="engineering")
    with anthropic.Anthropic(base_url=base, api_key="ak", http_client=http) as claude:
        msg = claude.messages.create(model="claude-haiku-4-5", max_tokens=64, messages=MSG)
    assert msg.content and rai.provenance_of(msg) is not None
    (sent,) = server.requests
    assert sent.path == "/v1/messages" and "jane.roe@example.com" not in sent.text


def test_other_doubled_paths_stay_refused(policy: rai.Policy, server: FakeModelServer) -> None:
    """Only that one spelling is read: count_tokens under a doubled /v1 is refused."""
    http = rai.http_client(policy, use_case="engineering")
    base = policy.provider("anthropic-prod").base_url
    with (
        anthropic.Anthropic(base_url=base, api_key="ak", http_client=http) as claude,
        pytest.raises(rai.EndpointNotGoverned),
    ):
        claude.messages.count_tokens(model="claude-haiku-4-5", messages=MSG)
    assert server.requests == []
