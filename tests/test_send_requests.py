"""The request a `Guard` sends is what `build_request` would make of the caller's client
(its default headers, cookies and query parameters kept; ours win), and the SDK
transport forwards the SDK's own request only when it is byte for byte what the
pipeline prepared."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

CALL: dict[str, Any] = {
    "use_case": "engineering",
    "provider": "openai-prod",
    "model": "gpt-4o-mini",
}
MESSAGES = [{"role": "user", "content": "Say hello."}]


def test_client_headers_are_merged_and_follow_changes(
    server: FakeModelServer, policy: rai.Policy
) -> None:
    client = httpx2.Client(headers={"x-team": "payments", "content-type": "text/plain"})
    with client, rai.Guard(policy, http_client=client) as guard:
        guard.chat(MESSAGES, **CALL)
        first = server.requests[-1].headers
        assert first["x-team"] == "payments"
        assert first["content-type"] == "application/json"  # the wire format's headers win
        assert first["user-agent"] == client.headers["user-agent"]
        client.headers["x-team"] = "cards"  # changed in place after the first call
        guard.chat(MESSAGES, **CALL)
        assert server.requests[-1].headers["x-team"] == "cards"
        client.headers = httpx2.Headers({"x-other": "1"})  # replaced whole
        guard.chat(MESSAGES, **CALL)
        last = server.requests[-1].headers
        assert last["x-other"] == "1" and "x-team" not in last


@pytest.mark.parametrize(
    ("options", "expect"),
    [({"cookies": {"sid": "abc"}}, ("cookie", "sid=abc")), ({"params": {"v": "2"}}, None)],
)
def test_client_cookies_and_params_still_apply(
    server: FakeModelServer, policy: rai.Policy, options: dict[str, Any], expect: Any
) -> None:
    seen: list[httpx2.Request] = []
    client = httpx2.Client(**options, event_hooks={"request": [seen.append]})
    with client, rai.Guard(policy, http_client=client) as guard:
        guard.chat(MESSAGES, **CALL)
    if expect is not None:
        assert server.requests[-1].headers[expect[0]] == expect[1]
    else:
        assert seen[-1].url.params["v"] == "2"


def test_the_request_is_the_one_the_http_library_makes(
    server: FakeModelServer, policy: rai.Policy
) -> None:
    """The request a Guard makes from its route's header list is, header for header and
    in the same order, the request the HTTP library makes of the same headers and body
    (Host first, Content-Length last), its content readable."""
    seen: list[httpx2.Request] = []
    client = httpx2.Client(event_hooks={"request": [seen.append]})
    with client, rai.Guard(policy, http_client=client) as guard:
        guard.chat(MESSAGES, **CALL)
        guard.chat([{"role": "user", "content": "Say hello again, longer."}], **CALL)
    for sent in seen:
        own = [(k, v) for k, v in sent.headers.raw if k.lower() not in (b"host", b"content-length")]
        made = httpx2.Request("POST", sent.url, headers=own, content=sent.content)
        assert sent.headers.raw == made.headers.raw
        assert sent.headers["content-length"] == str(len(sent.content))
    assert seen[0].content != seen[1].content


def test_a_client_host_header_is_kept(server: FakeModelServer, policy: rai.Policy) -> None:
    """A client header naming the host (or the length) takes the library's own path: the
    client's host leaves, once."""
    seen: list[httpx2.Request] = []
    client = httpx2.Client(
        headers={"Host": "proxy.example.test"}, event_hooks={"request": [seen.append]}
    )
    with client, rai.Guard(policy, http_client=client) as guard:
        guard.chat(MESSAGES, **CALL)
    assert seen[-1].headers.get_list("host") == ["proxy.example.test"]
    assert seen[-1].headers["content-length"] == str(len(seen[-1].content))


def _captured(policy: rai.Policy, **kw: Any) -> tuple[httpx2.Client, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        body = {"id": "r1", "model": "gpt-4o-mini", "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hi."}, "finish_reason": "stop"}
        ]}  # fmt: skip
        return httpx2.Response(200, json=body)

    client = rai.http_client(policy, use_case="engineering", inner=httpx2.MockTransport(handler))
    return client, seen


def test_sdk_request_forwarded_as_is_only_when_nothing_changed(policy: rai.Policy) -> None:
    client, seen = _captured(policy)
    url = f"{policy.providers[0].base_url.rstrip('/')}/chat/completions"
    plain = {"model": "gpt-4o-mini", "messages": MESSAGES}
    sent = client.build_request(
        "POST", url, content=httpx2.Request("POST", url, json=plain).content
    )
    client.send(sent)
    assert seen[-1] is sent  # nothing to redact: the SDK's own request leaves

    canary = "write to jane.roe@mail.example"
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": canary}]}
    client.post(url, json=body)
    assert b"jane.roe" not in seen[-1].content
    assert seen[-1].headers["content-length"] == str(len(seen[-1].content))

    client.post(url, json=plain, headers={"x-rai-use-case": "engineering"})
    assert "x-rai-use-case" not in seen[-1].headers  # the declaration never leaves


def test_only_the_protocol_leaves_unscanned(policy: rai.Policy) -> None:
    """Headers outside the short protocol list (user-agent, idempotency-key, tracestate,
    openai-organization, x-stainless-*...) are content; a protocol header whose value is
    not in its protocol's form is content too."""
    client, seen = _captured(policy)
    url = f"{policy.providers[0].base_url.rstrip('/')}/chat/completions"
    mail, card = "jane.roe@mail.example", "4111 1111 1111 1111"
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    client.post(url, json={"model": "gpt-4o-mini", "messages": MESSAGES}, headers={
        "User-Agent": f"crm-bot ({mail})", "Idempotency-Key": card, "tracestate": f"u={mail}",
        "OpenAI-Organization": f"org {mail}", "X-Stainless-Custom": mail, "traceparent": trace,
        "anthropic-version": f"2023-06-01 {mail}", "authorization": "Bearer sk-test",
    })  # fmt: skip
    wire = repr(seen[-1].headers.raw)
    assert "jane.roe" not in wire and "4111" not in wire
    assert seen[-1].headers["traceparent"] == trace  # protocol, in its form: as it is
    # a provider without api_key_env takes no key: the SDK's credential is not sent
    assert "authorization" not in seen[-1].headers
    client.close()
