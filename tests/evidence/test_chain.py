"""The chain: complete and unaltered is proven; deleted, edited, reordered and inserted
records are found and named — on SQLite and on a real PostgreSQL, under concurrent
writers in several processes."""

from __future__ import annotations

import hashlib
import multiprocessing
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from responsible_ai._cli import main
from responsible_ai._evidence import ChainKey, EvidenceStore

from .conftest import KEY_HEX
from .workers import append_many


def _fill(store: EvidenceStore, n: int) -> None:
    for i in range(n):
        store.append("decision", {"outcome": "allowed", "rule": "r", "n": i}, call=f"c{i}")
    store.flush()


class _Db:
    """Direct access to a store's table, as an attacker with database access has."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite"):
            self.conn: Any = sqlite3.connect(url.removeprefix("sqlite://"), isolation_level=None)
            self.ph = "?"
        else:
            import psycopg

            self.conn = psycopg.connect(url, autocommit=True)
            self.ph = "%s"

    def __enter__(self) -> _Db:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()

    def run(self, sql: str, *params: Any) -> list[Any]:
        cur = self.conn.execute(sql.replace("?", self.ph), params)
        try:
            return list(cur.fetchall())
        except Exception:
            return []

    def row(self, seq: int) -> tuple[Any, ...]:
        return tuple(self.run("SELECT * FROM rai_evidence WHERE seq = ?", seq)[0])

    def set_row(self, seq: int, row: tuple[Any, ...]) -> None:
        self.run(
            "UPDATE rai_evidence SET at=?, kind=?, call=?, stamp=?, subject=?, body=?, digest=?, "
            "prev=?, hash=? WHERE seq = ?", *row[1:], seq,
        )  # fmt: skip


def delete(db: _Db, k: int) -> None:
    db.run("DELETE FROM rai_evidence WHERE seq = ?", k)


def edit_body(db: _Db, k: int) -> None:
    db.run("UPDATE rai_evidence SET body = replace(body, 'allowed', 'blocked') WHERE seq = ?", k)


def edit_body_and_digest(db: _Db, k: int) -> None:
    body = db.row(k)[6].replace("allowed", "blocked")
    db.run("UPDATE rai_evidence SET body = ?, digest = ? WHERE seq = ?", body,
           hashlib.sha256(body.encode()).hexdigest(), k)  # fmt: skip


def edit_time(db: _Db, k: int) -> None:
    db.run("UPDATE rai_evidence SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = ?", k)


def swap(db: _Db, k: int) -> None:
    a, b = db.row(k), db.row(k + 1)
    db.set_row(k, b)
    db.set_row(k + 1, a)


def insert_at_end(db: _Db, k: int) -> None:
    last = db.run("SELECT max(seq), max(hash) FROM rai_evidence")[0][0]
    prev = db.row(last)[9]
    db.run("INSERT INTO rai_evidence VALUES (?, '2026-01-01T00:00:00.000000Z', 'decision', "
           "NULL, NULL, NULL, '{}', ?, ?, ?)", last + 1,
           hashlib.sha256(b"{}").hexdigest(), prev, "f" * 64)  # fmt: skip


def insert_in_middle(db: _Db, k: int) -> None:
    last = db.run("SELECT max(seq) FROM rai_evidence")[0][0]
    for seq in range(last, k - 1, -1):  # make room: k.. move up by one
        db.run("UPDATE rai_evidence SET seq = seq + 1 WHERE seq = ?", seq)
    prev = db.row(k - 1)[9]
    db.run("INSERT INTO rai_evidence VALUES (?, '2026-01-01T00:00:00.000000Z', 'decision', "
           "NULL, NULL, NULL, '{}', ?, ?, ?)", k,
           hashlib.sha256(b"{}").hexdigest(), prev, "f" * 64)  # fmt: skip


def rewrite_without_the_key(db: _Db, k: int) -> None:
    """Edit a record and rebuild every hash after it, with the public (unkeyed) chain."""
    public = ChainKey(None)
    edit_body_and_digest(db, k)
    last = db.run("SELECT max(seq) FROM rai_evidence")[0][0]
    prev = db.row(k - 1)[9] if k > 1 else "0" * 64
    for seq in range(k, last + 1):
        r = db.row(seq)
        link = public.link(seq, r[1], r[2], r[3], r[4], r[5], r[7], prev)
        db.run("UPDATE rai_evidence SET prev = ?, hash = ? WHERE seq = ?", prev, link, seq)
        prev = link
    db.run("UPDATE rai_evidence_head SET hash = ?, mac = ? WHERE id = 1", prev,
           public.head_mac(last, prev))  # fmt: skip


N = 60
TAMPERING: list[tuple[Callable[[_Db, int], None], int, int, str]] = [
    # (what is done, to which record, which record the verdict names, what it says)
    (delete, 30, 30, "missing (deleted)"),
    (delete, 1, 1, "missing (deleted)"),
    (delete, N, N, "missing at the end (deleted)"),
    (edit_body, 17, 17, "body was edited"),
    (edit_body_and_digest, 17, 17, "the record was edited"),
    (edit_time, 44, 44, "the record was edited"),
    (swap, 20, 20, "reordered"),
    (insert_at_end, N, N + 1, "inserted"),
    (insert_in_middle, 25, 25, "edited"),
    (rewrite_without_the_key, 40, 40, "the record was edited"),
]


@pytest.mark.parametrize(("tamper", "at", "named", "says"), TAMPERING,
                         ids=[t[0].__name__ + f"@{t[1]}" for t in TAMPERING])  # fmt: skip
def test_sqlite_tampering_is_found_and_named(
    sqlite_url: str,
    key: ChainKey,
    tamper: Any,
    at: int,
    named: int,
    says: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Deleting, editing, reordering or inserting one record makes verification fail,
    naming the record (and `rai audit verify` exits 1 saying where)."""
    store = EvidenceStore(sqlite_url, key=key)
    _fill(store, N)
    assert store.verify().ok
    with _Db(sqlite_url) as db:
        tamper(db, at)
    result = store.verify()
    assert not result.ok
    assert result.seq == named, result.summary()
    assert says in (result.problem or "")
    store.close()
    monkeypatch.setenv("RAI_EVIDENCE_KEY", KEY_HEX)
    assert main(["audit", "verify", sqlite_url]) == 1
    assert f"BROKEN at record {named}:" in capsys.readouterr().err


