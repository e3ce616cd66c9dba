"""The sections of the policy file (`_policy._model`): providers, URLs, headers, strict values."""

from __future__ import annotations

from typing import Any

import pytest

import responsible_ai as rai

from ..conftest import base_policy
from .conftest import changed, error_of, issues_of


class TestProviders:
    def test_model_allow_list_exact_and_glob(self) -> None:
        """A model is allowed by its exact name or a glob, nothing more."""
        provider = rai.Policy.from_dict(base_policy()).providers[0]
        assert provider.allows_model("gpt-4o-mini")
        assert provider.allows_model("gpt-4.1-nano")
        assert not provider.allows_model("gpt-4o")
        assert not provider.allows_model("gpt-4o-mini-extra")

    def test_api_key_is_secret(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The API key comes from the environment as a secret that never prints."""
        data = base_policy()
        data["providers"][0]["api_key_env"] = "RAI_TEST_KEY"
        provider = rai.Policy.from_dict(data).providers[0]
        monkeypatch.setenv("RAI_TEST_KEY", "sk-live-SECRET123")
        key = provider.api_key()
        assert key is not None and key.get_secret_value() == "sk-live-SECRET123"
        assert "SECRET123" not in repr(key) + str(key) + repr(provider)

    def test_missing_api_key_names_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A key variable that is not set is a ConfigurationError naming the variable."""
        data = base_policy()
        data["providers"][0]["api_key_env"] = "RAI_TEST_KEY"
        monkeypatch.delenv("RAI_TEST_KEY", raising=False)
        with pytest.raises(rai.ConfigurationError, match="RAI_TEST_KEY"):
            rai.Policy.from_dict(data).providers[0].api_key()

    def test_no_providers(self) -> None:
        """A policy names at least one provider."""
        data = base_policy()
        data["providers"] = []
        assert any(i.startswith("providers: expected") for i in issues_of(data))


class TestBaseUrls:
    @pytest.mark.parametrize(
        "url",
        [
            "https://user:secret@api.openai.com/v1",
            "https://api.openai.com@evil.example/v1",
            "https://api.openai.com/v1?api_key=sk-live-123",
            "https://api.openai.com/v1#frag",
            "http://api.openai.com/v1",  # a remote host over plain http
            "http://10.0.0.8/v1",
            "ftp://api.openai.com/v1",
            "https:///v1",
            "https://api.openai.com:0/v1",
            "https://api.open\u200bai.com/v1\r\nHost: evil",
        ],
    )
    def test_unsafe_base_urls_are_refused(self, url: str) -> None:
        """Credentials, queries, fragments, remote plain http and odd characters are refused, never echoed."""
        message = error_of(changed(providers__0__base_url=url))
        assert "providers[0].base_url" in message
        assert "secret" not in message and "sk-live" not in message  # never echoed

    @pytest.mark.parametrize(
        "url", ["http://127.0.0.1:8000/v1", "http://localhost:11434/v1", "http://[::1]:8080/v1"]
    )
    def test_plain_http_to_loopback_is_fine(self, url: str) -> None:
        """Plain http to a loopback address (a local model server) is allowed."""
        rai.Policy.from_dict(changed(providers__0__base_url=url))

    def test_plain_http_elsewhere_only_when_the_provider_says_so(self) -> None:
        """Plain http to another host needs ``allow_http = true`` on the provider."""
        data = changed(providers__0__base_url="http://vllm.internal.example:8000/v1")
        data["providers"][0]["allow_http"] = True
        assert rai.Policy.from_dict(data).providers[0].base_url.startswith("http://")


class TestHeaders:
    @pytest.mark.parametrize(
        "headers",
        [
            {"Authorization": "Bearer sk-live-123"},
            {"x-api-key": "sk-live-123"},
            {"Host": "evil.example"},
            {"Cookie": "sid=1"},
            {"x-team": "a\r\nHost: evil"},
            {"bad header": "1"},
        ],
    )
    def test_credential_and_protocol_headers_are_refused(self, headers: dict[str, str]) -> None:
        """Credential and protocol headers and malformed ones are refused, never echoed."""
        message = error_of(changed(providers__0__headers=headers))
        assert "providers[0].headers" in message and "sk-live" not in message

    @pytest.mark.parametrize(
        "headers",
        [
            {"Content-Type": "text/plain"},
            {"anthropic-version": "2020-01-01"},
            {"x-goog-api-key": "k"},
            {"Ocp-Apim-Subscription-Key": "k"},
            {"X-Auth-Token": "t"},
            {"Private-Token": "t"},
            {"AI-Provenance": "x"},
            {"x-team": "a\x0bb"},
            {"x-team": "v\u00e9"},
            {"X-Team": "a", "x-team": "b"},
        ],
    )
    def test_more_headers_are_refused(self, headers: dict[str, str]) -> None:
        """Names that say credential, the library's headers, non-ASCII values and case twins are refused."""
        assert "providers[0].headers" in error_of(changed(providers__0__headers=headers))


class TestValues:
    def test_data_class_and_tier_values(self) -> None:
        """Data classes and tiers are one of their listed names."""
        data = base_policy()
        data["providers"][0]["max_data_class"] = "secret"
        data["providers"][0]["tier"] = "pro"
        issues = issues_of(data)
        assert any(
            i.startswith("providers[0].max_data_class: expected 'public', 'internal'")
            for i in issues
        )
        assert any(
            i.startswith("providers[0].tier: expected 'free', 'subscription' or 'enterprise'")
            for i in issues
        )

    @pytest.mark.parametrize(
        "changes",
        [
            {"use_cases__rules__hr__blocked": "off"},
            {"providers__0__timeout_s": "60"},
            {"retry__max_attempts": 2.0},
        ],
    )
    def test_types_are_strict(self, changes: dict[str, Any]) -> None:
        """ "off" is not False, "60" is not 60 and 2.0 is not 2: a typo never reads as a setting."""
        error_of(changed(**changes))

    def test_policy_is_immutable(self) -> None:
        """A loaded policy cannot be changed."""
        policy = rai.Policy.from_dict(base_policy())
        with pytest.raises(Exception, match="frozen"):
            policy.policy.id = "other"  # type: ignore[misc]
