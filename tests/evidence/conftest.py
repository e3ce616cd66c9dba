from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from responsible_ai._evidence import ChainKey, EvidenceStore

from .pg import postgres_server

KEY_HEX = "5e" * 32


@pytest.fixture
def key() -> ChainKey:
    return ChainKey(bytes.fromhex(KEY_HEX))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'evidence.db'}"


@pytest.fixture
def store(sqlite_url: str, key: ChainKey) -> Iterator[EvidenceStore]:
    s = EvidenceStore(sqlite_url, key=key)
    yield s
    s.close()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> str:
    value = "a1" * 32
    monkeypatch.setenv("RAI_PSEUDONYM_KEY", value)
    return value


@pytest.fixture(autouse=True)
def _no_store_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RAI_EVIDENCE_URL", "RAI_EVIDENCE_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert "RAI_EVIDENCE_URL" not in os.environ


@pytest.fixture
def pg_db(pg_url: str) -> str:
    """A fresh database on the session's PostgreSQL server."""
    import uuid

    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_url.rsplit("/", 1)[0] + "/" + name
