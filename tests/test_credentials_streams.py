"""Content Credentials on streamed answers through the SDK transport (`rai.http_client`,
`rai.instrument`): the real openai and anthropic SDKs streaming from the stand-in server,
the manifest written as one more text delta after the last text, so that the text the
SDKs concatenate is VALID; the header and sidecar carriers; the per-call switch and the
per-channel carrier."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest

import responsible_ai as rai
from responsible_ai._credentials import verify_store
from responsible_ai.testing import CredentialsPKI, FakeModelServer

pytestmark = pytest.mark.http

CANARY_CARD = "4111 1111 1111 1111"
CLAUDE = "claude-haiku-4-5"


@pytest.fixture(scope="module")
def pki() -> CredentialsPKI:
    return CredentialsPKI.make("ed25519")


@pytest.fixture
def keys(pki: CredentialsPKI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    paths = pki.write(tmp_path)
    monkeypatch.setenv("RAI_C2PA_KEY", paths["key"])
    monkeypatch.setenv("RAI_C2PA_CHAIN", paths["chain"])
    return paths


def _policy(
    make_policy: Callable[..., rai.Policy], server: FakeModelServer, **kw: Any
) -> rai.Policy:
    settings = {"use_cases": ["marketing"], "channels": {"sms": "sidecar", "api": "header"}, **kw}
    return make_policy(server.base_url, provenance={"credentials": settings})


@pytest.fixture
def marking(
    make_policy: Callable[..., rai.Policy], server: FakeModelServer, keys: dict[str, str]
) -> rai.Policy:
    return _policy(make_policy, server)


@pytest.fixture
def oai(marking: rai.Policy, server: FakeModelServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=server.base_url, api_key="sk", http_client=rai.http_client(policy=marking)
    ) as client:
        yield client


@pytest.fixture
def claude(marking: rai.Policy, server: FakeModelServer) -> Iterator[anthropic.Anthropic]:
    base = server.base_url.removesuffix("/v1")
    with anthropic.Anthropic(
        base_url=base, api_key="sk", http_client=rai.http_client(policy=marking)
    ) as client:
        yield client


def _valid(text: str, pki: CredentialsPKI, use_case: str = "marketing.copy") -> rai.Verdict:
    verdict = rai.verify_credentials(text, trust=[pki.root])
    assert verdict.state == "TRUSTED", (verdict.code, verdict.reason)
    assert verdict.facts["use_case"] == use_case
    return verdict


# ------------------------------------------------------------------ the three wire formats


class TestOpenAIChatStream:
    def test_concatenated_deltas_are_valid(
        self, oai: openai.OpenAI, pki: CredentialsPKI, server: FakeModelServer
    ) -> None:
        """The deltas the SDK yields, joined, are the marked text: the manifest is one
        more content delta before the finish chunk; the usage chunk still follows."""
        with rai.use_case("marketing.copy"):
            stream = oai.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "a slogan"}],
                stream=True, stream_options={"include_usage": True},
            )  # fmt: skip
            chunks = list(stream)
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        verdict = _valid(text, pki)
        finish = [i for i, c in enumerate(chunks) if c.choices and c.choices[0].finish_reason]
        manifest = [i for i, c in enumerate(chunks)
                    if c.choices and "\ufe00" <= (c.choices[0].delta.content or " ")[-1:] <= "\U000e01ef"]  # fmt: skip
        assert manifest and finish and manifest[-1] < finish[0]  # before the stream's final event
        assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens
        visible = rai.credentials_of(chunks[0].id, text)
        assert visible is not None and visible.text == text
        assert verdict.facts["stamp_id"] == rai.provenance_of(chunks[0]).id  # type: ignore[union-attr]
        # the request the provider saw carried none of the library's own headers
        assert not any(k.startswith("x-rai-") for k in server.requests[-1].headers)

    def test_stream_helper_final_completion(self, oai: openai.OpenAI, pki: CredentialsPKI) -> None:
        """The SDK's accumulating helper (`chat.completions.stream`) ends with the marked
        text as the message content."""
        with (
            rai.use_case("marketing.copy"),
            oai.chat.completions.stream(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "a tagline"}]
            ) as stream,
        ):
            final = stream.get_final_completion()
        _valid(final.choices[0].message.content or "", pki)

    def test_unmarked_use_case_streams_untouched(
        self, oai: openai.OpenAI, server: FakeModelServer
    ) -> None:
        server.reply_next("plain words, as the model wrote them")
        with rai.use_case("engineering"):
            chunks = list(oai.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}], stream=True
            ))  # fmt: skip
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text == "plain words, as the model wrote them"
        assert rai.verify_credentials(text).state == "UNMARKED"
        assert rai.credentials_of(chunks[0].id) is None

    def test_pii_the_model_writes_is_masked_and_the_mark_covers_what_was_sent(
        self, make_policy: Callable[..., rai.Policy], server: FakeModelServer,
        keys: dict[str, str], pki: CredentialsPKI,
    ) -> None:  # fmt: skip
        """The text filter's tail (held back across deltas) comes before the manifest; the
        binding covers the masked text the caller received; no value is in the store."""
        policy = make_policy(server.base_url, pii={"output": "mask"},
                             provenance={"credentials": {"use_cases": ["marketing"]}})  # fmt: skip
        server.chunk_size = 3
        server.reply_next(f"Your card {CANARY_CARD} is fine")
        with (
            openai.OpenAI(base_url=server.base_url, api_key="sk",
                          http_client=rai.http_client(policy=policy)) as client,
            rai.use_case("marketing.copy"),
        ):  # fmt: skip
            chunks = list(client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}], stream=True
            ))  # fmt: skip
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        _valid(text, pki)
        marked = rai.credentials_of(chunks[0].id, text)
        assert marked is not None and CANARY_CARD not in marked.visible
        assert b"4111" not in marked.store

    async def test_async_client(
        self, marking: rai.Policy, server: FakeModelServer, pki: CredentialsPKI
    ) -> None:
        async with openai.AsyncOpenAI(
            base_url=server.base_url, api_key="sk",
            http_client=rai.async_http_client(policy=marking),
        ) as client:  # fmt: skip
            with rai.use_case("marketing.copy"):
                stream = await client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
                )
                text = "".join(
                    [c.choices[0].delta.content or "" async for c in stream if c.choices]
                )
        _valid(text, pki)


class TestOpenAIResponsesStream:
    def test_deltas_and_completed_response_are_valid(
        self, oai: openai.OpenAI, pki: CredentialsPKI
    ) -> None:
        """The output_text deltas joined, the `.done` event's text and the completed
        response's `output_text` are all the marked text."""
        with rai.use_case("marketing.copy"):
            events = list(oai.responses.create(model="gpt-4o-mini", input="a slogan", stream=True))
        deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        _valid(deltas, pki)
        done = next(e for e in events if e.type == "response.output_text.done")
        completed = next(e for e in events if e.type == "response.completed")
        assert done.text == deltas and completed.response.output_text == deltas
        kinds = [e.type for e in events]
        last_delta = max(i for i, k in enumerate(kinds) if k == "response.output_text.delta")
        assert kinds[last_delta + 1] == "response.output_text.done"

    def test_stream_helper(self, oai: openai.OpenAI, pki: CredentialsPKI) -> None:
        with (
            rai.use_case("marketing.copy"),
            oai.responses.stream(model="gpt-4o-mini", input="a tagline") as stream,
        ):
            text = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
            final = stream.get_final_response()
        _valid(text, pki)
        assert final.output_text == text


