"""Building a C2PA manifest store for a text: the assertions, the claim, its signature,
the hard binding, and the A.8 wrapper whose exact length the binding names.

```
store "c2pa"                           (the manifests of earlier versions, then this one)
  manifest "urn:c2pa:<uuid>"
    "c2pa.assertions"  c2pa.actions.v2, c2pa.hash.data, org.responsible-ai.stamp,
                       (a continuation:) c2pa.ingredient.v3, org.responsible-ai.review
    "c2pa.claim.v2"    instanceID, claim_generator_info, created_assertions, signature
    "c2pa.signature"   COSE_Sign1 over the claim (+ sigTst2, pad, pad2 unprotected)
```

The binding's exclusion names the wrapper's own UTF-8 length, which the manifest holds:
the claim is signed for a target length, then the zero padding of the COSE unprotected
header (which the signature does not cover, C2PA 10.4.2) is sized so the wrapper is
exactly that long. The sizes are computed, not tried: one signature in the common case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._errors import CredentialsError
from .._version import __version__
from . import _cbor, _cose, _jumbf, _wrapper
from ._keys import CredentialSigner

__all__ = [
    "COMPOSITE",
    "REVIEW_LABEL",
    "STAMP_LABEL",
    "TRAINED",
    "Draft",
    "Ingredient",
    "Prepared",
    "hashed_uri",
    "prepare",
    "tdate",
]

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
STAMP_LABEL = "org.responsible-ai.stamp"
REVIEW_LABEL = "org.responsible-ai.review"
GENERATOR = {"name": "responsible-ai", "version": __version__}
_STORE = _jumbf.type_uuid(b"c2pa")
_MANIFEST = _jumbf.type_uuid(b"c2ma")
_ASSERTIONS = _jumbf.type_uuid(b"c2as")
_CLAIM = _jumbf.type_uuid(b"c2cl")
_SIGNATURE = _jumbf.type_uuid(b"c2cs")
_SIG_LABEL = "c2pa.signature"


def tdate(when: dt.datetime) -> _cbor.Tagged:
    """A C2PA date-time (CBOR tag 0, RFC 3339 in UTC)."""
    text = when.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")
    return _cbor.Tagged(0, text.replace("+00:00", "Z"))


def hashed_uri(url: str, box_body: bytes) -> dict[str, Any]:
    """A C2PA hashed URI: SHA-256 over a superbox's bytes past its header (8.4.2.3)."""
    return {"url": url, "alg": "sha256", "hash": hashlib.sha256(box_body).digest()}


def _assertion(label: str, payload: Any) -> bytes:
    return _jumbf.superbox(_jumbf.CBOR, label, [_jumbf.box(b"cbor", _cbor.dumps(payload))])


@dataclass(frozen=True, slots=True)
class Ingredient:
    """The manifest a continuation builds on: its store's manifests (raw superboxes) and
    the hashed URIs to its active manifest and its claim signature."""

    manifests: tuple[bytes, ...]
    active_label: str
    active_body: bytes
    signature_body: bytes
    validation: dict[str, Any]

    def assertion(self) -> dict[str, Any]:
        base = f"self#jumbf=/c2pa/{self.active_label}"
        return {
            "relationship": "parentOf",
            "dc:format": "text/plain",
            "activeManifest": hashed_uri(base, self.active_body),
            "claimSignature": hashed_uri(f"{base}/{_SIG_LABEL}", self.signature_body),
            "validationResults": {"activeManifest": self.validation},
        }


@dataclass(frozen=True, slots=True)
class Draft:
    """What a manifest says, before the text and the key are known: the actions, our
    assertions (label → CBOR-able payload) and, for a continuation, the ingredient."""

    actions: list[dict[str, Any]]
    assertions: Mapping[str, Any] = field(default_factory=dict)
    ingredient: Ingredient | None = None


@dataclass(frozen=True, slots=True)
class Prepared:
    """A claim signed for a target wrapper length, waiting for its unprotected header."""

    layout: _Layout
    protected: bytes
    signature: bytes


