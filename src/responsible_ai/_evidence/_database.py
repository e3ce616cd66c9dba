"""The two databases an evidence store lives in, behind one small interface: SQLite in
WAL mode (embedded, nothing running) and PostgreSQL (many replicas). The SQL is written
once with ``?`` placeholders; only the statements that differ are per dialect.

Appends are serialised by the database itself, so one chain never forks, whatever the
number of threads, processes or replicas: SQLite's ``BEGIN IMMEDIATE`` takes the write
lock before the head is read; PostgreSQL reads the head ``FOR UPDATE``. The head is
read, the batch is chained onto it and the head is moved, in one transaction.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, NamedTuple
from urllib.parse import unquote, urlsplit

from .._errors import ConfigurationError, EvidenceUnavailable
from ._chain import GENESIS, ChainKey, Row

__all__ = ["FORMAT", "RARE", "Database", "Pending", "open_database", "shown_url"]

FORMAT = "rai.evidence/1"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS rai_evidence ("
    " seq {int} PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, call TEXT, stamp TEXT,"
    " subject TEXT, body TEXT, digest TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL)",
    # every index is paid by every append: only what a reader needs. By seq (the key):
    # verify and erasure scan in chain order. By time: an export or a report of a
    # period, and retention, read that period's records, not the whole store (times
    # grow with seq, so an append adds to the index's last page). By stamp: an
    # incident finds its call. The rare kinds (incidents, policies): a partial index
    # that an append of any other kind only tests (`RARE` in a query selects it).
    "CREATE INDEX IF NOT EXISTS rai_evidence_at ON rai_evidence (at)",
    "CREATE INDEX IF NOT EXISTS rai_evidence_stamp ON rai_evidence (stamp) WHERE stamp IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS rai_evidence_rare ON rai_evidence (seq) "
    "WHERE kind IN ('incident', 'incident.update', 'policy')",
    "CREATE TABLE IF NOT EXISTS rai_evidence_head ("
    " id INTEGER PRIMARY KEY CHECK (id = 1), seq {int} NOT NULL, hash TEXT NOT NULL,"
    " mac TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS rai_evidence_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS rai_evidence_subjects ("
    " pseudonym TEXT PRIMARY KEY, key {blob} NOT NULL)",
)
_COLUMNS = "seq, at, kind, call, stamp, subject, body, digest, prev, hash"
RARE_KINDS = frozenset({"incident", "incident.update", "policy"})
RARE = "kind IN ('incident', 'incident.update', 'policy')"  # the partial index's own term


class Pending(NamedTuple):
    """A record waiting for its place in the chain: its body as canonical JSON, its
    links, and the pseudonyms of its data subjects (which become tags when written)."""

    at: str
    kind: str
    body: str
    call: str | None = None
    stamp: str | None = None
    subjects: tuple[str, ...] = ()


def shown_url(url: str) -> str:
    """`url` without its password (for messages and reports)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