class TestAnthropicStream:
    def test_text_stream_and_final_message(
        self, claude: anthropic.Anthropic, pki: CredentialsPKI
    ) -> None:
        """The manifest is a text_delta before the text block's content_block_stop: the
        SDK's text stream and its final message both hold the marked text."""
        with (
            rai.use_case("marketing.copy"),
            claude.messages.stream(model=CLAUDE, max_tokens=64,
                                   messages=[{"role": "user", "content": "a slogan"}]) as stream,
        ):  # fmt: skip
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
        _valid(text, pki)
        assert final.content[0].type == "text" and final.content[0].text == text
        assert final.usage.output_tokens and final.stop_reason == "end_turn"
        marked = rai.credentials_of(final)
        assert marked is not None and marked.text == text

    def test_raw_events(self, claude: anthropic.Anthropic, pki: CredentialsPKI) -> None:
        with rai.use_case("marketing.copy"):
            events = list(claude.messages.create(
                model=CLAUDE, max_tokens=64, stream=True,
                messages=[{"role": "user", "content": "x"}],
            ))  # fmt: skip
        kinds = [e.type for e in events]
        assert kinds[-3:] == ["content_block_stop", "message_delta", "message_stop"]
        text = "".join(
            e.delta.text for e in events
            if e.type == "content_block_delta" and e.delta.type == "text_delta"
        )  # fmt: skip
        _valid(text, pki)

    def test_tool_use_only_is_not_marked(
        self, claude: anthropic.Anthropic, server: FakeModelServer
    ) -> None:
        """An answer with no text carries nothing to mark, and its stream is complete."""
        tools = [{"name": "lookup", "description": "d", "input_schema": {"type": "object"}}]
        with (
            rai.use_case("marketing.copy"),
            claude.messages.stream(model=CLAUDE, max_tokens=64, tools=tools,  # type: ignore[arg-type]
                                   messages=[{"role": "user", "content": "x"}]) as stream,
        ):  # fmt: skip
            final = stream.get_final_message()
        assert final.content[0].type == "tool_use"
        assert rai.credentials_of(final) is None


