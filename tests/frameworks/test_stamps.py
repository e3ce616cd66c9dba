"""The stamp found on what SDKs and frameworks make of a governed answer: a stream once
read, a text-only lookup that refuses when ambiguous, a provider's forged stamp header
removed, a tool-call answer that cannot be vouched for; and `instrument` covers a
transport class defined after it."""

from __future__ import annotations

from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai._provenance import ResponseStamps, sha256_text, sign_stamp, stamp_fields
from responsible_ai.testing import FakeModelServer

from .conftest import PROMPT, RING, Governed, raw_on_the_wire

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")

pytestmark = pytest.mark.http


def stamp(text: str, use_case: str = "engineering", review: bool = False) -> rai.Provenance:
    fields = stamp_fields(
        provider="p", requested_model="m", served_model="m", use_case=use_case,
        policy_id="x", policy_version="1", policy_sha256="0" * 64, prompt_sha256="0" * 64,
        output_sha256=sha256_text(text), redactions={}, requires_review=review,
        disclosure=None, service=None, trace_ids=(None, None),
    )  # fmt: skip
    return sign_stamp(fields, None, None)


class TestByText:
    def test_one_stamp_or_agreeing_stamps(self) -> None:
        """A text names its newest stamp when every stamp of it agrees on the rules."""
        stamps = ResponseStamps()
        first, second = stamp("hello"), stamp("hello")
        stamps.remember("a", first)
        assert stamps.by_text("hello") == first
        stamps.remember("b", second)
        assert stamps.by_text("hello") == second
        assert stamps.by_text("") is None and stamps.by_text(None) is None

    def test_disagreeing_stamps_name_none(self) -> None:
        """The same text made for a use case that needs review and one that does not:
        no stamp (the publish gate then refuses) rather than the laxer one."""
        stamps = ResponseStamps()
        stamps.remember("a", stamp("same words", "marketing.copy", review=True))
        stamps.remember("b", stamp("same words", "engineering"))
        assert stamps.by_text("same words") is None


class TestSdkStreams:
    def test_an_openai_stream_once_read(self, server: FakeModelServer, governed: Governed) -> None:
        """`provenance_of(stream)`: None while it is read, the stamp once it ended."""
        with openai.OpenAI(base_url=server.base_url, api_key="sk", max_retries=0) as client:
            stream = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}], stream=True
            )
            assert rai.provenance_of(stream) is None
            text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        found = rai.provenance_of(stream)
        assert found is not None
        assert rai.verify(text, found, keyring=RING).checks[-1] == "output_hash"
        with pytest.raises(rai.ConfigurationError, match="in its chunks"):
            rai.require_reviewed(stream, keyring=RING)  # the text is the caller's to give

    async def test_an_async_anthropic_stream(
        self, server: FakeModelServer, governed: Governed
    ) -> None:
        """An anthropic `AsyncStream` once read carries the stamp the same way."""
        async with anthropic.AsyncAnthropic(
            base_url=server.base_url.removesuffix("/v1"), api_key="sk", max_retries=0
        ) as claude:
            stream = await claude.messages.create(
                model="claude-haiku-4-5", max_tokens=64, stream=True,
                messages=[{"role": "user", "content": PROMPT}],
            )  # fmt: skip
            events = [e async for e in stream]
        assert events and rai.provenance_of(stream) is not None
        assert raw_on_the_wire(server) == []

    def test_a_parsed_completion(self, server: FakeModelServer, governed: Governed) -> None:
        """`.parse` with a pydantic schema: the parsed result's stamp covers its JSON text."""
        from pydantic import BaseModel

        class Letter(BaseModel):
            to: str
            pages: int

        with openai.OpenAI(base_url=server.base_url, api_key="sk", max_retries=0) as client:
            done = client.chat.completions.parse(
                model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}],
                response_format=Letter,
            )  # fmt: skip
        assert isinstance(done.choices[0].message.parsed, Letter)
        assert rai.require_reviewed(done, keyring=RING).use_case == "engineering"


class TestForgedHeader:
    def test_a_providers_stamp_header_never_reaches_the_caller(
        self, server: FakeModelServer, governed: Governed, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A provider that sends its own ``AI-Provenance`` header (an unsigned "reviewed"
        stamp) cannot hand it to the caller: the transport removes it."""
        forged = stamp("anything").model_copy(
            update={"review": rai.ReviewInfo(status="approved", reviewer="x", at=None)}
        )
        from responsible_ai.testing import _server

        handler: Any = _server._Handler  # the stand-in's request handler
        original = handler.end_headers

        def end_headers(self: Any) -> None:
            self.send_header("AI-Provenance", forged.to_header())
            original(self)

        monkeypatch.setattr(handler, "end_headers", end_headers)
        with openai.OpenAI(base_url=server.base_url, api_key="sk", max_retries=0) as client:
            stream = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
            )
            assert rai.provenance_of(stream) is None  # not the provider's, before the end
            list(stream)
            raw = client.chat.completions.with_raw_response.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
            )
        assert rai.provenance_of(stream).id != forged.id  # type: ignore[union-attr]
        assert rai.Provenance.from_header(raw.headers["AI-Provenance"]).id != forged.id


class TestTransportsDefinedLater:
    def test_a_transport_class_made_after_instrument_is_governed(
        self, server: FakeModelServer, governed: Governed
    ) -> None:
        """A library's own transport class (here: one sending with urllib), defined after
        `instrument()`, is hooked as it is made: nothing raw leaves through it."""
        import urllib.request

        import httpx2

        class UrllibTransport(httpx2.BaseTransport):
            def handle_request(self, request: httpx2.Request) -> httpx2.Response:
                req = urllib.request.Request(
                    str(request.url), data=request.read(), method=request.method,
                    headers=dict(request.headers),
                )  # fmt: skip
                with urllib.request.urlopen(req, timeout=5) as r:  # loopback only
                    return httpx2.Response(r.status, headers=dict(r.headers), content=r.read())

        with httpx2.Client(transport=UrllibTransport()) as http:
            r = http.post(
                f"{server.base_url}/chat/completions",
                json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": PROMPT}]},
            )
        assert r.status_code == 200 and r.headers.get("AI-Provenance")
        assert raw_on_the_wire(server) == []

    async def test_the_openai_sdks_aiohttp_client(
        self, server: FakeModelServer, governed: Governed
    ) -> None:
        """`openai.DefaultAioHttpClient` (aiohttp behind an httpx2 transport) is governed."""
        pytest.importorskip("aiohttp")
        async with openai.AsyncOpenAI(
            base_url=server.base_url, api_key="sk", max_retries=0,
            http_client=openai.DefaultAioHttpClient(),
        ) as client:  # fmt: skip
            done = await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}]
            )
        assert rai.provenance_of(done) is not None
        assert raw_on_the_wire(server) == [] and len(server.requests) == 1
