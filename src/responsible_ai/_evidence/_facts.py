"""The records that are not a call's: a policy coming into force, a person's review."""

from __future__ import annotations

import threading
from typing import Any

import orjson

from ._database import RARE
from ._store import EvidenceStore

__all__ = ["announce_policy", "record_review"]

_announced: dict[int, set[str]] = {}
_lock = threading.Lock()


def announce_policy(store: EvidenceStore, policy_id: str, version: str, sha256: str) -> None:
    """Record that this process governs with this policy (once per store and policy
    hash); `changed` says whether it differs from the last policy the store recorded,
    and `previous_sha256` which one that was."""
    with _lock:
        seen = _announced.setdefault(id(store), set())
        if sha256 in seen:
            return
        seen.add(sha256)
    store.flush()  # the last policy may still wait in the commit window: rare, once per policy
    last = store.db.fetch(
        f"SELECT body FROM rai_evidence WHERE {RARE} AND kind = 'policy' AND body IS NOT NULL "
        "ORDER BY seq DESC LIMIT 1"
    )
    previous = orjson.loads(last[0][0]).get("policy_sha256") if last else None
    store.append(
        "policy",
        {
            "policy_id": policy_id, "policy_version": version, "policy_sha256": sha256,
            "previous_sha256": previous, "changed": previous is not None and previous != sha256,
        },
    )  # fmt: skip


def record_review(store: EvidenceStore, stamp: Any, previous_id: str, reviewer: str) -> None:
    """A person's review (or override) of an output: who (a pseudonym), when, what they
    decided, and which stamp it judged."""
    review = stamp.review
    store.append(
        "review",
        {
            "decision": review.status,
            "reviewer": store.pseudonymizer.pseudonym("principal", reviewer),
            "reviewed_at": review.at, "previous_id": previous_id,
            "use_case": stamp.use_case, "policy_id": stamp.policy.id,
            "policy_version": stamp.policy.version, "signed": stamp.signed,
            "output_sha256": stamp.output_sha256,
        },
        stamp=stamp.id,
    )  # fmt: skip
