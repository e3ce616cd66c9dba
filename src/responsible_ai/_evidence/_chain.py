"""The chain: how a record is hashed and linked to the one before it, and how a whole
store is checked (`verify_rows`), as pure functions over rows.

Each record has a sequence number (1, 2, 3… with no gap), a time, a kind, its links (the
call it belongs to, the provenance stamp, the tags of its data subjects), the SHA-256
of its body (the body itself may be removed when its retention ends; its digest stays)
and two hashes: ``prev``, the hash of the record before it, and ``hash``, an HMAC-SHA256
under the store's key over all of the above. The store's head (the last sequence number
and hash) is kept with its own MAC, so that a record removed from the end is found too.

Without ``RAI_EVIDENCE_KEY`` the HMAC key is a fixed public one: the chain then proves
order and completeness against accidents, but anyone with write access could rebuild
it; with a key, rebuilding needs the key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable
from typing import NamedTuple

from .._errors import ConfigurationError

__all__ = [
    "EVIDENCE_KEY_ENV",
    "GENESIS",
    "ChainKey",
    "Row",
    "Verification",
    "verify_rows",
]

EVIDENCE_KEY_ENV = "RAI_EVIDENCE_KEY"
GENESIS = "0" * 64  # the `prev` of record 1
_PUBLIC_KEY = b"rai.evidence/1 unkeyed"


class Row(NamedTuple):
    """One record as stored."""

    seq: int
    at: str
    kind: str
    call: str | None
    stamp: str | None
    subject: str | None
    body: str | None  # canonical JSON; None once its retention removed it
    digest: str
    prev: str
    hash: str


class ChainKey:
    """The HMAC key of a store's chain: ``RAI_EVIDENCE_KEY`` (hex or base64url, at least
    16 bytes), or the public one (`keyed` False). `kid` names it without revealing it."""

    __slots__ = ("_inner", "_outer", "_raw", "keyed", "kid")

    def __init__(self, key: bytes | None) -> None:
        if key is not None and (not isinstance(key, bytes) or len(key) < 16):
            raise ConfigurationError(f"{EVIDENCE_KEY_ENV} must be at least 16 bytes")
        self.keyed = key is not None
        raw = key if key is not None else _PUBLIC_KEY
        self.kid = (
            "k:" + hashlib.sha256(b"rai.evidence.kid\0" + raw).hexdigest()[:16]
            if key is not None
            else "unkeyed"
        )
        self._raw = raw
        # HMAC-SHA256 (RFC 2104) with its two padded-key states computed once: a link
        # copies them instead of hashing the key again (the same MAC as `hmac.digest`)
        block = raw if len(raw) <= 64 else hashlib.sha256(raw).digest()
        block = block.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ChainKey:
        raw = (environ if environ is not None else os.environ).get(EVIDENCE_KEY_ENV, "").strip()
        if not raw:
            return cls(None)
        try:
            return cls(bytes.fromhex(raw))
        except ValueError:
            pass
        try:
            return cls(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        except (binascii.Error, ValueError):
            raise ConfigurationError(
                f"{EVIDENCE_KEY_ENV} is neither hex nor base64url (the value is not shown)"
            ) from None

    def link(
        self,
        seq: int,
        at: str,
        kind: str,
        call: str | None,
        stamp: str | None,
        subject: str | None,
        digest: str,
        prev: str,
    ) -> str:
        """The hash of a record: every column but the body (its digest stands for it)."""
        inner = self._inner.copy()
        inner.update(
            f"{seq}\n{at}\n{kind}\n{call or ''}\n{stamp or ''}\n{subject or ''}\n{digest}\n{prev}"
            .encode()
        )  # fmt: skip
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def head_mac(self, seq: int, digest: str) -> str:
        return hmac.digest(self._raw, f"head\n{seq}\n{digest}".encode(), "sha256").hex()


def body_digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class Verification(NamedTuple):
    """What `rai audit verify` found. `ok` is True when every record from 1 to the
    signed head is present, in order and unaltered; otherwise `seq` is the first record
    that breaks the chain and `problem` says how."""

    ok: bool
    records: int
    head: int
    keyed: bool
    removed_bodies: int = 0
    seq: int | None = None
    problem: str | None = None

    def summary(self) -> str:
        if self.ok:
            kind = "keyed" if self.keyed else "UNKEYED (set RAI_EVIDENCE_KEY)"
            return (
                f"ok: {self.records} records, 1..{self.head}, complete and unaltered "
                f"({kind} chain; {self.removed_bodies} bodies removed by retention)"
            )
        return f"BROKEN at record {self.seq}: {self.problem}"


def verify_rows(
    rows: Iterable[Row],
    head: tuple[int, str, str] | None,
    key: ChainKey,
    *,
    removable_before: str,
) -> Verification:
    """Walk `rows` (in sequence order) against `head` (seq, hash, mac). A body may be
    missing only if its record is older than `removable_before` (an RFC 3339 time: now
    less the retention floor)."""
    expected, prev, count, removed = 1, GENESIS, 0, 0

    def broken(seq: int, problem: str) -> Verification:
        return Verification(False, count, head[0] if head else 0, key.keyed, removed, seq, problem)

    bound = head[0] if head is not None else 0
    for row in rows:
        if row.seq > bound and row.seq >= expected:
            return broken(row.seq, f"record {row.seq} is after the head ({bound}): it was inserted")
        if row.seq != expected:
            if row.seq > expected:
                missing = (
                    f"record {expected} is missing"
                    if row.seq == expected + 1
                    else f"records {expected}..{row.seq - 1} are missing"
                )
                return broken(expected, f"{missing} (deleted): the next present is {row.seq}")
            return broken(row.seq, "a sequence number out of order")
        if row.prev != prev:
            return broken(
                row.seq,
                f"its link does not name record {row.seq - 1}: records were reordered, "
                "inserted or replaced here",
            )
        if key.link(row.seq, row.at, row.kind, row.call, row.stamp, row.subject, row.digest,
                    row.prev) != row.hash:  # fmt: skip
            return broken(row.seq, "its hash does not match its content: the record was edited")
        if row.body is None:
            if row.at >= removable_before:
                return broken(row.seq, "its body was removed before its retention ended")
            removed += 1
        elif body_digest(row.body) != row.digest:
            return broken(row.seq, "its body does not match its digest: the body was edited")
        prev, expected, count = row.hash, expected + 1, count + 1
    last = expected - 1
    if head is None:
        if last == 0:
            return Verification(True, 0, 0, key.keyed)
        return broken(last, "the store has records but no head")
    head_seq, head_hash, head_mac = head
    if not hmac.compare_digest(key.head_mac(head_seq, head_hash), head_mac):
        return broken(head_seq, "the head's MAC does not match: the head was changed")
    if head_seq > last:
        which = f"record {last + 1}" if head_seq == last + 1 else f"records {last + 1}..{head_seq}"
        return broken(last + 1, f"{which} missing at the end (deleted): the head is {head_seq}")
    if head_hash != prev:
        return broken(last, "the head names another last record: the end was replaced")
    return Verification(True, count, head_seq, key.keyed, removed)
