"""One egress point: every request leaves through the policy's transport, to an approved
provider's address; redirects and proxies cannot take a prompt anywhere else."""

from __future__ import annotations

import http.client
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import openai
import pytest

import responsible_ai as rai
from responsible_ai._http import backend
from responsible_ai.testing import FakeModelServer

from .conftest import base_policy

pytestmark = pytest.mark.http

BACKEND = os.environ.get("RAI_SDK_BACKEND", "httpx2")
MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}
SECRET = "zed.canary@canary.example"


class _Local(ThreadingHTTPServer):
    daemon_threads = True


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler.seen = seen  # type: ignore[attr-defined]
    server = _Local(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def elsewhere() -> Iterator[FakeModelServer]:
    """A model server no policy approves: it must never receive a byte."""
    with FakeModelServer() as srv:
        yield srv


@pytest.fixture
def redirector(elsewhere: FakeModelServer) -> Iterator[str]:
    """An approved address that answers every request with a 307 to `elsewhere`."""

    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(307)
            self.send_header("location", f"{elsewhere.base_url}/chat/completions")
            self.send_header("content-length", "0")
            self.end_headers()

    for base, _ in _serve(Redirect):
        yield base + "/v1"


def _policy(base_url: str) -> rai.Policy:
    return rai.Policy.from_dict(base_policy(base_url))


class TestRedirects:
    def test_guard_never_follows_a_redirect(
        self, redirector: str, elsewhere: FakeModelServer
    ) -> None:
        """Even a caller's client set to follow redirects does not re-send the prompt."""
        http = backend()
        with (
            http.Client(follow_redirects=True) as client,
            rai.Guard(_policy(redirector), http_client=client) as guard,
            pytest.raises(rai.ProviderHTTPError) as info,
        ):
            guard.chat(f"write to {SECRET}", **MK)
        assert info.value.status_code == 307
        assert elsewhere.requests == []

    def test_sdk_redirect_to_an_unapproved_host_refused(
        self, redirector: str, elsewhere: FakeModelServer
    ) -> None:
        """A redirect the SDK's client follows comes back through the governed transport,
        which refuses the unapproved host before a byte is sent."""
        http = rai.http_client(
            _policy(redirector), backend=BACKEND, use_case="marketing.copy", follow_redirects=True
        )
        with (
            openai.OpenAI(
                base_url=redirector, api_key="sk-test", http_client=http, max_retries=0
            ) as client,
            pytest.raises(rai.ProviderNotApproved),
        ):
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": SECRET}]
            )
        assert elsewhere.requests == []


class TestBypasses:
    @pytest.mark.parametrize("option", ["transport", "mounts"])
    def test_options_that_step_around_the_transport_are_refused(
        self, server: FakeModelServer, option: str
    ) -> None:
        """transport= and mounts= would send requests past the policy: refused."""
        http = backend()
        value: Any = http.HTTPTransport() if option == "transport" else {"all://": None}
        with pytest.raises(rai.ConfigurationError, match=option):
            rai.http_client(_policy(server.base_url), backend=BACKEND, **{option: value})

    def test_proxy_sees_only_what_the_policy_let_out(self, server: FakeModelServer) -> None:
        """proxy= is applied under the governed transport: the proxy receives the redacted
        request, never the raw one."""

        class Proxy(BaseHTTPRequestHandler):
            seen: list[str]

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                self.seen.append(self.path + "\n" + body.decode("utf-8", "replace"))
                url = urlsplit(self.path)  # a proxy gets the absolute URL
                target = http.client.HTTPConnection(url.hostname or "", url.port)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                try:
                    target.request("POST", url.path, body, headers)
                    answer = target.getresponse()
                    payload = answer.read()
                finally:
                    target.close()
                self.send_response(answer.status)
                for k, v in answer.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

        for proxy, seen in _serve(Proxy):
            http_client = rai.http_client(
                _policy(server.base_url), backend=BACKEND, use_case="marketing.copy", proxy=proxy
            )
            with openai.OpenAI(
                base_url=server.base_url, api_key="sk-test", http_client=http_client, max_retries=0
            ) as client:
                answer = client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": f"to {SECRET}"}]
                )
            assert len(seen) == 1 and SECRET not in seen[0] and "<EMAIL_ADDRESS_1>" in seen[0]
            assert answer.choices[0].message.content
