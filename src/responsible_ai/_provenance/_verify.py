"""Checking stamps: `verify` a stamp against the text it claims to describe, `verify_stamp`
alone, `verify_chain` of a review chain. Each raises `ProvenanceInvalid` naming the first
check that failed."""

from __future__ import annotations

import binascii
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._errors import ProvenanceInvalid
from ._carriers import output_text, provenance_of
from ._keys import Keyring, keyring_from_env
from ._model import Provenance, b64url_decode, sha256_text

__all__ = ["Verification", "verify", "verify_chain", "verify_output", "verify_stamp"]


@dataclass(frozen=True, slots=True)
class Verification:
    """What `verify` established."""

    provenance_id: str
    signed: bool
    alg: str
    kid: str | None
    review_status: str
    checks: tuple[str, ...]


def verify(
    text: Any,
    provenance: Provenance | None = None,
    *,
    keyring: Keyring | None = None,
    allow_unsigned: bool = False,
    chain: Sequence[Provenance] = (),
) -> Verification:
    """Check a stamp against the text it claims to describe.

    `text` is the text (or a carried output: then `provenance` may be omitted). Checks,
    in order: the stamp parses (``schema``), it is signed (``unsigned``, unless
    `allow_unsigned`), its kid is in the keyring (``unknown_kid``), the signature holds
    (``signature``), the output hash matches the text (``output_hash``) and, given the
    earlier stamps, the review chain links up (``chain``). Raises `ProvenanceInvalid`
    naming the first check that failed.
    """
    stamp = provenance if provenance is not None else provenance_of(text)
    if stamp is None:
        raise ProvenanceInvalid("schema", "no provenance stamp was given or carried")
    if isinstance(stamp, (str, bytes, Mapping)):
        stamp = Provenance.from_json(stamp)
    body = output_text(text)
    ring = keyring if keyring is not None else keyring_from_env()
    checks = ["schema"]
    if _check_signature(stamp, ring, allow_unsigned):
        checks.append("signature")
    if sha256_text(body) != stamp.output_sha256:
        raise ProvenanceInvalid("output_hash", "the text is not the text this stamp was made for")
    checks.append("output_hash")
    if chain:
        verify_chain([*chain, stamp], keyring=ring, allow_unsigned=allow_unsigned)
        checks.append("chain")
    sig = stamp.signature
    return Verification(
        stamp.id, stamp.signed, sig.alg, sig.kid, stamp.review.status, tuple(checks)
    )


def _check_signature(stamp: Provenance, ring: Keyring, allow_unsigned: bool) -> bool:
    """Raise `ProvenanceInvalid` unless the stamp's signature holds (True), or it is
    unsigned and the caller allowed that by name (False)."""
    if type(stamp) is not Provenance:  # a subclass's methods could say anything
        stamp = Provenance.model_validate(stamp.model_dump(mode="json"))
    sig = stamp.signature
    if sig.alg == "none":
        if not allow_unsigned:
            raise ProvenanceInvalid(
                "unsigned", "the stamp is not signed (no signer was configured)"
            )
        return False
    key = ring.get(sig.kid)
    if key is None:
        raise ProvenanceInvalid("unknown_kid", f"no key {sig.kid!r} in the keyring")
    if getattr(key, "alg", None) != sig.alg:
        raise ProvenanceInvalid("signature", f"key {sig.kid!r} is not an {sig.alg} key")
    try:
        value = b64url_decode(sig.value or "")
    except (binascii.Error, ValueError):
        raise ProvenanceInvalid("signature", "the signature is not canonical base64url") from None
    if not key.verify(stamp.signing_input(), value):
        raise ProvenanceInvalid("signature", "the signature does not match the stamp")
    return True


def verify_stamp(
    provenance: Provenance, *, keyring: Keyring | None = None, allow_unsigned: bool = False
) -> None:
    """Check a stamp on its own: it is signed by a key of the keyring (explicit, else
    from the environment) and the signature holds. Without the text it describes, the
    output hash cannot be checked: `verify` does that."""
    ring = keyring if keyring is not None else keyring_from_env()
    _check_signature(provenance, ring, allow_unsigned)


def verify_chain(
    stamps: Sequence[Provenance],
    *,
    keyring: Keyring | None = None,
    allow_unsigned: bool = False,
) -> None:
    """Each stamp after the first names the previous one's digest, and every stamp's
    signature holds (against `keyring`, else the environment's)."""
    ring = keyring if keyring is not None else keyring_from_env()
    for stamp in stamps:
        _check_signature(stamp, ring, allow_unsigned)
    for before, after in itertools.pairwise(stamps):
        if after.previous_sha256 != before.digest():
            raise ProvenanceInvalid(
                "chain", f"stamp {after.id} does not follow {before.id} (broken review chain)"
            )


def verify_output(
    output: Any,
    stamp: Provenance,
    keyring: Keyring | None,
    allow_unsigned: bool,
    chain: Sequence[Provenance],
) -> None:
    """`output`'s stamp verified: with its text when it carries one, else the stamp alone."""
    if isinstance(output, Provenance):
        if chain:
            verify_chain([*chain, stamp], keyring=keyring, allow_unsigned=allow_unsigned)
        else:
            verify_stamp(stamp, keyring=keyring, allow_unsigned=allow_unsigned)
    else:
        verify(output, stamp, keyring=keyring, allow_unsigned=allow_unsigned, chain=chain)
