"""A governed call's decision and outcome: one ``call`` record when the call ends before
the writer takes its decision, two records (decision, then outcome) when it does not,
and always two with ``durability="sync"`` — never a lost or doubled part, whatever the
race between the calling threads and the writer; the readers (report, retention,
incidents) see the same parts either way."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai._evidence import (
    ChainKey,
    EvidenceStore,
    Verification,
    compile_report,
)
from responsible_ai._policy import EvidenceSettings
from responsible_ai._pseudonym import Pseudonymizer
from responsible_ai.testing import FakeModelServer

DECISION = {"outcome": "allowed", "rule": "r", "use_case": "u", "provider": "p", "model": "m",
            "data_class": "internal"}  # fmt: skip
ANSWER = {"served_model": "m-1", "provider": "p", "input_tokens": 3, "output_tokens": 5,
          "output_pii": {}, "requires_review": False, "use_case": "u"}  # fmt: skip
EVALUATION = {"name": "bias", "score": 0.1, "label": "pass", "error": None, "use_case": "u"}
MK = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}


def _store(url: str, key: ChainKey, *, window_ms: int = 20, **kw: Any) -> EvidenceStore:
    return EvidenceStore(
        url, key=key, settings=EvidenceSettings(commit_window_ms=window_ms),
        pseudonymizer=Pseudonymizer(b"k" * 32), **kw,
    )  # fmt: skip


def _parts(store: EvidenceStore) -> list[tuple[str, str | None, dict[str, Any]]]:
    return [(k, r.call, b) for r in store.records() for k, b, _ in r.parts()]


class TestOneRecordOrTwo:
    def test_a_call_that_ends_within_the_window_is_one_record(
        self, sqlite_url: str, key: ChainKey
    ) -> None:
        """Decision, answer and evaluations in one ``call`` record: its subject tag, its
        stamp, its parts the same bodies as records of their own; the chain verifies."""
        store = _store(sqlite_url, key, window_ms=400)
        entry = store.open_call(DECISION, call="c1", subjects=("s-1",))
        store.close_call(entry, "answer", ANSWER, stamp="st-1", evaluations=[EVALUATION])
        store.flush()
        (record,) = store.records()
        assert record.kind == "call" and record.call == "c1" and record.stamp == "st-1"
        assert record.subject is not None and record.subject.startswith("s:")
        assert [(k, b) for k, b, _ in record.parts()] == [
            ("decision", DECISION), ("answer", ANSWER), ("evaluation", EVALUATION),
        ]  # fmt: skip
        assert store.verify().ok
        store.close()

    def test_a_call_still_running_when_its_decision_is_committed_is_two(
        self, sqlite_url: str, key: ChainKey
    ) -> None:
        """The writer took the decision (here: a flush) before the call ended: the
        decision is a record, its outcome and evaluations records after it."""
        store = _store(sqlite_url, key)
        entry = store.open_call(DECISION, call="c1")
        store.flush()
        assert [r.kind for r in store.records()] == ["decision"]  # committed before the end
        store.close_call(entry, "answer", ANSWER, stamp="st-1", evaluations=[EVALUATION])
        failing = store.open_call(DECISION, call="c2")
        store.flush()
        store.close_call(failing, "failure", {"error": "ProviderTimeout"})
        store.flush()
        assert [(r.kind, r.call) for r in store.records()] == [
            ("decision", "c1"), ("answer", "c1"), ("evaluation", "c1"),
            ("decision", "c2"), ("failure", "c2"),
        ]  # fmt: skip
        assert store.verify().ok
        store.close()

    def test_sync_commits_the_decision_before_the_call_is_made(
        self,
        server: FakeModelServer,
        policy: rai.Policy,
        sqlite_url: str,
        key: ChainKey,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """With ``durability="sync"`` the decision is on disk when the provider is asked
        (read from another connection meanwhile), and the answer follows it."""
        store = _store(sqlite_url, key, durability="sync")
        reader = EvidenceStore(sqlite_url, key=key)
        seen: list[list[str]] = []
        record = server._record

        def asked(request: Any) -> None:  # the provider receives the request: look now
            seen.append([r.kind for r in reader.records()])
            record(request)

        monkeypatch.setattr(server, "_record", asked)
        with rai.Guard(rai.Governance(policy, evidence=store)) as guard:
            guard.chat("hello", **MK)
        assert seen == [["policy", "decision"]]
        assert [r.kind for r in reader.records()] == ["policy", "decision", "answer"]
        reader.close()
        store.close()

    def test_a_failed_call_within_the_window_is_one_record(
        self, sqlite_url: str, key: ChainKey
    ) -> None:
        """A failure within the window joins its decision as well."""
        store = _store(sqlite_url, key, window_ms=400)
        entry = store.open_call(DECISION, call="c1")
        store.close_call(entry, "failure", {"error": "ProviderTimeout"})
        store.flush()
        (record,) = store.records()
        assert record.kind == "call"
        assert [k for k, _, _ in record.parts()] == ["decision", "failure"]
        store.close()


def test_no_part_is_lost_or_doubled_in_the_race_with_the_writer(
    sqlite_url: str, key: ChainKey
) -> None:
    """8 threads open and close 300 calls each, with pauses that land their outcomes on
    both sides of the writer's take (window 1 ms): every call has exactly one decision
    and one answer, the decision first; both shapes occur; the chain verifies."""
    store = _store(sqlite_url, key, window_ms=1)

    def worker(n: int) -> None:
        for i in range(300):
            entry = store.open_call({**DECISION, "n": i}, call=f"t{n}-{i}")
            if i % 3:
                time.sleep(0.0005 * (i % 5))
            store.close_call(entry, "answer", {**ANSWER, "n": i}, stamp=f"st-{n}-{i}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.flush()
    seen: dict[str, list[str]] = {}
    for kind, call, _ in _parts(store):
        assert call is not None
        seen.setdefault(call, []).append(kind)
    assert len(seen) == 2400 and all(kinds == ["decision", "answer"] for kinds in seen.values())
    shapes = {r.kind for r in store.records()}
    assert shapes == {"call", "decision", "answer"}, shapes
    assert store.verify().ok
    store.close()


def test_readers_see_the_same_parts_in_either_shape(
    tmp_path: Any, key: ChainKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's figures are the same for a store of ``call`` records and one of
    separate records; a ``call`` record keeps its body as long as the longest
    retention of its parts."""
    reports = []
    for shape, window in (("merged", 400), ("separate", 20)):
        store = _store(f"sqlite:///{tmp_path / shape}.db", key, window_ms=window)
        for i in range(3):
            entry = store.open_call({**DECISION, "redactions": {"EMAIL_ADDRESS": 1}},
                                    call=f"c{i}")  # fmt: skip
            if shape == "separate":
                store.flush()
            store.close_call(entry, "answer", ANSWER, stamp=f"s{i}", evaluations=[EVALUATION])
        store.flush()
        kinds = {r.kind for r in store.records()}
        assert kinds == ({"call"} if shape == "merged" else {"decision", "answer", "evaluation"})
        figures = compile_report(
            store.records(), [], Verification(True, 0, 0, True), store="x",
            since="2000-01-01", until="2999-01-01",
        )  # fmt: skip
        reports.append({k: v for k, v in figures.items() if k not in ("generated_at",)})
        store.close()
    merged, separate = reports
    assert merged["calls"] == separate["calls"] and merged["calls"]["answered"] == 3
    assert merged["evaluations"] == separate["evaluations"]
    assert merged["redactions_by_type"] == separate["redactions_by_type"] == {"EMAIL_ADDRESS": 3}
    retention = EvidenceSettings.model_validate(
        {"retention": {"decision": 190, "answer": 400, "evaluation": 200}}
    ).retention
    assert retention.days("call") == 400 and retention.days("decision") == 190


