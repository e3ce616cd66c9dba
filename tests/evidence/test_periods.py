"""A period (an export, a report, retention) is read through the store's time index:
exactly the period's records, in chain order, without reading the whole store."""

from __future__ import annotations

import time

from responsible_ai._clock import clock
from responsible_ai._evidence import ChainKey, EvidenceStore
from responsible_ai._evidence._database import Pending

SECOND = 10**9


def _records(store: EvidenceStore, key: ChainKey, start: int, seconds: range) -> None:
    """One record a second from `start` (as a writer commits them, in one batch)."""
    batch = [
        Pending(clock.rfc3339(start + s * SECOND), "decision", f'{{"n":{s}}}', f"c{s}")
        for s in seconds
    ]
    store.db.write(batch, key)


class TestPeriods:
    def test_a_period_is_exactly_its_records_in_chain_order(
        self, sqlite_url: str, key: ChainKey
    ) -> None:
        """Records made in the period, and only those, come back in chain order —
        including one committed late (after records made later than it)."""
        store = EvidenceStore(sqlite_url, key=key)
        start = time.time_ns() - 10_000 * SECOND
        _records(store, key, start, range(0, 1000))
        _records(store, key, start, range(1000, 2000))
        _records(store, key, start, range(500, 501))  # committed late: seq 2001, time 500 s
        since, until = clock.rfc3339(start + 400 * SECOND), clock.rfc3339(start + 600 * SECOND)
        got = [(r.seq, r.call) for r in store.records(since, until)]
        assert got == [(s + 1, f"c{s}") for s in range(400, 600)] + [(2001, "c500")]
        assert list(store.records(clock.rfc3339(start + 5000 * SECOND))) == []
        assert list(store.records(until=clock.rfc3339(start))) == []
        assert store.verify().ok
        store.close()

    def test_a_recent_period_does_not_read_the_whole_store(
        self, sqlite_url: str, key: ChainKey
    ) -> None:
        """Exporting the last hundred of 10,000 records takes a small fraction of the
        database's work of reading them all (counted in SQLite's VM steps)."""
        store = EvidenceStore(sqlite_url, key=key)
        start = time.time_ns() - 20_000 * SECOND
        _records(store, key, start, range(10_000))
        steps = [0]

        def count() -> int:
            steps[0] += 1
            return 0  # go on

        store.db.conn().set_progress_handler(count, 1000)
        since = clock.rfc3339(start + 9_900 * SECOND)
        assert len(list(store.records(since))) == 100
        period, steps[0] = steps[0], 0
        assert len(list(store.records())) == 10_000
        whole = steps[0]
        store.db.conn().set_progress_handler(None, 0)
        assert period * 50 < whole, (period, whole)
        store.close()
