"""Fixtures of the conversation tests: the Valkey server of the limits tests (a real one on
127.0.0.1, started once per session), a key prefix per test, the conversation key in the
environment, and a policy and governances over one shared store."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer
from tests.conftest import base_policy
from tests.limits import conftest as limits
from tests.limits.conftest import Valkey

valkey, own_valkey, prefix = limits.valkey, limits.own_valkey, limits.prefix  # the fixtures

KEY = bytes(range(32))
MK = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}
JANE = rai.ClientRecord(name="Jane Roe", id="client-1042")


def conversation_policy(base_url: str, **sections: Any) -> dict[str, Any]:
    data = copy.deepcopy(base_policy(base_url))
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    return data


@pytest.fixture
def conversation_key(monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setenv("RAI_CONVERSATION_KEY", KEY.hex())
    return KEY


@pytest.fixture
def shared(
    valkey: Valkey, prefix: str, server: FakeModelServer, conversation_key: bytes
) -> Iterator[Callable[..., rai.Governance]]:
    """Makes governances (replicas) over the shared Valkey server, each with its own client."""
    made: list[rai.RedisState] = []

    def make(data: dict[str, Any] | None = None, **services: Any) -> rai.Governance:
        state = rai.RedisState(valkey.url, prefix=prefix)
        made.append(state)
        policy = rai.Policy.from_dict(data or conversation_policy(server.base_url))
        return rai.Governance(policy, state=state, **services)

    yield make
    for state in made:
        state.close()
