from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from responsible_ai._evidence import ChainKey, EvidenceStore
from responsible_ai._pseudonym import Pseudonymizer

from .pg import postgres_server

KEY_HEX = "5e" * 32


@pytest.fixture
def key() -> ChainKey:
    return ChainKey(bytes.fromhex(KEY_HEX))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'evidence.db'}"


PSEUDONYM_HEX = "a1" * 32


@pytest.fixture
def store(sqlite_url: str, key: ChainKey, pseudonym_key: str) -> Iterator[EvidenceStore]:
    """A keyed SQLite store; the CLI finds its keys in the environment."""
    s = EvidenceStore(
        sqlite_url, key=key, pseudonymizer=Pseudonymizer(bytes.fromhex(PSEUDONYM_HEX))
    )
    yield s
    s.close()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """The deployment's keys, as the command line reads them."""
    monkeypatch.setenv("RAI_PSEUDONYM_KEY", PSEUDONYM_HEX)
    monkeypatch.setenv("RAI_EVIDENCE_KEY", KEY_HEX)
    return PSEUDONYM_HEX


@pytest.fixture(autouse=True)
def _no_store_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RAI_EVIDENCE_URL", "RAI_EVIDENCE_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def pg_db(pg_url: str) -> str:
    """A fresh database on the session's PostgreSQL server."""
    import uuid

    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_url.rsplit("/", 1)[0] + "/" + name