class Database:
    """One connection to the store's database (per process, shared by its threads under
    a lock); `transaction` hands out a cursor inside ``BEGIN`` … ``COMMIT``."""

    dialect = "sqlite"
    begin = "BEGIN IMMEDIATE"
    begin_snapshot = "BEGIN"  # WAL: the first read fixes the snapshot
    lock_head = "SELECT seq, hash, mac FROM rai_evidence_head WHERE id = 1"
    types: ClassVar[dict[str, str]] = {"int": "INTEGER", "blob": "BLOB"}

    def __init__(self, url: str) -> None:
        self.url = url
        self.lock = threading.RLock()
        self._conn: Any = None
        self._pid = -1

    # ------------------------------------------------------------------ connections

    def connect(self) -> Any:
        raise NotImplementedError

    def conn(self) -> Any:
        pid = os.getpid()
        if self._conn is None or self._pid != pid:
            # a connection made by a parent process is never used (nor closed) by a child
            self._conn = self.connect()
            self._pid = pid
        return self._conn

    def close(self) -> None:
        with self.lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def q(self, sql: str) -> str:
        return sql

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self.lock:
            conn = self.conn()
            cur = conn.cursor()
            cur.execute(self.begin)
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            cur = self.conn().cursor()
            cur.execute(self.q(sql), tuple(params))
            return list(cur.fetchall())

    # ------------------------------------------------------------------ schema

    def create(self, key: ChainKey) -> None:
        """Make the tables (once; concurrent openers wait for each other) and check the
        store was made with this key."""
        with self.transaction() as cur:
            self.schema_lock(cur)
            for statement in _SCHEMA:
                cur.execute(statement.format(**self.types))
            cur.execute(self.q("SELECT name, value FROM rai_evidence_meta"))
            meta = dict(cur.fetchall())
            if not meta:
                cur.execute(
                    self.q("INSERT INTO rai_evidence_meta (name, value) VALUES (?, ?), (?, ?)"),
                    ("format", FORMAT, "kid", key.kid),
                )
                cur.execute(
                    self.q(
                        "INSERT INTO rai_evidence_head (id, seq, hash, mac) VALUES (1, 0, ?, ?)"
                    ),
                    (GENESIS, key.head_mac(0, GENESIS)),
                )
                return
        if meta.get("format") != FORMAT:
            raise ConfigurationError(f"not an evidence store of format {FORMAT}")
        if meta.get("kid") != key.kid:
            raise ConfigurationError(
                f"this evidence store was made with key {meta.get('kid')}, not {key.kid}: "
                "set RAI_EVIDENCE_KEY to the store's key"
            )

    def schema_lock(self, cur: Any) -> None:
        pass

    # ------------------------------------------------------------------ the chain

    def write(self, batch: Sequence[Pending], key: ChainKey) -> int:
        """Chain `batch` onto the head, in one transaction (one ``executemany`` and one
        commit, whatever its size); returns the new head."""
        with self.transaction() as cur:
            cur.execute(self.lock_head)
            found = cur.fetchone()
            if found is None:
                raise EvidenceUnavailable("the evidence store has no head (not initialised)")
            seq, prev = int(found[0]), str(found[1])
            rows = []
            tags: dict[str, str] = {}
            tagged: dict[tuple[str, ...], str] = {}  # a batch's records share few subjects
            link, sha256 = key.link, hashlib.sha256
            for at, kind, body, call, stamp, subjects in batch:
                seq += 1
                subject = None
                if subjects:
                    subject = tagged.get(subjects)
                    if subject is None:
                        found = {self._tag(cur, p, tags) for p in subjects}
                        subject = tagged[subjects] = " ".join(sorted(found))
                digest = sha256(body.encode()).hexdigest()
                prev_ = prev
                prev = link(seq, at, kind, call, stamp, subject, digest, prev_)
                rows.append((seq, at, kind, call, stamp, subject, body, digest, prev_, prev))
            self.insert(cur, rows)
            cur.execute(
                self.q("UPDATE rai_evidence_head SET seq = ?, hash = ?, mac = ? WHERE id = 1"),
                (seq, prev, key.head_mac(seq, prev)),
            )
            return seq

    def insert(self, cur: Any, rows: Sequence[tuple[Any, ...]]) -> None:
        cur.executemany(
            self.q(f"INSERT INTO rai_evidence ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)"), rows
        )

    def _tag(self, cur: Any, pseudonym: str, seen: dict[str, str]) -> str:
        """The tag of a data subject in records: an HMAC under the subject's own key,
        made on first use. Destroying the key (erasure) leaves tags nobody can link."""
        tag = seen.get(pseudonym)
        if tag is None:
            cur.execute(
                self.q("SELECT key FROM rai_evidence_subjects WHERE pseudonym = ?"), (pseudonym,)
            )
            found = cur.fetchone()
            if found is None:
                secret = os.urandom(32)
                cur.execute(
                    self.q("INSERT INTO rai_evidence_subjects (pseudonym, key) VALUES (?, ?)"),
                    (pseudonym, secret),
                )
            else:
                secret = bytes(found[0])
            tag = seen[pseudonym] = subject_tag(secret)
        return tag

    def head(
        self, fetch: Callable[[str, Sequence[Any]], list[tuple[Any, ...]]] | None = None
    ) -> tuple[int, str, str] | None:
        rows = (fetch or self.fetch)(
            "SELECT seq, hash, mac FROM rai_evidence_head WHERE id = 1", ()
        )
        return (int(rows[0][0]), str(rows[0][1]), str(rows[0][2])) if rows else None

    @contextmanager
    def snapshot(self) -> Iterator[Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]]:
        """A read-only view of one moment, on a connection of its own (appends go on):
        what `verify` reads, so a record committed meanwhile is never taken for an
        insertion."""
        conn = self.connect()
        try:
            cur = conn.cursor()
            cur.execute(self.begin_snapshot)

            def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
                cur.execute(self.q(sql), tuple(params))
                return list(cur.fetchall())

            yield fetch
            cur.execute("COMMIT")
        finally:
            conn.close()

    def rows(
        self,
        since: str | None = None,
        until: str | None = None,
        kinds: Sequence[str] = (),
        batch: int = 2000,
        fetch: Callable[[str, Sequence[Any]], list[tuple[Any, ...]]] | None = None,
    ) -> Iterator[Row]:
        """Records in sequence order (read in pages, so a large store is never held
        whole), those at or after `since` and before `until` if given. A period is
        read between the first and the last sequence number its time index finds
        (times grow with seq only nearly — a batch commits a little after its records
        were made — so the time condition still applies to every record read)."""
        fetch = fetch or self.fetch
        where, params = [], []
        if since is not None:
            where.append("at >= ?")
            params.append(since)
        if until is not None:
            where.append("at < ?")
            params.append(until)
        after, last = 0, None
        if where:
            span = fetch(f"SELECT min(seq), max(seq) FROM rai_evidence WHERE {' AND '.join(where)}",
                         params)  # fmt: skip
            if not span or span[0][0] is None:
                return
            after, last = int(span[0][0]) - 1, int(span[0][1])
        if kinds:
            if RARE_KINDS.issuperset(kinds):
                where.append(RARE)  # their partial index, not a scan of every record
            where.append(f"kind IN ({', '.join('?' * len(kinds))})")
            params.extend(kinds)
        bound = [] if last is None else ["seq <= ?"]
        while True:
            clause = " AND ".join(["seq > ?", *bound, *where])
            page = fetch(
                f"SELECT {_COLUMNS} FROM rai_evidence WHERE {clause} ORDER BY seq LIMIT {batch}",
                [after, *([] if last is None else [last]), *params],
            )
            for r in page:
                yield Row._make((int(r[0]), *r[1:]))
            if len(page) < batch:
                return
            after = int(page[-1][0])

    def subject_secret(self, cur: Any, pseudonym: str) -> bytes | None:
        cur.execute(
            self.q("SELECT key FROM rai_evidence_subjects WHERE pseudonym = ?"), (pseudonym,)
        )
        found = cur.fetchone()
        return bytes(found[0]) if found is not None else None

    def forget_subject(self, cur: Any, pseudonym: str) -> None:
        cur.execute(self.q("DELETE FROM rai_evidence_subjects WHERE pseudonym = ?"), (pseudonym,))

    def scrub(self) -> None:
        """After an erasure: no old page keeps what was deleted."""


