"""`EvidenceStore`: the hash-chained record of every decision, answer, review, incident
and policy change, in SQLite (embedded) or PostgreSQL (replicas).

Appending is cheap for the caller: with ``durability="batch"`` (the default) a record is
put on an in-process queue and a writer thread chains and commits what has queued in
one transaction (group commit: the appends of ``commit_window_ms``, 100 ms by default,
one lock, one write); ``flush()`` commits at once and waits until everything appended
before it is committed, and the process's exit flushes. With ``durability="sync"``
each append commits before it returns. Either way, when the store cannot be written
the next append raises `EvidenceUnavailable`, so a governed call that cannot leave its
record is not made.

A governed call's decision is queued before the call is made (`open_call`); its
outcome (`close_call`) joins it when the writer has not taken it yet — one ``call``
record, the usual case for a call shorter than the commit window — and is a record of
its own otherwise. The decision is never committed later than it would be alone.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

import orjson

from .._clock import clock
from .._errors import ConfigurationError, EvidenceUnavailable
from .._policy import RETENTION_FLOOR_DAYS, EvidenceSettings
from .._pseudonym import Pseudonymizer, default_pseudonymizer
from ._chain import ChainKey, Row, Verification, verify_rows
from ._database import Database, Pending, open_database, shown_url
from ._incidents import Incident, fold, open_incident, update_incident
from ._lifecycle import Erasure, apply_retention, erase_subject, held
from ._records import Record, rfc3339_days_ago

__all__ = [
    "EVIDENCE_URL_ENV",
    "CallEntry",
    "EvidenceStore",
    "Record",
    "open_store",
    "rfc3339_days_ago",
]

EVIDENCE_URL_ENV = "RAI_EVIDENCE_URL"
_log = logging.getLogger("responsible_ai.evidence")
_BATCH = 4096
_MAX_QUEUED = 100_000  # beyond this, appends wait for the writer (back-pressure)


class _Flush:
    __slots__ = ("done", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None


_STOP = object()
_SORTED = orjson.OPT_SORT_KEYS


class CallEntry:
    """A governed call's decision, queued (`EvidenceStore.open_call`). If the call ends
    before the writer takes it, its outcome joins it and the two are one ``call``
    record; otherwise the decision is written alone and the outcome follows as its own
    record. Either way the decision is committed as soon as it would have been alone.
    The bodies are the store's once given: nobody changes them afterwards. Its times
    are kept as nanoseconds and written out (RFC 3339) by the writer: the caller's
    part of a call stays a few attribute writes and a queue put."""

    __slots__ = ("at_ns", "call", "decision", "outcome", "queue", "subjects", "taken")

    def __init__(
        self,
        at_ns: int,
        call: str,
        decision: Mapping[str, Any],
        subjects: tuple[str, ...],
        queue: object = None,
    ) -> None:
        self.at_ns, self.call, self.decision, self.subjects = at_ns, call, decision, subjects
        self.outcome: tuple[str, int, Mapping[str, Any], str | None, tuple[Any, ...]] | None = None
        self.taken = False  # the writer took it (or it was written synchronously)
        self.queue = queue  # the queue it waits in (a forked child has another)

    def pending(self) -> Pending:
        """The record this entry is: the decision alone, or the decision and its outcome."""
        at = clock.rfc3339(self.at_ns)
        if self.outcome is None:
            body = orjson.dumps(self.decision, option=_SORTED).decode()
            return Pending(at, "decision", body, self.call, None, self.subjects)
        kind, ended_ns, outcome, stamp, evaluations = self.outcome
        merged: dict[str, Any] = {
            "decision": self.decision, kind: outcome, "ended_at": clock.rfc3339(ended_ns)
        }  # fmt: skip
        if evaluations:
            merged["evaluations"] = list(evaluations)
        body = orjson.dumps(merged, option=_SORTED).decode()
        return Pending(at, "call", body, self.call, stamp, self.subjects)


class EvidenceStore:
    """The store named by `url` (``sqlite:///path`` or ``postgresql://…``).

    `settings` is the policy's ``[evidence]`` table (retention, incident clocks); the
    chain's key comes from ``RAI_EVIDENCE_KEY`` unless `key` is given.
    """

    def __init__(
        self,
        url: str,
        *,
        settings: EvidenceSettings | None = None,
        key: ChainKey | None = None,
        durability: Literal["batch", "sync"] | None = None,
        pseudonymizer: Pseudonymizer | None = None,
    ) -> None:
        if not isinstance(url, str):
            raise ConfigurationError(f"an evidence store URL is a str, got {type(url).__name__}")
        self.settings = settings if settings is not None else EvidenceSettings()
        self.durability = durability or self.settings.durability
        if self.durability not in ("batch", "sync"):
            raise ConfigurationError("durability is 'batch' or 'sync'")
        self.key = key if key is not None else ChainKey.from_env()
        self._pseudonymizer = pseudonymizer
        self.url = shown_url(url)
        self.db: Database = open_database(url)
        self.db.create(self.key)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._wake = threading.Event()  # a flush (or close) cuts the writer's window short
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()
        self._merge_lock = threading.Lock()  # a call's outcome joining its queued decision
        self._failure: str | None = None
        self._closed = False
        ref = weakref.ref(self)
        atexit.register(_close_at_exit, ref)
        os.register_at_fork(after_in_child=lambda: _reset_in_child(ref))

    def __repr__(self) -> str:
        return f"EvidenceStore({self.url!r}, durability={self.durability!r})"

    # ------------------------------------------------------------------ appending

    def append(
        self,
        kind: str,
        body: Mapping[str, Any],
        *,
        call: str | None = None,
        stamp: str | None = None,
        subjects: Sequence[str] = (),
    ) -> None:
        """Append one record. `body` holds counts, hashes, rule ids and pseudonyms only;
        `subjects` are the pseudonyms of the data subjects (stored as tags under
        per-subject keys, so that erasure can make them unlinkable)."""
        self._writable()
        body_text = orjson.dumps(body, option=_SORTED).decode()
        self._put(Pending(clock.rfc3339(), kind, body_text, call, stamp, tuple(subjects)))

    def open_call(
        self, decision: Mapping[str, Any], *, call: str, subjects: Sequence[str] = ()
    ) -> CallEntry:
        """Append the decision of an allowed call (before the call is made: a store that
        cannot record refuses it). `close_call` adds its outcome; until then the
        decision waits in the queue like any record, and with ``durability="sync"`` it
        is committed before this returns."""
        self._writable()
        entry = CallEntry(time.time_ns(), call, decision, tuple(subjects), self._queue)
        if self.durability == "sync":
            entry.taken = True
            self._write([entry.pending()])
        else:
            self._put(entry)
        return entry

    def close_call(
        self,
        entry: CallEntry,
        kind: Literal["answer", "failure"],
        body: Mapping[str, Any],
        *,
        stamp: str | None = None,
        evaluations: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Append the outcome of the call `entry` opened: its answer (with the
        evaluations of it) or its failure — joined to the decision when that is still
        queued (one ``call`` record), else as records of their own."""
        self._writable()
        ended_ns = time.time_ns()
        with self._merge_lock:
            if not entry.taken and entry.queue is self._queue:  # (not in a forked child)
                entry.outcome = (kind, ended_ns, body, stamp, tuple(evaluations))
                return
        self.append(kind, body, call=entry.call, stamp=stamp)
        for evaluation in evaluations:
            self.append("evaluation", evaluation, call=entry.call, stamp=stamp)

    def _writable(self) -> None:
        if self._failure is not None or self._closed:
            raise EvidenceUnavailable(
                f"the evidence store {self.url} cannot be written"
                f" ({self._failure or 'closed'}): the call is not made"
            )

    def _put(self, item: Pending | CallEntry) -> None:
        if self.durability == "sync":
            self._write([item if isinstance(item, Pending) else item.pending()])
            return
        if self._writer is None:
            self._start_writer()
        self._queue.put(item)
        if self._queue.qsize() > _MAX_QUEUED:
            self.flush()

    def flush(self, timeout: float = 60.0) -> None:
        """Wait until every record appended before this call is committed."""
        if self.durability == "sync" or self._writer is None:
            self._raise_if_failed()
            return
        marker = _Flush()
        self._queue.put(marker)
        self._wake.set()
        if not marker.done.wait(timeout):
            raise EvidenceUnavailable(f"the evidence store {self.url} did not commit in time")
        if marker.error is not None:
            self._raise_if_failed()

    def close(self) -> None:
        """Flush and stop the writer; the store refuses appends afterwards."""
        if self._closed:
            return
        try:
            if self._writer is not None and self._writer.is_alive():
                self.flush()
                self._queue.put(_STOP)
                self._wake.set()
                self._writer.join(10)
        finally:
            self._closed = True
            self.db.close()

    def _raise_if_failed(self) -> None:
        if self._failure is not None:
            raise EvidenceUnavailable(f"the evidence store {self.url} failed: {self._failure}")

    def _start_writer(self) -> None:
        with self._writer_lock:
            if self._writer is None:
                gather = self.settings.commit_window_ms / 1000
                thread = threading.Thread(
                    target=_writer_loop,
                    args=(weakref.ref(self), self._queue, self._wake, gather),
                    name="rai-evidence-writer", daemon=True,
                )  # fmt: skip
                thread.start()
                self._writer = thread

    def _write(self, batch: Sequence[Pending]) -> None:
        """Commit `batch`, retrying a few times; a store that still fails is marked
        failed (every later append raises)."""
        last: BaseException | None = None
        for attempt in range(3):
            try:
                self.db.write(batch, self.key)
                return
            except Exception as exc:
                last = exc
                time.sleep(0.05 * (attempt + 1))
        self._failure = f"{type(last).__name__} while writing {len(batch)} records"
        _log.error("evidence store %s failed: %s", self.url, self._failure)
        raise EvidenceUnavailable(f"the evidence store {self.url} failed: {self._failure}")

    @property
    def pseudonymizer(self) -> Pseudonymizer:
        """How principals and subjects are named in records (``RAI_PSEUDONYM_KEY``)."""
        return self._pseudonymizer or default_pseudonymizer()

    # ------------------------------------------------------------------ incidents

    def report_incident(
        self,
        stamp_id: str,
        *,
        category: str,
        severity: str,
        reporter: str,
        ticket: str | None = None,
    ) -> Incident:
        """Report an output (by its provenance stamp id) as ``wrong``, ``biased``,
        ``harmful``, ``leaking`` or ``other``, with a severity (``low`` … ``serious``).
        The incident starts the clocks the policy sets for its severity and, if the
        policy says so, puts a legal hold on the records of the calls it links to.
        `reporter` is the reporter's identifier (recorded as a pseudonym); `ticket` a
        reference in another system, never a description."""
        if not reporter:
            raise ConfigurationError("an incident needs the reporter's identifier")
        return open_incident(
            self, stamp_id, category=category, severity=severity, ticket=ticket,
            reporter=self.pseudonymizer.pseudonym("principal", reporter),
        )  # fmt: skip

    def update_incident(
        self,
        incident_id: str,
        *,
        actor: str,
        status: str | None = None,
        resolution: str | None = None,
        clock_met: str | None = None,
        ticket: str | None = None,
    ) -> Incident:
        """Move an incident on: a new status, a clock met (``inform_provider`` …), or
        resolved with a resolution (which ends its legal hold)."""
        if not actor:
            raise ConfigurationError("an incident update needs the actor's identifier")
        return update_incident(
            self, incident_id, status=status, resolution=resolution, clock_met=clock_met,
            ticket=ticket, actor=self.pseudonymizer.pseudonym("principal", actor),
        )  # fmt: skip

    def incidents(self) -> list[Incident]:
        """Every incident, as its records say it stands now."""
        self.flush()
        return fold(self.records(kinds=("incident", "incident.update")))

    def held_calls(self) -> set[str]:
        """The call ids whose records a legal hold covers."""
        return held(self.incidents())[0]

    # ------------------------------------------------------------------ erasure, retention

    def erase(self, subject_id: str) -> Erasure:
        """Erase a data subject (crypto-shredding; see `erase_subject`): refused with
        `LegalHoldActive` while an incident holds one of the subject's records."""
        if not subject_id:
            raise ConfigurationError("erase() needs the subject's identifier")
        self.flush()
        return erase_subject(self, self.db, self.pseudonymizer.pseudonym("subject", subject_id))

    def apply_retention(self, now_ns: int | None = None) -> dict[str, int]:
        """Remove the bodies of records whose retention (the policy's, per kind) ended."""
        self.flush()
        return apply_retention(self, self.db, self.settings.retention, now_ns)

    # ------------------------------------------------------------------ reading

    def by_stamp(self, stamp: str) -> list[Record]:
        """The records that carry provenance stamp id `stamp`."""
        self.flush()
        rows = self.db.fetch(
            "SELECT seq, at, kind, call, stamp, subject, body, digest, prev, hash "
            "FROM rai_evidence WHERE stamp = ? ORDER BY seq",
            (stamp,),
        )
        return [Record.of(Row._make((int(r[0]), *r[1:]))) for r in rows]

    def records(
        self, since: str | None = None, until: str | None = None, kinds: Sequence[str] = ()
    ) -> Iterator[Record]:
        """Records in chain order, at or after `since` and before `until` (RFC 3339)."""
        for row in self.db.rows(since, until, kinds):
            yield Record.of(row)

    def head(self) -> int:
        found = self.db.head()
        return found[0] if found else 0

    def verify(self, now_ns: int | None = None) -> Verification:
        """Prove the store complete and unaltered (see `verify_rows`): committed records
        only, so appends still queued in this process are flushed first."""
        if self._writer is not None and not self._closed:
            self.flush()
        with self.db.snapshot() as fetch:  # one moment: the head and the rows it covers
            return verify_rows(
                self.db.rows(fetch=fetch), self.db.head(fetch), self.key,
                removable_before=rfc3339_days_ago(RETENTION_FLOOR_DAYS, now_ns),
            )  # fmt: skip


def _writer_loop(
    ref: weakref.ref[EvidenceStore],
    q: queue.SimpleQueue[Any],
    wake: threading.Event,
    gather: float,
) -> None:
    """Take what queued, write it as one transaction, wake those who flushed."""
    while True:
        item = q.get()
        if not isinstance(item, _Flush) and item is not _STOP:
            # group commit: let a burst gather into one transaction, unless someone waits
            wake.wait(gather)
        wake.clear()  # a flush queued before this is taken below, or is the next item
        batch: list[Pending | CallEntry] = []
        markers: list[_Flush] = []
        stop = False
        while True:
            if item is _STOP:
                stop = True
            elif isinstance(item, _Flush):
                markers.append(item)
            else:
                batch.append(item)
            if len(batch) >= _BATCH:
                break
            try:
                item = q.get_nowait()
            except queue.Empty:
                break
        store = ref()
        error: BaseException | None = None
        if batch and store is not None:
            with store._merge_lock:  # from here on, an outcome is a record of its own
                for entry in batch:
                    if isinstance(entry, CallEntry):
                        entry.taken = True
            try:
                pending = [e.pending() if isinstance(e, CallEntry) else e for e in batch]
            except Exception as exc:  # a body that cannot be encoded: a defect, fail closed
                store._failure = f"{type(exc).__name__} while encoding a record"
                _log.error("evidence store %s failed: %s", store.url, store._failure)
                error = exc
            else:
                try:
                    store._write(pending)
                except Exception as exc:
                    error = exc
        del store
        for marker in markers:
            marker.error = error
            marker.done.set()
        if stop:
            return


def _close_at_exit(ref: weakref.ref[EvidenceStore]) -> None:
    store = ref()
    if store is not None:
        try:
            store.close()
        except Exception as exc:  # at exit: say so, do not hide it
            _log.error("evidence store %s: records may be lost at exit (%s)", store.url, exc)


def _reset_in_child(ref: weakref.ref[EvidenceStore]) -> None:
    """A forked child starts with an empty queue and no writer (the parent writes what
    it had queued) and opens its own connection on first use."""
    store = ref()
    if store is not None:
        store._queue = queue.SimpleQueue()
        store._wake = threading.Event()
        store._writer = None
        store._writer_lock = threading.Lock()
        store._merge_lock = threading.Lock()  # the parent's writer may have held it
        store.db.lock = threading.RLock()


_stores: dict[tuple[str, str, str], EvidenceStore] = {}
_stores_lock = threading.Lock()


def open_store(url: str, settings: EvidenceSettings | None = None) -> EvidenceStore:
    """The process's store for `url` (one connection and one writer per URL and key,
    however many `Governance` objects use it)."""
    settings = settings if settings is not None else EvidenceSettings()
    key = ChainKey.from_env()
    cache = (url, key.kid, settings.model_dump_json())
    with _stores_lock:
        store = _stores.get(cache)
        if store is None or store._closed:
            store = _stores[cache] = EvidenceStore(url, settings=settings, key=key)
        return store
