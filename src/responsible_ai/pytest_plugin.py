"""pytest fixtures for a service's own test suite (installed with the package, loaded by
pytest through the ``pytest11`` entry point).

- ``rai_server``: a running `FakeModelServer` (127.0.0.1, a free port), one per test;
- ``rai_policy``: your policy (the ``rai_policy`` ini option or ``RAI_POLICY``, else a
  small built-in one) with every provider pointed at that server and no API keys needed;
- ``rai_telemetry``: a `CapturedTelemetry` (spans and metrics in memory); it needs
  opentelemetry-sdk (the ``otlp`` extra): without it, a test that asks for it is skipped,
  saying so;
- ``rai_audit``: the audit events of ``rai_guard``, as dicts;
- ``rai_decisions``: the `Decision` of every call ``rai_guard`` decided;
- ``rai_signer`` / ``rai_keyring``: an HMAC signer with a fresh key, and its keyring;
- ``rai_guard``: a `Guard` over all of the above, closed after the test (on a base
  install, without opentelemetry-sdk, it records no spans; everything else is the same).

In ``pytest.ini`` / ``pyproject.toml``: ``rai_policy = "policy.toml"``. Disable the
plugin with ``-p no:responsible_ai``.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._audit import AuditTrail
from ._guard import Guard
from ._policy import POLICY_ENV, Policy, load_policy
from ._provenance import HmacSigner, Keyring
from ._types import Decision
from .testing import CapturedTelemetry, FakeModelServer

__all__ = [
    "rai_audit",
    "rai_decisions",
    "rai_guard",
    "rai_keyring",
    "rai_policy",
    "rai_server",
    "rai_signer",
    "rai_telemetry",
]

BUILT_IN: dict[str, Any] = {
    "policy": {"id": "pytest", "version": "1"},
    "providers": [
        {"name": "openai-prod", "kind": "openai", "base_url": "https://api.openai.invalid/v1",
         "models": ["gpt-4o-mini", "gpt-4.1*"], "tier": "enterprise"},
        {"name": "anthropic-prod", "kind": "anthropic", "base_url": "https://api.anthropic.invalid/v1",
         "models": ["claude-*"], "tier": "enterprise"},
    ],
    "use_cases": {"rules": {"marketing.copy": {}}, "blocked": ["hr.performance_review"]},
}  # fmt: skip
"""The policy of ``rai_policy`` when the project names none."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("rai_policy", "the policy file the rai_policy fixture loads", default="")


def _source(config: pytest.Config) -> Path | None:
    named = str(config.getini("rai_policy") or "") or os.environ.get(POLICY_ENV, "")
    if not named:
        return None
    path = Path(named)
    return path if path.is_absolute() else Path(config.rootpath) / path


@pytest.fixture
def rai_server() -> Iterator[FakeModelServer]:
    """A running stand-in model server (OpenAI chat and Responses, Anthropic messages)."""
    with FakeModelServer() as server:
        yield server


@pytest.fixture
def rai_policy(request: pytest.FixtureRequest, rai_server: FakeModelServer) -> Policy:
    """The project's policy (or the built-in one) with its providers at the stand-in."""
    path = _source(request.config)
    data = (
        load_policy(path, pinned=False).model_dump(mode="json", exclude_unset=True)
        if path is not None
        else {**BUILT_IN, "providers": [dict(p) for p in BUILT_IN["providers"]]}
    )
    for provider in data["providers"]:
        provider["base_url"] = rai_server.base_url  # http to loopback: allowed
        provider.pop("api_key_env", None)  # the stand-in needs no key
    return Policy.from_dict(data, source=f"{path or 'built-in'} (at the stand-in server)")


OTEL_SDK_MISSING = (
    "rai_telemetry needs opentelemetry-sdk, which the base install does not have: "
    "pip install 'responsible-ai-policy[otlp]' (or add opentelemetry-sdk to your test "
    "dependencies)"
)


def _has_otel_sdk() -> bool:
    try:
        return importlib.util.find_spec("opentelemetry.sdk") is not None
    except ModuleNotFoundError:  # no opentelemetry package at all
        return False


@pytest.fixture
def rai_telemetry() -> CapturedTelemetry:
    """Spans and metrics in memory (needs opentelemetry-sdk: skipped without it)."""
    if not _has_otel_sdk():
        pytest.skip(OTEL_SDK_MISSING)
    return CapturedTelemetry()


@pytest.fixture
def rai_audit() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def rai_decisions() -> list[Decision]:
    return []


@pytest.fixture
def rai_signer() -> HmacSigner:
    return HmacSigner(os.urandom(32), kid="pytest")


@pytest.fixture
def rai_keyring(rai_signer: HmacSigner) -> Keyring:
    return Keyring([rai_signer])


@pytest.fixture
def rai_guard(
    request: pytest.FixtureRequest,
    rai_policy: Policy,
    rai_audit: list[dict[str, Any]],
    rai_decisions: list[Decision],
    rai_signer: HmacSigner,
) -> Iterator[Guard]:
    """A `Guard` over the fixtures above; its spans go to ``rai_telemetry`` when
    opentelemetry-sdk is installed (none are recorded without it)."""
    telemetry = request.getfixturevalue("rai_telemetry") if _has_otel_sdk() else None
    guard = Guard(
        rai_policy,
        telemetry=telemetry.telemetry if telemetry is not None else None,
        audit=AuditTrail(sink=rai_audit.append, render=False),
        on_decision=rai_decisions.append,
        signer=rai_signer,
    )
    with guard:
        yield guard
