from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

CANARY = "CANARY-7f3a9c"

_OPAQUE = re.compile(r"[0-9a-f]{16,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|"
                     r'"value": ?"[A-Za-z0-9_-]{20,}"')  # fmt: skip


def without_opaque(text: str) -> str:
    """`text` with hashes, ids and signatures blanked: random hex can hold "4012" or
    "8888" by chance, and a canary search must not fail on that."""
    return _OPAQUE.sub("#", text)  # a value that must never appear in errors, logs or audit events


def wire(server: FakeModelServer) -> str:
    """Everything the provider received: bodies, paths and headers."""
    return "\n".join(r.raw.decode() + r.path + json.dumps(r.headers) for r in server.requests)


def beside(base_url: str, name: str) -> str:
    """Another address on the same server: ``http://h:p/v1`` -> ``http://h:p/{name}/v1``
    (the stand-in serves every path that ends in ``/v1/<endpoint>``)."""
    url = urlsplit(base_url)
    return urlunsplit(url._replace(path=f"/{name}{url.path}"))


def base_policy(base_url: str = "http://127.0.0.1:9/v1") -> dict[str, Any]:
    """A policy exercising every rule kind. openai-prod and anthropic-prod are at
    `base_url` (their endpoints differ: /chat/completions, /messages); free-chat, a second
    OpenAI-kind provider, has an address of its own on the same server (`beside`), so an
    SDK request is routed to one provider by its address, as in production: an
    unapproved model asked of openai-prod is "model not approved", not free-chat's rule."""
    return {
        "policy": {"id": "test-policy", "version": "1.2.3", "allow_free_tiers": False},
        "providers": [
            {
                "name": "openai-prod",
                "kind": "openai",
                "base_url": base_url,
                "models": ["gpt-4o-mini", "gpt-4.1*"],
                "tier": "enterprise",
                "max_data_class": "confidential",
                "region": "eu",
                "zero_data_retention": True,
                "timeout_s": 5,
                "connect_timeout_s": 2,
            },
            {
                "name": "anthropic-prod",
                "kind": "anthropic",
                "base_url": base_url,  # the same address, another wire format (/messages)
                "models": ["claude-haiku-4-5*"],
                "tier": "enterprise",
                "max_data_class": "internal",
                "region": "us",
            },
            {
                "name": "free-chat",
                "kind": "openai",
                "base_url": beside(base_url, "free"),
                "models": ["*"],
                "tier": "free",
                "max_data_class": "public",
            },
        ],
        "use_cases": {
            "default": "deny",
            "blocked": ["hr.performance_review", "legal", "surveillance"],
            "rules": {
                "hr": {"requires_review": True, "max_data_class": "internal"},
                "marketing.copy": {"requires_review": True, "max_data_class": "internal"},
                "client.support": {
                    "requires_consent": True,
                    "max_data_class": "confidential",
                    "allowed_providers": ["openai-prod"],
                },
                "engineering": {},
            },
        },
        "retry": {
            "max_attempts": 3,
            "max_total_s": 10,
            "backoff_initial_s": 0.01,
            "backoff_max_s": 0.05,
        },
    }


@pytest.fixture
def make_policy() -> Callable[..., rai.Policy]:
    def make(base_url: str = "http://127.0.0.1:9/v1", **changes: Any) -> rai.Policy:
        data = copy.deepcopy(base_policy(base_url))
        for dotted, value in changes.items():
            node = data
            *head, last = dotted.split("__")
            for key in head:
                node = node[int(key)] if key.isdigit() else node[key]
            node[int(last) if last.isdigit() else last] = value
        return rai.Policy.from_dict(data, source="test-policy.toml")

    return make


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as srv:
        yield srv


@pytest.fixture
def policy(server: FakeModelServer, make_policy: Callable[..., rai.Policy]) -> rai.Policy:
    return make_policy(server.base_url)


class Sleeps(list[float]):
    """Records back-off sleeps instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class AsyncSleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def async_sleeps() -> AsyncSleeps:
    return AsyncSleeps()


@pytest.fixture
def audit() -> list[rai.Decision]:
    return []


@pytest.fixture
def guard(
    policy: rai.Policy, sleeps: Sleeps, async_sleeps: AsyncSleeps, audit: list[rai.Decision]
) -> Iterator[rai.Guard]:
    with rai.Guard(policy, sleep=sleeps, async_sleep=async_sleeps, on_decision=audit.append) as g:
        yield g