def subject_tag(secret: bytes) -> str:
    return "s:" + hmac.new(secret, b"rai.evidence.subject", hashlib.sha256).hexdigest()[:32]


class SqliteDatabase(Database):
    def __init__(self, url: str, path: str) -> None:
        super().__init__(url)
        self.path = path

    def connect(self) -> Any:
        try:
            conn = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=False,
                timeout=60.0,
                cached_statements=256,  # the 64 multi-row INSERTs and the readers
            )
            # a new store's page: each commit rewrites its last, partly filled pages, and
            # with a commit every few tens of records 4 KB pages cost less per record
            # than 16 KB (measured: 8.7 against 14.5 us at 40 records per commit)
            conn.execute("PRAGMA page_size = 4096")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints
            conn.execute("PRAGMA secure_delete = ON")  # deleted keys are overwritten
        except sqlite3.Error as exc:
            raise EvidenceUnavailable(
                f"cannot open the evidence store {self.url} ({type(exc).__name__})"
            ) from None
        return conn

    def insert(self, cur: Any, rows: Sequence[tuple[Any, ...]]) -> None:
        """Up to 64 rows per statement. The sqlite3 module lets other threads run during
        each statement and takes the interpreter's lock back after it: ``executemany``
        does that once per row, and with a busy calling thread each hand-over costs
        both threads more than the row itself (measured: 3x the insert's CPU)."""
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            chunk = rows[start : start + _ROWS_PER_INSERT]
            cur.execute(_insert_sql(len(chunk)), [value for row in chunk for value in row])

    def scrub(self) -> None:
        with self.lock:
            conn = self.conn()
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


