"""What each writer process of the concurrency tests runs (importable by a spawned child)."""

from __future__ import annotations

import threading

from responsible_ai._evidence import ChainKey, EvidenceStore


def append_many(url: str, key_hex: str, process: int, threads: int, per_thread: int) -> None:
    """`threads` threads of one process each append `per_thread` records, then flush."""
    store = EvidenceStore(url, key=ChainKey(bytes.fromhex(key_hex)))
    start = threading.Barrier(threads)

    def work(thread: int) -> None:
        start.wait()
        for i in range(per_thread):
            store.append(
                "decision",
                {"outcome": "allowed", "rule": "concurrency", "writer": f"{process}/{thread}",
                 "n": i},
                call=f"{process}-{thread}-{i}",
            )  # fmt: skip

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    store.close()
