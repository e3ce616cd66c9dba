"""COSE_Sign1 as C2PA 2.4 (13.2) narrows it: detached payload (the claim), ``alg`` (1)
and ``x5chain`` (33) in the protected header, no external data; the unprotected header
holds the time-stamp (``sigTst2``) and the zero padding (``pad``, ``pad2``) that lets a
text wrapper be exactly the length its hard binding names.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from . import _cbor

__all__ = [
    "Sign1",
    "countersign_data",
    "parse",
    "protected_header",
    "serialize",
    "sig_structure",
]

ALG, CRIT, X5CHAIN = 1, 2, 33
_SIGNATURE1 = b"\x84\x6aSignature1"  # an array of 4, then the 10-character context


def protected_header(alg: int, x5chain: tuple[bytes, ...]) -> bytes:
    chain: Any = x5chain[0] if len(x5chain) == 1 else list(x5chain)
    return _cbor.dumps({ALG: alg, X5CHAIN: chain})


def sig_structure(protected: bytes, claim: bytes) -> bytes:
    """The bytes a claim signature covers (RFC 9052 4.4, empty external data): the CBOR
    of ``["Signature1", protected, b"", claim]``, written out."""
    return b"".join(
        (
            _SIGNATURE1,
            _cbor.head(2, len(protected)),
            protected,
            b"\x40",
            _cbor.head(2, len(claim)),
            claim,
        )
    )


def countersign_data(protected: bytes, signature: bytes) -> bytes:
    """What a v2 time-stamp (``sigTst2``) covers: the COSE countersignature structure over
    the signature (as c2pa-rs builds it); its SHA-256 is the message imprint."""
    return _cbor.dumps(["CounterSignature", protected, b"", _cbor.dumps(signature)])


def serialize(protected: bytes, unprotected: dict[str, Any], signature: bytes) -> bytes:
    return _cbor.dumps(_cbor.Tagged(18, [protected, unprotected, None, signature]))


class Sign1(NamedTuple):
    """A parsed claim signature."""

    protected: bytes
    alg: int
    x5chain: tuple[bytes, ...]
    unprotected: dict[Any, Any]
    signature: bytes


def parse(data: bytes) -> Sign1:
    """Parse a claim signature (raises `ValueError` naming what is wrong)."""
    value = _cbor.loads(data)
    if isinstance(value, _cbor.Tagged):
        if value.tag != 18:
            raise ValueError("the claim signature is not a COSE_Sign1")
        value = value.value
    if not isinstance(value, list) or len(value) != 4:
        raise ValueError("the claim signature is not a COSE_Sign1")
    protected, unprotected, payload, signature = value
    if not isinstance(protected, bytes) or not isinstance(unprotected, dict):
        raise ValueError("the COSE headers are malformed")
    if payload is not None or not isinstance(signature, bytes):
        raise ValueError("the COSE payload is not detached")
    header = _cbor.loads(protected) if protected else {}
    if not isinstance(header, dict):
        raise ValueError("the COSE protected header is not a map")
    alg = header.get(ALG)
    if not isinstance(alg, int) or isinstance(alg, bool):
        raise ValueError("the COSE protected header names no algorithm")
    if CRIT in header or CRIT in unprotected:
        raise ValueError("the COSE header has critical parameters this verifier does not know")
    chain = _chain(header, unprotected)
    return Sign1(protected, alg, chain, unprotected, signature)


def _chain(header: dict[Any, Any], unprotected: dict[Any, Any]) -> tuple[bytes, ...]:
    for label in (X5CHAIN, "x5chain"):
        found = [h[label] for h in (header, unprotected) if label in h]
        if len(found) > 1:
            raise ValueError("two certificate chains in the COSE headers")
        if found:
            raw = found[0]
            if isinstance(raw, bytes):
                return (raw,)
            if isinstance(raw, list) and raw and all(isinstance(c, bytes) for c in raw):
                return tuple(raw)
            raise ValueError("the COSE certificate chain is malformed")
    raise ValueError("the COSE headers carry no certificate chain")