_ROWS_PER_INSERT = 64  # x 10 columns: far below SQLite's 32,766 parameters


@functools.cache
def _insert_sql(rows: int) -> str:
    """The INSERT of `rows` rows (at most 64 texts, each prepared once and cached)."""
    return f"INSERT INTO rai_evidence ({_COLUMNS}) VALUES " + ", ".join(
        ["(?,?,?,?,?,?,?,?,?,?)"] * rows
    )


class PostgresDatabase(Database):
    dialect = "postgresql"
    begin = "BEGIN"
    begin_snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    lock_head = "SELECT seq, hash, mac FROM rai_evidence_head WHERE id = 1 FOR UPDATE"
    types: ClassVar[dict[str, str]] = {"int": "BIGINT", "blob": "BYTEA"}

    def connect(self) -> Any:
        try:
            import psycopg
        except ImportError:  # pragma: no cover - the extra is missing
            raise ConfigurationError(
                "a postgresql:// evidence store needs psycopg: "
                "pip install 'responsible-ai-policy[postgres]'"
            ) from None
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise EvidenceUnavailable(
                f"cannot open the evidence store {shown_url(self.url)} ({type(exc).__name__})"
            ) from None

    def q(self, sql: str) -> str:
        return sql.replace("?", "%s")

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self.lock:
            conn = self.conn()
            with conn.cursor() as cur:
                cur.execute("BEGIN")
                try:
                    yield _PgCursor(cur)
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
                cur.execute("COMMIT")

    def schema_lock(self, cur: Any) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(7263301)")

    def scrub(self) -> None:
        with self.lock:
            self.conn().execute("VACUUM rai_evidence_subjects")


class _PgCursor:
    """A psycopg cursor that takes ``?`` placeholders."""

    def __init__(self, cur: Any) -> None:
        self._cur = cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cur.execute(sql.replace("?", "%s"), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cur.executemany(sql.replace("?", "%s"), rows)

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> Any:
        return self._cur.fetchall()


def open_database(url: str) -> Database:
    """The database of `url`: ``sqlite:///path`` or ``postgresql://…``."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        if parts.netloc or not parts.path or parts.path == "/":
            raise ConfigurationError("an evidence store URL: sqlite:///path/to/evidence.db")
        return SqliteDatabase(url, unquote(parts.path))
    if parts.scheme in ("postgresql", "postgres"):
        return PostgresDatabase(url)
    raise ConfigurationError(
        "an evidence store URL is sqlite:///path or postgresql://host/database "
        f"(got a {parts.scheme or 'schemeless'} URL)"
    )