class _Layout:
    """The store's bytes around the COSE signature, and the arithmetic of its size."""

    def __init__(self, label: str, assertion_store: bytes, claim: bytes, priors: Sequence[bytes]):
        self.label = label
        self.jumd_sig = _jumbf.box(b"jumd", _SIGNATURE + b"\x03" + _SIG_LABEL.encode() + b"\x00")
        self.jumd_manifest = _jumbf.box(b"jumd", _MANIFEST + b"\x03" + label.encode() + b"\x00")
        self.jumd_store = _jumbf.box(b"jumd", _STORE + b"\x03c2pa\x00")
        self.assertion_store = assertion_store
        self.claim_box = _jumbf.superbox(_CLAIM, "c2pa.claim.v2", [_jumbf.box(b"cbor", claim)])
        self.priors = b"".join(priors)
        fixed = (
            self.jumd_sig
            + self.jumd_manifest
            + self.jumd_store
            + self.assertion_store
            + self.claim_box
            + self.priors
        )
        # the five lengths that grow with the COSE bytes: cbor box, signature superbox,
        # manifest superbox, store superbox, and the wrapper's manifestLength
        m = 8 + len(self.jumd_manifest) + len(self.assertion_store) + len(self.claim_box)
        s = 8 + len(self.jumd_store) + len(self.priors)
        self.offsets = (8, 16 + len(self.jumd_sig), m + 16 + len(self.jumd_sig))
        self.offsets = (*self.offsets, self.offsets[2] + s, self.offsets[2] + s)
        # the marker, magic and version, the fixed boxes, and the four box types around
        # the signature (cbor, jumb, jumb, jumb)
        self.fixed_cost = 3 + _wrapper.utf8_cost(_wrapper.MAGIC + b"\x01" + fixed + b"cbor" * 4)

    def store(self, cose: bytes) -> bytes:
        sig = _jumbf.box(b"jumb", self.jumd_sig + _jumbf.box(b"cbor", cose))
        manifest = _jumbf.box(
            b"jumb", self.jumd_manifest + self.assertion_store + self.claim_box + sig
        )
        return _jumbf.box(b"jumb", self.jumd_store + self.priors + manifest)

    def cost(self, cose_len: int, cose_cost: int) -> int:
        """The wrapper's UTF-8 length for COSE bytes of this length and UTF-8 cost."""
        lengths = b"".join((o + cose_len).to_bytes(4, "big") for o in self.offsets)
        return self.fixed_cost + cose_cost + _wrapper.utf8_cost(lengths)


def _claim(created: list[dict[str, Any]], instance: str) -> bytes:
    return _cbor.dumps(
        {
            "instanceID": instance,
            "claim_generator_info": GENERATOR,
            "created_assertions": created,
            "signature": f"self#jumbf={_SIG_LABEL}",
            "alg": "sha256",
        }
    )


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def prepare(
    draft: Draft,
    text_bytes: bytes,
    signer: CredentialSigner,
    length: int | None,
) -> Prepared:
    """Sign the claim for `text_bytes` (NFC UTF-8) with the wrapper's exclusion `length`
    (None: a sidecar or header manifest, whose binding covers the whole text)."""
    exclusions = [] if length is None else [{"start": len(text_bytes), "length": length}]
    binding = {
        "exclusions": exclusions,
        "alg": "sha256",
        "hash": hashlib.sha256(text_bytes).digest(),
        "pad": b"",
    }
    payloads: list[tuple[str, Any]] = []
    if draft.ingredient is not None:
        payloads.append(("c2pa.ingredient.v3", draft.ingredient.assertion()))
    boxes: list[tuple[str, bytes]] = [(label, _assertion(label, p)) for label, p in payloads]
    actions = [dict(a) for a in draft.actions]
    if draft.ingredient is not None:  # c2pa.opened names the ingredient it opened
        ref = hashed_uri("self#jumbf=c2pa.assertions/c2pa.ingredient.v3", boxes[0][1][8:])
        actions[0].setdefault("parameters", {})["ingredients"] = [ref]
    payloads = [("c2pa.actions.v2", {"actions": actions}), ("c2pa.hash.data", binding)]
    payloads += list(draft.assertions.items())
    boxes += [(label, _assertion(label, p)) for label, p in payloads]
    created = [hashed_uri(f"self#jumbf=c2pa.assertions/{label}", b[8:]) for label, b in boxes]
    assertion_store = _jumbf.superbox(_ASSERTIONS, "c2pa.assertions", [b for _, b in boxes])
    label = f"urn:c2pa:{uuid.uuid4()}"
    claim = _claim(created, f"xmp:iid:{uuid.uuid4()}")
    priors = draft.ingredient.manifests if draft.ingredient is not None else ()
    # the assertion store's children are the assertion superboxes (header included)
    layout = _Layout(label, assertion_store, claim, priors)
    protected = _cose.protected_header(signer.alg, signer.x5chain)
    signature = signer.sign(_cose.sig_structure(protected, claim))
    return Prepared(layout, protected, signature)