def test_instrument_marks_streams(
    marking: rai.Policy, server: FakeModelServer, pki: CredentialsPKI
) -> None:
    """Under `rai.instrument()`, an ordinary openai client's stream is marked."""
    rai.instrument(marking, use_case="marketing.copy")
    try:
        with openai.OpenAI(base_url=server.base_url, api_key="sk") as client:
            chunks = list(client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
            ))  # fmt: skip
        base = server.base_url.removesuffix("/v1")
        with anthropic.Anthropic(base_url=base, api_key="sk") as claude, claude.messages.stream(
            model=CLAUDE, max_tokens=64, messages=[{"role": "user", "content": "hi"}]
        ) as stream:  # fmt: skip
            claude_text = "".join(stream.text_stream)
    finally:
        rai.uninstrument()
    _valid("".join(c.choices[0].delta.content or "" for c in chunks if c.choices), pki)
    _valid(claude_text, pki)


# ------------------------------------------------------------------ the other carriers


@pytest.mark.parametrize("carrier", ["header", "sidecar"])
def test_header_and_sidecar_carriers_on_streams(
    make_policy: Callable[..., rai.Policy], server: FakeModelServer, keys: dict[str, str],
    pki: CredentialsPKI, carrier: str,
) -> None:  # fmt: skip
    """A stream's HTTP headers leave before its manifest exists: the text streams
    untouched and `rai.credentials_of` gives the mark (its store, its header value)."""
    policy = _policy(make_policy, server, carrier=carrier)
    with (
        openai.OpenAI(base_url=server.base_url, api_key="sk",
                      http_client=rai.http_client(policy=policy)) as client,
        rai.use_case("marketing.copy"),
    ):  # fmt: skip
        chunks = list(client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
        ))  # fmt: skip
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert rai.verify_credentials(text).state == "UNMARKED"
    marked = rai.credentials_of(chunks[0].id, text)
    assert marked is not None and marked.carrier == carrier and marked.text == text
    assert verify_store(marked.store, text, trust=(pki.root,)).state == "TRUSTED"
    assert set(marked.headers) == {"C2PA-Manifest"}


def test_credentials_of_json_answers(oai: openai.OpenAI, pki: CredentialsPKI) -> None:
    """A JSON answer's mark is found from the SDK's response object too."""
    with rai.use_case("marketing.copy"):
        out = oai.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    marked = rai.credentials_of(out)
    assert marked is not None and marked.text == out.choices[0].message.content
    assert rai.credentials_of(out.id, "some other text") is None


# ------------------------------------------------------------------ the per-call switch


def _chat(g: rai.Guard, use_case: str, **kw: Any) -> rai.ChatResponse:
    return g.chat("hi", use_case=use_case, provider="openai-prod", model="gpt-4o-mini", **kw)


