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
    text = when.astimezone(dt.UTC).isoformat(timespec="milliseconds")
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
        self.claim = claim
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
        sig = 16 + len(self.jumd_sig)
        self.offsets = (8, sig, m + sig, m + sig + s, m + sig + s)
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


def _parts(
    draft: Draft, text_bytes: bytes, length: int | None
) -> tuple[bytes, list[dict[str, Any]], tuple[bytes, ...]]:
    """The assertion store, the claim's references and the earlier manifests."""
    exclusions = [] if length is None else [{"start": len(text_bytes), "length": length}]
    binding = {
        "exclusions": exclusions,
        "alg": "sha256",
        "hash": hashlib.sha256(text_bytes).digest(),
        "pad": b"",
    }
    boxes: list[tuple[str, bytes]] = []
    actions = [dict(a) for a in draft.actions]
    if draft.ingredient is not None:  # c2pa.opened names the ingredient it opened
        ingredient = _assertion("c2pa.ingredient.v3", draft.ingredient.assertion())
        boxes.append(("c2pa.ingredient.v3", ingredient))
        ref = hashed_uri("self#jumbf=c2pa.assertions/c2pa.ingredient.v3", ingredient[8:])
        actions[0] = {**actions[0], "parameters": {"ingredients": [ref]}}
    payloads = [("c2pa.actions.v2", {"actions": actions}), ("c2pa.hash.data", binding)]
    payloads += list(draft.assertions.items())
    boxes += [(label, _assertion(label, p)) for label, p in payloads]
    created = [hashed_uri(f"self#jumbf=c2pa.assertions/{label}", b[8:]) for label, b in boxes]
    store = _jumbf.superbox(_ASSERTIONS, "c2pa.assertions", [b for _, b in boxes])
    priors = draft.ingredient.manifests if draft.ingredient is not None else ()
    return store, created, priors


def _signature_size(signer: CredentialSigner) -> int:
    return {-7: 64, -35: 96, -36: 132, -8: 64}.get(signer.alg, 512)


def prepare(
    draft: Draft,
    text_bytes: bytes,
    signer: CredentialSigner,
    length: int | None,
    sign: bool = True,
) -> Prepared:
    """Sign the claim for `text_bytes` (NFC UTF-8) with the wrapper's exclusion `length`
    (None: a sidecar or header manifest, whose binding covers the whole text). Without
    `sign`, a stand-in signature of the right size (to measure)."""
    assertion_store, created, priors = _parts(draft, text_bytes, length)
    label = f"urn:c2pa:{uuid.uuid4()}"
    claim = _claim(created, f"xmp:iid:{uuid.uuid4()}")
    layout = _Layout(label, assertion_store, claim, priors)
    protected = _cose.protected_header(signer.alg, signer.x5chain)
    if not sign:
        return Prepared(layout, protected, b"\x80" * _signature_size(signer))
    return Prepared(layout, protected, signer.sign(_cose.sig_structure(protected, claim)))


def resign(p: Prepared, signer: CredentialSigner) -> Prepared:
    """The same assertions signed again under a new instance id (another signature)."""
    old = p.layout
    claim = _claim(_cbor.loads(old.claim)["created_assertions"], f"xmp:iid:{uuid.uuid4()}")
    layout = _Layout(old.label, old.assertion_store, claim, [old.priors])
    return Prepared(layout, p.protected, signer.sign(_cose.sig_structure(p.protected, claim)))


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
    when no padding reaches it.

    The unprotected map is ``{"pad": 0*n, "pad2": 0*m, ...unprotected}`` (its keys sort
    in that order), so its size and UTF-8 cost are sums of known parts: each candidate
    is arithmetic, and only the one that fits is encoded."""
    pre, post = _cose_parts(p)
    rest = _cbor.dumps(dict(unprotected))[1:]  # the other entries, without the map head
    if any(not isinstance(k, str) or k <= "pad2" for k in unprotected):
        raise CredentialsError("size", "an unprotected header that sorts before the padding")
    key_pad, key_pad2 = _cbor.dumps("pad"), _cbor.dumps("pad2")
    fixed_len = len(pre) + len(post) + 1 + len(key_pad) + len(rest)
    fixed_cost = _wrapper.utf8_cost(pre + post + b"\xa0" + key_pad + rest)
    layout = p.layout

    def size(n: int, m: int | None) -> int:
        head = _cbor.head(2, n)
        length, cost = fixed_len + len(head) + n, fixed_cost + _wrapper.utf8_cost(head) + 3 * n
        if m is not None:
            head2 = key_pad2 + _cbor.head(2, m)
            length, cost = length + len(head2) + m, cost + _wrapper.utf8_cost(head2) + 3 * m
        return layout.cost(length, cost)

    for m in (None, 0, 23, 24):
        base = size(0, m)
        if base > target:
            continue
        estimate = (target - base) // 3
        for n in range(max(0, estimate - 4), estimate + 5):
            if size(n, m) == target:
                header = {**unprotected, "pad": bytes(n)}
                if m is not None:
                    header["pad2"] = bytes(m)
                store = layout.store(pre + _cbor.dumps(header) + post)
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
) -> tuple[bytes, str]:
    """The store of an embedded manifest (the wrapper is `_wrapper.encode(store)`) and
    its manifest label.

    The claim is signed for a target length a little above the measured one; when the
    zero padding cannot reach it exactly (one length in three), the claim is signed
    again under a new instance id (another signature, another size). `stamp` adds the
    time-stamp to the unprotected header; `reserve` is the UTF-8 room kept for it, and
    the target is then wide enough for every residue (one more time-stamp if not)."""
    width = 0x10000 if reserve else 0x100  # the exclusion's CBOR width, for measuring
    measured = probe_length(prepare(draft, text_bytes, signer, width, sign=False), {})
    target = measured + (120 if stamp is None else reserve + 850)
    p = prepare(draft, text_bytes, signer, target)
    for _ in range(32):
        header = stamp(p) if stamp is not None else {}
        store = fit(p, header, target)
        if store is not None:
            return store, p.layout.label
        if stamp is not None:
            target = probe_length(p, header) + 850
            p = prepare(draft, text_bytes, signer, target)
        else:
            p = resign(p, signer)
    raise CredentialsError("size", "no padding makes the wrapper the length it names")