def _cose_parts(p: Prepared) -> tuple[bytes, bytes]:
    pre = b"\xd2\x84" + _cbor.dumps(p.protected)
    post = b"\xf6" + _cbor.dumps(p.signature)
    return pre, post


def finish(p: Prepared, unprotected: Mapping[str, Any]) -> bytes:
    """The store, with `unprotected` as the COSE unprotected header (a sidecar)."""
    pre, post = _cose_parts(p)
    return p.layout.store(pre + _cbor.dumps({**unprotected, "pad": b""}) + post)


def fit(p: Prepared, unprotected: Mapping[str, Any], target: int) -> bytes | None:
    """The store whose wrapper is exactly `target` UTF-8 bytes, with `unprotected` and
    zero padding (``pad`` and, when one field cannot reach the length, ``pad2``); None
    when no padding reaches it."""
    pre, post = _cose_parts(p)
    const_len = len(pre) + len(post)
    const_cost = _wrapper.utf8_cost(pre + post)
    layout = p.layout

    def size(n: int, m: int | None) -> tuple[int, bytes]:
        header = {**unprotected, "pad": bytes(n)}
        if m is not None:
            header["pad2"] = bytes(m)
        raw = _cbor.dumps(header)
        return layout.cost(const_len + len(raw), const_cost + _wrapper.utf8_cost(raw)), raw

    for m in (None, 0, 24, 25):
        base, _ = size(0, m)
        if base > target:
            continue
        estimate = (target - base) // 3
        for n in range(max(0, estimate - 6), estimate + 7):
            total, raw = size(n, m)
            if total == target:
                store = layout.store(pre + raw + post)
                head = _wrapper.MAGIC + b"\x01" + len(store).to_bytes(4, "big")
                if 3 + _wrapper.utf8_cost(head + store) != target:
                    raise CredentialsError("size", "the wrapper length arithmetic disagrees")
                return store
    return None


def probe_length(p: Prepared, unprotected: Mapping[str, Any]) -> int:
    """The wrapper's UTF-8 length with `unprotected` and no padding."""
    pre, post = _cose_parts(p)
    raw = _cbor.dumps({**unprotected, "pad": b""})
    return p.layout.cost(len(pre) + len(raw) + len(post), _wrapper.utf8_cost(pre + raw + post))


def embed(
    draft: Draft,
    text_bytes: bytes,
    signer: CredentialSigner,
    stamp: Callable[[Prepared], Mapping[str, Any]] | None = None,
    reserve: int = 0,
) -> bytes:
    """The store of an embedded manifest (the wrapper is `_wrapper.encode(store)`).

    `stamp` adds the unprotected header of a signed claim (the time-stamp); `reserve` is
    the UTF-8 room kept for it. Without a time-stamp, a claim whose padding cannot reach
    its target is signed again for the next target (as c2patxt searches); with one, the
    room is wide enough for every residue and one more attempt is made if it was not."""
    probe = prepare(draft, text_bytes, signer, 0x10000 if reserve else 0x100)
    slack = 48 if stamp is None else reserve + 900
    target = probe_length(probe, {}) + slack
    for _ in range(24):
        p = prepare(draft, text_bytes, signer, target)
        header = stamp(p) if stamp is not None else {}
        store = fit(p, header, target)
        if store is not None:
            return store
        if stamp is not None:
            target = probe_length(p, header) + 900
        else:
            target += 1
    raise CredentialsError("size", "no padding makes the wrapper the length it names")