class TestPerCall:
    def test_a_call_may_add_a_mark(self, marking: rai.Policy, pki: CredentialsPKI) -> None:
        with rai.Guard(marking) as g:
            plain = _chat(g, "engineering")
            asked = _chat(g, "engineering", credentials=True)
            stream = g.stream("hi", use_case="engineering", provider="openai-prod",
                              model="gpt-4o-mini", credentials=True)  # fmt: skip
            streamed = "".join(c.text for c in stream)
        assert plain.credentials is None
        _valid(str(asked.credentials), pki, use_case="engineering")
        _valid(streamed, pki, use_case="engineering")

    def test_a_call_cannot_remove_the_policys_mark(
        self, marking: rai.Policy, server: FakeModelServer
    ) -> None:
        """`credentials=False` on a marked use case is refused before anything is sent
        (deny by default), on every entry point; on an unmarked one it is a no-op."""
        with rai.Guard(marking) as g:
            for call in (
                lambda: _chat(g, "marketing.copy", credentials=False),
                lambda: g.stream("hi", use_case="marketing.copy", provider="openai-prod",
                                 model="gpt-4o-mini", credentials=False),
                lambda: g.check(use_case="marketing.copy", provider="openai-prod",
                                model="gpt-4o-mini", credentials=False),
            ):  # fmt: skip
                with pytest.raises(rai.CredentialsRequired) as caught:
                    call()
                assert caught.value.rule == "provenance.credentials.use_cases"
            assert _chat(g, "engineering", credentials=False).credentials is None
        assert all(r.path.endswith("/chat/completions") for r in server.requests)
        assert len(server.requests) == 1  # only the allowed call was sent

    async def test_async(self, marking: rai.Policy, pki: CredentialsPKI) -> None:
        async with rai.Guard(marking) as g:
            resp = await g.achat("hi", use_case="engineering", provider="openai-prod",
                                 model="gpt-4o-mini", credentials=True)  # fmt: skip
            chunks = [c.text async for c in g.astream(
                "hi", use_case="engineering", provider="openai-prod", model="gpt-4o-mini",
                credentials=True, channel="sms")]  # fmt: skip
            with pytest.raises(rai.CredentialsRequired):
                await g.achat("hi", use_case="marketing.copy", provider="openai-prod",
                              model="gpt-4o-mini", credentials=False)  # fmt: skip
        _valid(str(resp.credentials), pki, use_case="engineering")
        assert rai.verify_credentials("".join(chunks)).state == "UNMARKED"  # the sidecar channel

    def test_bad_values(self, marking: rai.Policy) -> None:
        with rai.Guard(marking) as g:
            with pytest.raises(TypeError, match="credentials"):
                _chat(g, "engineering", credentials="yes")
            with pytest.raises(TypeError, match="channel"):
                _chat(g, "engineering", channel=3)
            with pytest.raises(rai.ConfigurationError, match="channel"):
                _chat(g, "marketing.copy", channel="fax")

    def test_without_a_key_a_call_that_asks_is_refused(
        self, make_policy: Callable[..., rai.Policy], server: FakeModelServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:  # fmt: skip
        monkeypatch.delenv("RAI_C2PA_KEY", raising=False)
        with rai.Guard(make_policy(server.base_url)) as g:
            with pytest.raises(rai.ConfigurationError, match="RAI_C2PA_KEY"):
                _chat(g, "engineering", credentials=True)
            assert _chat(g, "engineering").credentials is None
        assert len(server.requests) == 1

    def test_governed(self, marking: rai.Policy, pki: CredentialsPKI) -> None:
        g = rai.Guard(marking)

        @rai.governed(use_case="engineering", provider="openai-prod", model="gpt-4o-mini",
                      guard=g, credentials=True)  # fmt: skip
        def write() -> rai.ChatResponse:
            return rai.client().chat("hi")

        @rai.governed(use_case="engineering", provider="openai-prod", model="gpt-4o-mini",
                      guard=g, credentials=True)  # fmt: skip
        def undo() -> rai.ChatResponse:
            return rai.client().chat("hi", credentials=False)

        @rai.governed(use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini",
                      guard=g, credentials=False)  # fmt: skip
        def refused() -> None:
            return None

        @rai.governed(use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini",
                      guard=g, channel="sms")  # fmt: skip
        def sms() -> rai.ChatResponse:
            return rai.client().chat("hi")

        _valid(str(write().credentials), pki, use_case="engineering")
        with pytest.raises(TypeError, match="switch off"):
            undo()
        with pytest.raises(rai.CredentialsRequired):
            refused()  # at call time, before the body runs
        marked = sms().credentials
        assert marked is not None and marked.carrier == "sidecar"
        g.close()

    def test_sdk_headers(
        self, oai: openai.OpenAI, server: FakeModelServer, pki: CredentialsPKI
    ) -> None:
        """`x-rai-credentials: on|off` and `x-rai-channel` are read by the transport and
        never sent; `off` on a marked use case is refused before the request leaves."""
        with rai.use_case("engineering"):
            out = oai.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
                extra_headers={"x-rai-credentials": "on"},
            )  # fmt: skip
            chunks = list(oai.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True,
                extra_headers={"X-RAI-Credentials": "on"},
            ))  # fmt: skip
        _valid(out.choices[0].message.content or "", pki, use_case="engineering")
        _valid("".join(c.choices[0].delta.content or "" for c in chunks if c.choices), pki,
               use_case="engineering")  # fmt: skip
        with rai.use_case("marketing.copy"):
            via_sms = oai.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
                extra_headers={"x-rai-channel": "sms"},
            )  # fmt: skip
            sent = len(server.requests)
            with pytest.raises(rai.CredentialsRequired):
                oai.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
                    extra_headers={"x-rai-credentials": "off"},
                )  # fmt: skip
            for bad in ({"x-rai-credentials": "maybe"}, {"x-rai-channel": "fax"}):
                with pytest.raises(rai.ConfigurationError):
                    oai.chat.completions.create(
                        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
                        extra_headers=bad,
                    )  # fmt: skip
            assert len(server.requests) == sent  # refused: nothing left
        text = via_sms.choices[0].message.content or ""
        assert rai.verify_credentials(text).state == "UNMARKED"
        marked = rai.credentials_of(via_sms)
        assert marked is not None and marked.carrier == "sidecar"
        assert verify_store(marked.store, text).state == "VALID"
        for request in server.requests:
            assert not any(name.startswith("x-rai-") for name in request.headers)


