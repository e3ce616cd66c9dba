"""The policy file: formats, validation errors, canonical hash, pinning."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai._policy import canonical_sha256

from .conftest import base_policy

EXAMPLES = Path(__file__).parent.parent / "examples"


def write_toml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
[policy]
id = "p"
version = "1"

[[providers]]
name = "a"
kind = "openai"
base_url = "https://a.example/v1"
models = ["m-1", "m-2*"]
tier = "enterprise"
"""


class TestLoading:
    def test_examples_load(self) -> None:
        """Every example policy in examples/ is valid."""
        files = sorted(EXAMPLES.glob("policy*.*"))
        assert len(files) >= 3
        for file in files:
            policy = rai.load_policy(file)
            assert policy.source == str(file)
            assert len(policy.sha256) == 64

    def test_toml_json_yaml_same_hash(self, tmp_path: Path) -> None:
        """The hash is of the content: TOML, JSON and YAML of one document hash the same."""
        import yaml

        data = tomllib.loads(MINIMAL)
        t = write_toml(tmp_path / "p.toml", MINIMAL)
        j = tmp_path / "p.json"
        j.write_text(json.dumps(data, indent=4))
        y = tmp_path / "p.yaml"
        y.write_text(yaml.safe_dump(data))
        hashes = {rai.load_policy(f).sha256 for f in (t, j, y)}
        assert len(hashes) == 1

    def test_formatting_does_not_change_hash(self, tmp_path: Path) -> None:
        """Comments, whitespace and key order do not change the hash; a value does."""
        a = rai.load_policy(write_toml(tmp_path / "a.toml", MINIMAL))
        b = rai.load_policy(
            write_toml(tmp_path / "b.toml", "# a comment\n" + MINIMAL.replace(" = ", "="))
        )
        c = rai.load_policy(write_toml(tmp_path / "c.toml", MINIMAL.replace('"m-1"', '"m-3"')))
        assert a.sha256 == b.sha256
        assert a.sha256 != c.sha256

    def test_hash_is_sha256_of_canonical_json(self) -> None:
        """`policy.sha256` is SHA-256 over sorted-key, compact, UTF-8 JSON of the document."""
        import hashlib

        data = tomllib.loads(MINIMAL)
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert rai.Policy.from_dict(data).sha256 == hashlib.sha256(blob).hexdigest()
        assert canonical_sha256(data) == hashlib.sha256(blob).hexdigest()

    def test_env_var(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """With no path, RAI_POLICY names the file."""
        monkeypatch.setenv("RAI_POLICY", str(write_toml(tmp_path / "p.toml", MINIMAL)))
        assert rai.load_policy().id == "p"

    def test_no_policy_given(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """No path and no RAI_POLICY is a PolicyError that says what to do."""
        monkeypatch.delenv("RAI_POLICY", raising=False)
        with pytest.raises(rai.PolicyError, match="set RAI_POLICY"):
            rai.load_policy()

    def test_missing_file(self, tmp_path: Path) -> None:
        """An unreadable file names the file."""
        with pytest.raises(rai.PolicyError) as info:
            rai.load_policy(tmp_path / "nope.toml")
        assert "nope.toml" in str(info.value)
        assert "cannot read file" in str(info.value)

    def test_unknown_suffix(self, tmp_path: Path) -> None:
        """Only .toml, .json, .yaml and .yml are policy formats."""
        f = tmp_path / "p.ini"
        f.write_text("x")
        with pytest.raises(rai.PolicyError, match=r"expected \.toml, \.json or \.yaml"):
            rai.load_policy(f)

    def test_syntax_error_names_line(self, tmp_path: Path) -> None:
        """A TOML syntax error names the file and the line."""
        f = write_toml(tmp_path / "p.toml", MINIMAL + "\nbroken = [\n")
        with pytest.raises(rai.PolicyError) as info:
            rai.load_policy(f)
        assert str(f) in str(info.value) and "line" in str(info.value)

    def test_json_syntax_error(self, tmp_path: Path) -> None:
        f = tmp_path / "p.json"
        f.write_text('{"policy": ')
        with pytest.raises(rai.PolicyError, match=r"JSON syntax error: .* line 1"):
            rai.load_policy(f)

    def test_top_level_must_be_table(self, tmp_path: Path) -> None:
        f = tmp_path / "p.json"
        f.write_text("[1, 2]")
        with pytest.raises(rai.PolicyError, match="expected a table/object at the top level"):
            rai.load_policy(f)


class TestValidationErrors:
    def errors(self, data: dict[str, Any]) -> list[str]:
        with pytest.raises(rai.PolicyError) as info:
            rai.Policy.from_dict(data, source="acme.toml")
        assert info.value.source == "acme.toml"
        assert str(info.value).startswith("acme.toml: invalid policy")
        return [str(i) for i in info.value.issues]

    def test_key_paths_and_expectations(self) -> None:
        """Each issue names the key path (providers[1].models) and what was expected."""
        data = base_policy()
        data["providers"][1]["models"] = "claude"
        data["providers"][2]["kind"] = "gemini"
        issues = self.errors(data)
        assert "providers[1].models: expected a valid list, got 'claude'" in issues
        assert "providers[2].kind: expected 'openai' or 'anthropic', got 'gemini'" in issues

    def test_unknown_keys_rejected(self) -> None:
        """Unknown keys are refused, with the keys that are allowed there."""
        data = base_policy()
        data["providers"][0]["api_key"] = "sk-should-not-be-here"
        data["use_cases"]["rules"]["hr"]["blocked_for"] = ["x"]
        issues = self.errors(data)
        assert any(
            i.startswith("providers[0].api_key: unknown key (expected one of: name, kind")
            for i in issues
        )
        assert any(i.startswith('use_cases.rules["hr"].blocked_for: unknown key') for i in issues)
        assert not any("sk-should-not-be-here" in i for i in issues)

    def test_missing_required(self) -> None:
        data = base_policy()
        del data["policy"]["version"]
        del data["providers"][0]["tier"]
        assert set(self.errors(data)) >= {
            "policy.version: required key is missing",
            "providers[0].tier: required key is missing",
        }

    def test_bad_tag(self) -> None:
        """Use-case tags are lowercase dotted names."""
        data = base_policy()
        data["use_cases"]["blocked"].append("HR Reviews")
        data["use_cases"]["rules"]["Marketing"] = {}
        issues = self.errors(data)
        assert any(i.startswith("use_cases.blocked[3]: expected") for i in issues)
        assert any(
            'use_cases.rules["Marketing"] (key)' in i and "lowercase dotted" in i for i in issues
        )

    def test_data_class_and_tier_values(self) -> None:
        data = base_policy()
        data["providers"][0]["max_data_class"] = "secret"
        data["providers"][0]["tier"] = "pro"
        issues = self.errors(data)
        assert any(
            i.startswith("providers[0].max_data_class: expected 'public', 'internal'")
            for i in issues
        )
        assert any(
            i.startswith("providers[0].tier: expected 'free', 'subscription' or 'enterprise'")
            for i in issues
        )

    def test_references(self) -> None:
        """Names used in fallbacks and allowed_providers must be providers of the policy."""
        data = base_policy()
        data["providers"][0]["fallback"] = {"provider": "nope"}
        data["providers"][1]["name"] = "openai-prod"
        data["use_cases"]["rules"]["client.support"]["allowed_providers"] = ["ghost"]
        issues = self.errors(data)
        assert (
            "providers[1].name: duplicate provider name 'openai-prod' (first at providers[0])"
            in issues
        )
        assert (
            "providers[0].fallback.provider: expected the name of a provider in this policy, got 'nope'"
            in issues
        )
        assert any(
            i.startswith('use_cases.rules["client.support"].allowed_providers[0]') for i in issues
        )

    def test_child_cannot_loosen_parent(self) -> None:
        """A tag's rules cannot loosen its parent's (data class, providers)."""
        data = base_policy()
        data["use_cases"]["rules"]["hr.onboarding"] = {"max_data_class": "confidential"}
        data["use_cases"]["rules"]["client.support.vip"] = {"allowed_providers": ["anthropic-prod"]}
        issues = self.errors(data)
        assert any(
            i.startswith('use_cases.rules["hr.onboarding"].max_data_class: expected at most')
            for i in issues
        )
        assert any(
            i.startswith(
                'use_cases.rules["client.support.vip"].allowed_providers: expected a subset'
            )
            for i in issues
        )

    def test_no_providers(self) -> None:
        data = base_policy()
        data["providers"] = []
        assert any(i.startswith("providers: expected") for i in self.errors(data))

    def test_policy_is_immutable(self) -> None:
        policy = rai.Policy.from_dict(base_policy())
        with pytest.raises(Exception, match="frozen"):
            policy.policy.id = "other"  # type: ignore[misc]


class TestPinning:
    def test_pinned_hash_accepted(self, tmp_path: Path) -> None:
        f = write_toml(tmp_path / "p.toml", MINIMAL)
        digest = rai.load_policy(f).sha256
        assert rai.load_policy(f, sha256=digest).sha256 == digest
        assert rai.load_policy(f, sha256=digest.upper()).sha256 == digest

    def test_argument_mismatch_refused(self, tmp_path: Path) -> None:
        """A file whose hash differs from the pinned one is refused, naming both hashes."""
        f = write_toml(tmp_path / "p.toml", MINIMAL)
        with pytest.raises(rai.PolicyHashMismatch) as info:
            rai.load_policy(f, sha256="0" * 64)
        assert info.value.expected == "0" * 64
        assert info.value.actual in str(info.value)
        assert str(f) in str(info.value)

    def test_env_mismatch_refused(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """RAI_POLICY_SHA256 pins every load in the process."""
        f = write_toml(tmp_path / "p.toml", MINIMAL)
        monkeypatch.setenv("RAI_POLICY_SHA256", "ab" * 32)
        with pytest.raises(rai.PolicyHashMismatch):
            rai.load_policy(f)


class TestProviders:
    def test_model_allow_list_exact_and_glob(self) -> None:
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
        data = base_policy()
        data["providers"][0]["api_key_env"] = "RAI_TEST_KEY"
        monkeypatch.delenv("RAI_TEST_KEY", raising=False)
        with pytest.raises(rai.ConfigurationError, match="RAI_TEST_KEY"):
            rai.Policy.from_dict(data).providers[0].api_key()
