"""The evidence store: a hash-chained, verifiable record of every decision, answer,
review, evaluation, incident and policy change, with retention and erasure.

```
_chain.py      hashing and linking records; verify_rows (pure)
_database.py   SQLite (WAL) and PostgreSQL behind one interface; appends under a lock
_store.py      EvidenceStore: append (batched or synchronous), read, verify
```
"""

from ._chain import EVIDENCE_KEY_ENV, ChainKey, Row, Verification, verify_rows
from ._store import EVIDENCE_URL_ENV, EvidenceStore, Record, open_store

__all__ = [
    "EVIDENCE_KEY_ENV",
    "EVIDENCE_URL_ENV",
    "ChainKey",
    "EvidenceStore",
    "Record",
    "Row",
    "Verification",
    "open_store",
    "verify_rows",
]