def test_channels_are_checked(make_policy: Callable[..., rai.Policy]) -> None:
    """A channel's carrier is one the library knows; a channel name is a name."""
    with pytest.raises(rai.PolicyError):
        make_policy(provenance={"credentials": {"channels": {"sms": "pigeon"}}})
    with pytest.raises(rai.PolicyError):
        make_policy(provenance={"credentials": {"channels": {"SMS Gateway": "sidecar"}}})


# ------------------------------------------------------------------ streams that misbehave


def test_a_stream_complete_by_its_finish_reason_is_marked(
    marking: rai.Policy, server: FakeModelServer, pki: CredentialsPKI
) -> None:
    """A stream whose final event is missing but whose finish reason arrived is complete
    (as for every stream): what was held is written, the manifest in place."""
    import httpx2

    body = _anthropic_events(close_text=True, stop=False)
    http = rai.http_client(
        marking, use_case="marketing.copy",
        inner=httpx2.MockTransport(lambda r: httpx2.Response(
            200, headers={"content-type": "text/event-stream"}, content=body)),
    )  # fmt: skip
    with anthropic.Anthropic(
        base_url=server.base_url.removesuffix("/v1"), api_key="sk", http_client=http
    ) as c:
        events = list(c.messages.create(model=CLAUDE, max_tokens=9, stream=True,
                                        messages=[{"role": "user", "content": "x"}]))  # fmt: skip
    text = "".join(e.delta.text for e in events
                   if e.type == "content_block_delta" and e.delta.type == "text_delta")  # fmt: skip
    _valid(text, pki)
    assert [e.type for e in events][-2:] == ["content_block_stop", "message_delta"]


def _anthropic_events(*, close_text: bool, stop: bool) -> bytes:
    def ev(kind: str, data: dict[str, Any]) -> str:
        return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n"

    start = {"message": {"id": "msg_x", "type": "message", "role": "assistant", "model": CLAUDE,
                         "content": [], "usage": {"input_tokens": 1, "output_tokens": 1}}}  # fmt: skip
    out = ev("message_start", start)
    out += ev("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
    out += ev("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": "Hi."}})
    if close_text:
        out += ev("content_block_stop", {"index": 0})
    out += ev(
        "message_delta", {"delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2}}
    )
    if stop:
        out += ev("message_stop", {})
    return out.encode()


@pytest.mark.parametrize(
    ("close_text", "stop", "error"),
    [
        (False, True, rai.ProviderResponseError),  # the text never closed
        (False, False, rai.ProviderResponseError),  # ... nor a final event (a finish reason)
    ],
)
def test_a_marked_stream_is_never_completed_unmarked(
    marking: rai.Policy,
    server: FakeModelServer,
    close_text: bool,
    stop: bool,
    error: type[Exception],
) -> None:
    """A stream that never closes its text cannot carry its manifest, and one cut before
    its final event is incomplete: both end in an error, never in an unmarked answer."""
    import httpx2

    body = _anthropic_events(close_text=close_text, stop=stop)

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    http = rai.http_client(marking, use_case="marketing.copy", inner=httpx2.MockTransport(handler))
    with (
        anthropic.Anthropic(base_url=server.base_url.removesuffix("/v1"), api_key="sk",
                            http_client=http) as c,
        pytest.raises(error),
        c.messages.stream(model=CLAUDE, max_tokens=9, messages=[{"role": "user", "content": "x"}]) as s,
    ):  # fmt: skip
        s.get_final_message()
