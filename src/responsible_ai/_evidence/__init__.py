"""The evidence store: a hash-chained, verifiable record of every decision, answer,
review, evaluation, incident and policy change, with retention and erasure.

```
_chain.py      hashing and linking records; verify_rows (pure)
_database.py   SQLite (WAL) and PostgreSQL behind one interface; appends under a lock
_records.py    Record (a record read back), times
_incidents.py  incidents, their clocks and legal holds, as records
_lifecycle.py  retention (bodies removed, chain kept) and erasure (crypto-shredding)
_store.py      EvidenceStore: append (batched or synchronous), read, verify, and the above
_facts.py      the records that are not a call's: policy in force, human reviews
_export.py     JSON lines and OTLP logs of a time range
_report.py     the compliance report: figures (JSON) and a self-contained HTML page
```
"""

from ._chain import EVIDENCE_KEY_ENV, ChainKey, Row, Verification, verify_rows
from ._export import jsonl, otlp_logs, post_otlp
from ._facts import announce_policy, record_review
from ._incidents import CATEGORIES, RESOLUTIONS, STATUSES, ClockState, Incident
from ._lifecycle import Erasure
from ._records import Record, parse_rfc3339
from ._report import compile_report, render_html
from ._store import EVIDENCE_URL_ENV, CallEntry, EvidenceStore, open_store

__all__ = [
    "CATEGORIES",
    "EVIDENCE_KEY_ENV",
    "EVIDENCE_URL_ENV",
    "RESOLUTIONS",
    "STATUSES",
    "CallEntry",
    "ChainKey",
    "ClockState",
    "Erasure",
    "EvidenceStore",
    "Incident",
    "Record",
    "Row",
    "Verification",
    "announce_policy",
    "compile_report",
    "jsonl",
    "open_store",
    "otlp_logs",
    "parse_rfc3339",
    "post_otlp",
    "record_review",
    "render_html",
    "verify_rows",
]