def test_a_call_closed_in_a_forked_child_keeps_both_parts(sqlite_url: str, key: ChainKey) -> None:
    """A process forked while a call's decision waits in the parent's queue: the parent
    writes the decision, the child's outcome is a record of its own (not joined to the
    child's copy of an entry no writer will take)."""
    import os

    store = _store(sqlite_url, key, window_ms=300)
    entry = store.open_call(DECISION, call="c1")
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            store.close_call(entry, "answer", ANSWER, stamp="st-1")
            store.flush()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    store.flush()
    assert sorted(k for k, _, _ in _parts(store)) == ["answer", "decision"]
    assert store.verify().ok
    store.close()


def test_the_commit_window_is_the_policys(
    make_policy: Any, server: FakeModelServer, tmp_path: Any
) -> None:
    """``[evidence] commit_window_ms`` sets how long appends gather (what a process
    killed hard can lose); outside 1..1000 ms it is a policy error."""
    policy = make_policy(server.base_url, evidence={"commit_window_ms": 250})
    assert policy.evidence.commit_window_ms == 250
    governance = rai.Governance(policy, evidence=f"sqlite:///{tmp_path / 'w.db'}")
    assert governance.evidence is not None
    assert governance.evidence.settings.commit_window_ms == 250
    for wrong in (0, 5000, "20"):
        with pytest.raises(rai.PolicyError, match="commit_window_ms"):
            make_policy(server.base_url, evidence={"commit_window_ms": wrong})


def test_a_flush_does_not_wait_for_the_window(sqlite_url: str, key: ChainKey) -> None:
    """The window is how long appends gather by themselves: a flush (a reader, an
    erasure, the process's exit) commits what is queued at once."""
    import time

    store = _store(sqlite_url, key, window_ms=1000)
    store.append("decision", DECISION, call="c1")
    started = time.monotonic()
    store.flush()
    assert time.monotonic() - started < 0.5
    assert [r.call for r in store.records()] == ["c1"]
    store.close()


def test_call_records_in_postgres(pg_db: str, key: ChainKey) -> None:
    """The same in PostgreSQL: a joined ``call`` record, then a decision and its answer
    apart; more than 64 records in one commit; the chain verifies."""
    store = _store(pg_db, key, window_ms=400)
    entry = store.open_call(DECISION, call="c1", subjects=("s-1",))
    store.close_call(entry, "answer", ANSWER, stamp="st-1", evaluations=[EVALUATION])
    store.flush()
    late = store.open_call(DECISION, call="c2")
    store.flush()
    store.close_call(late, "answer", ANSWER, stamp="st-2")
    for i in range(100):
        store.append("review", {"n": i})
    store.flush()
    kinds = [r.kind for r in store.records()]
    assert kinds[:3] == ["call", "decision", "answer"] and len(kinds) == 103
    assert store.verify().ok
    store.close()
