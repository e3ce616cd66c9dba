"""Provider output on other paths (issue #23): a provider's error body is screened like
an answer before an SDK puts it in its exception, the error type `Guard` reports is
screened too, and an SDK's debug log above the transport counts as upstream capture."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator

import anthropic
import openai
import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

from .conftest import base_policy

BACKEND = os.environ.get("RAI_SDK_BACKEND", "httpx2")
JANE = rai.ClientRecord(name="Jane Roe", emails=["jane@roe.example"])
ECHO = (
    "Invalid value for 'user': jane@roe.example (Jane Roe), card 4111 1111 1111 1111, "
    "SSN 234-56-7890"
)
CANARIES = ("jane@roe.example", "Jane Roe", "4111 1111", "234-56-7890")


@pytest.fixture
def policy(server: FakeModelServer) -> rai.Policy:
    return rai.Policy.from_dict(base_policy(server.base_url))


def _clean(text: str) -> None:
    for canary in CANARIES:
        assert canary not in text, canary


class TestSdkErrorBodies:
    def test_openai_exception_holds_no_client_data(
        self, policy: rai.Policy, server: FakeModelServer
    ) -> None:
        """An error body that echoes client data reaches openai's exception masked."""
        http = rai.http_client(
            backend=BACKEND, policy=policy, use_case="marketing.copy", subject=JANE
        )
        with openai.OpenAI(
            base_url=server.base_url, api_key="sk", http_client=http, max_retries=0
        ) as client:
            server.fail_next(400, error_type="invalid_request_error", message=ECHO)
            with pytest.raises(openai.BadRequestError) as info:
                client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
                )
        _clean(str(info.value))
        _clean(json.dumps(info.value.body))
        assert info.value.body["type"] == "invalid_request_error"  # type: ignore[index]

    def test_anthropic_exception_holds_no_client_data(
        self, policy: rai.Policy, server: FakeModelServer
    ) -> None:
        """The same for the anthropic SDK."""
        http = rai.http_client(
            backend=BACKEND, policy=policy, use_case="marketing.copy", subject=JANE
        )
        base = server.base_url.removesuffix("/v1")
        with anthropic.Anthropic(
            base_url=base, api_key="ak", http_client=http, max_retries=0
        ) as client:
            server.fail_next(400, error_type="invalid_request_error", message=ECHO)
            with pytest.raises(anthropic.BadRequestError) as info:
                client.messages.create(
                    model="claude-haiku-4-5", max_tokens=10,
                    messages=[{"role": "user", "content": "hi"}],
                )  # fmt: skip
        _clean(str(info.value))
        _clean(json.dumps(info.value.body))

    async def test_async_exception_holds_no_client_data(
        self, policy: rai.Policy, server: FakeModelServer
    ) -> None:
        """And for an async client."""
        http = rai.async_http_client(
            backend=BACKEND, policy=policy, use_case="marketing.copy", subject=JANE
        )
        async with openai.AsyncOpenAI(
            base_url=server.base_url, api_key="sk", http_client=http, max_retries=0
        ) as client:
            server.fail_next(422, message=ECHO)
            with pytest.raises(openai.UnprocessableEntityError) as info:
                await client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
                )
        _clean(str(info.value))
        _clean(json.dumps(info.value.body))


class TestGuardErrorType:
    def test_error_type_with_client_data_is_dropped(
        self, policy: rai.Policy, server: FakeModelServer
    ) -> None:
        """The error type `Guard` reports is screened: one that holds PII is dropped,
        an ordinary one is kept."""
        with rai.Guard(policy) as guard:
            server.fail_next(400, error_type="x4111111111111111")
            with pytest.raises(rai.ProviderHTTPError) as info:
                guard.chat("hi", use_case="marketing.copy", provider="openai-prod",
                           model="gpt-4o-mini")  # fmt: skip
            assert info.value.error_type is None and "4111" not in str(info.value)
            server.fail_next(400, error_type="invalid_request_error")
            with pytest.raises(rai.ProviderHTTPError) as info:
                guard.chat("hi", use_case="marketing.copy", provider="openai-prod",
                           model="gpt-4o-mini")  # fmt: skip
            assert info.value.error_type == "invalid_request_error"


@pytest.fixture
def debug_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("anthropic")
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115
    old = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield logger
    logger.removeHandler(handler)
    logger.setLevel(old)
    handler.stream.close()


class TestSdkDebugLogs:
    def test_debug_logger_is_upstream_capture(
        self, server: FakeModelServer, debug_logger: logging.Logger
    ) -> None:
        """The anthropic logger at DEBUG, with a handler that writes it, logs whole
        requests above the transport: warned of, or refused, per pii.upstream_capture."""
        assert "anthropic" in sys.modules
        data = base_policy(server.base_url)
        with pytest.warns(RuntimeWarning, match="'anthropic' logger at DEBUG"):
            rai.http_client(backend=BACKEND, policy=rai.Policy.from_dict(data)).close()
        data["pii"] = {"upstream_capture": "refuse"}
        with pytest.raises(rai.ConfigurationError, match="'anthropic' logger at DEBUG"):
            rai.http_client(backend=BACKEND, policy=rai.Policy.from_dict(data))

    def test_logging_set_up_after_the_client_is_seen_per_request(
        self, server: FakeModelServer
    ) -> None:
        """Logging configured after the client was made is seen at the next request."""
        data = base_policy(server.base_url)
        data["pii"] = {"upstream_capture": "refuse"}
        http = rai.http_client(backend=BACKEND, policy=rai.Policy.from_dict(data),
                               use_case="marketing.copy")  # fmt: skip
        logger = logging.getLogger("anthropic")
        handler = logging.NullHandler()
        logger.addHandler(handler)
        old = logger.level
        logger.setLevel(logging.DEBUG)
        try:
            with (
                openai.OpenAI(
                    base_url=server.base_url, api_key="sk", http_client=http, max_retries=0
                ) as client,  # fmt: skip
                pytest.raises(rai.ConfigurationError),
            ):
                client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
                )
        finally:
            logger.removeHandler(handler)
            logger.setLevel(old)
        assert not server.requests  # refused before anything left

    def test_sdk_log_switch(self, server: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> None:
        """ANTHROPIC_LOG=debug (read when the SDK is imported) is refused too."""
        monkeypatch.setenv("ANTHROPIC_LOG", "debug")
        data = base_policy(server.base_url)
        data["pii"] = {"upstream_capture": "refuse"}
        with pytest.raises(rai.ConfigurationError, match="ANTHROPIC_LOG"):
            rai.http_client(backend=BACKEND, policy=rai.Policy.from_dict(data))