@pytest.mark.parametrize(("tamper", "at", "named", "says"), TAMPERING,
                         ids=[t[0].__name__ + f"@{t[1]}" for t in TAMPERING])  # fmt: skip
def test_postgres_tampering_is_found_and_named(
    pg_db: str, key: ChainKey, tamper: Any, at: int, named: int, says: str
) -> None:
    """The same on PostgreSQL."""
    store = EvidenceStore(pg_db, key=key)
    _fill(store, N)
    assert store.verify().ok
    with _Db(pg_db) as db:
        tamper(db, at)
    result = store.verify()
    assert (result.ok, result.seq) == (False, named), result.summary()
    assert says in (result.problem or "")
    store.close()


def test_a_store_opened_with_another_key_is_refused(sqlite_url: str, key: ChainKey) -> None:
    """A store made with one key cannot be written or verified with another (or none)."""
    from responsible_ai import ConfigurationError

    EvidenceStore(sqlite_url, key=key).close()
    with pytest.raises(ConfigurationError, match="made with key"):
        EvidenceStore(sqlite_url, key=ChainKey(b"x" * 32))
    with pytest.raises(ConfigurationError, match="made with key"):
        EvidenceStore(sqlite_url, key=ChainKey(None))


def _run_writers(url: str, processes: int, threads: int, per_thread: int) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=append_many, args=(url, KEY_HEX, p, threads, per_thread))
        for p in range(processes)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0


def _check_complete(url: str, key: ChainKey, processes: int, threads: int, per: int) -> None:
    store = EvidenceStore(url, key=key)
    result = store.verify()
    total = processes * threads * per
    assert result.ok, result.summary()
    assert (result.records, result.head) == (total, total)
    calls = [r.call for r in store.records()]
    assert sorted(calls) == sorted(
        f"{p}-{t}-{i}" for p in range(processes) for t in range(threads) for i in range(per)
    )  # every record present, none twice
    store.close()


@pytest.mark.scale
def test_four_processes_of_eight_threads_append_10000_records_to_sqlite(
    sqlite_url: str,
    key: ChainKey,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The issue's bar: 4 processes x 8 threads, 10,000 records, one SQLite store: no
    fork, no lost record, no false alarm; then one deleted record is found and named."""
    _run_writers(sqlite_url, 4, 8, 10_000 // 32 + 1)  # 32 x 313 = 10,016
    _check_complete(sqlite_url, key, 4, 8, 313)
    monkeypatch.setenv("RAI_EVIDENCE_KEY", KEY_HEX)
    assert main(["audit", "verify", sqlite_url]) == 0
    assert "ok: 10016 records" in capsys.readouterr().out
    with _Db(sqlite_url) as db:
        delete(db, 5_000)
    assert main(["audit", "verify", sqlite_url]) == 1
    assert "BROKEN at record 5000: record 5000 is missing" in capsys.readouterr().err


def test_two_processes_append_to_one_postgres_store(
    pg_db: str,
    key: ChainKey,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """2 processes (4 threads each) on one PostgreSQL store: every record present, the
    chain verifies; then an edited record is found and named."""
    _run_writers(pg_db, 2, 4, 250)
    _check_complete(pg_db, key, 2, 4, 250)
    monkeypatch.setenv("RAI_EVIDENCE_KEY", KEY_HEX)
    assert main(["audit", "verify", pg_db]) == 0
    with _Db(pg_db) as db:
        edit_body(db, 777)
    assert main(["audit", "verify", pg_db]) == 1
    assert "BROKEN at record 777" in capsys.readouterr().err


def test_verifying_while_others_append_raises_no_false_alarm(
    sqlite_url: str, key: ChainKey
) -> None:
    """Verification reads one snapshot: records committed meanwhile are not taken for
    insertions (the false alarms other audit logs raise under load)."""
    import threading

    writer = EvidenceStore(sqlite_url, key=key)
    writer.append("decision", {"outcome": "allowed"})
    writer.flush()  # at least one record is committed before the first read
    reading, done = threading.Event(), threading.Event()

    def append_3000() -> None:
        for i in range(3_000):
            writer.append("decision", {"outcome": "allowed"})
            if i % 100 == 99:
                writer.flush()  # commits land while the reader verifies
                assert reading.wait(timeout=30)  # a read has begun since the last commit
                reading.clear()
        done.set()

    thread = threading.Thread(target=append_3000)
    thread.start()
    try:
        reader = EvidenceStore(sqlite_url, key=key)
        results = []
        while not done.is_set():
            reading.set()
            results.append(reader.verify())
    finally:
        thread.join()
        writer.close()
    assert all(r.ok for r in results), [r.summary() for r in results if not r.ok]
    assert len(results) >= 30 and results[0].records > 0
    counts = [r.records for r in results]
    assert counts == sorted(counts) and counts[-1] > counts[0]  # it grew between reads
    final = EvidenceStore(sqlite_url, key=key).verify()
    assert final.ok and final.records == 3_001
