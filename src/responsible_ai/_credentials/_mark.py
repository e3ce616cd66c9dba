"""Marking a text: `Credentials` (the signer, the time-stamp authority, the carrier) makes
a `Marked` text — the visible text (NFC) and its manifest store, carried embedded
(A.8), as a sidecar (``.c2pa`` bytes) or in an HTTP header — and continues the chain
when a person reviews or edits it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from cryptography import x509

from .._errors import ConfigurationError, CredentialsError
from . import _cose, _jumbf, _manifest, _wrapper
from ._keys import CredentialSigner, load_certificates
from ._labels import Label
from ._manifest import COMPOSITE, GENERATOR, REVIEW_LABEL, STAMP_LABEL, TRAINED, Draft, tdate
from ._verify import Verdict, parse_store, verify_store, verify_text

__all__ = [
    "HEADER",
    "TSA_TRUST_ENV",
    "Carrier",
    "Credentials",
    "Marked",
    "ReviewKind",
    "manifest_of_header",
]

Carrier = Literal["embedded", "sidecar", "header"]
ReviewKind = Literal["human-review", "editorial-control"]
HEADER = "C2PA-Manifest"
TSA_TRUST_ENV = "RAI_C2PA_TSA_TRUST"
_MAX_HEADER = 48 * 1024


@dataclass(frozen=True, slots=True)
class Marked:
    """A marked text. `text` is what to publish: the visible text with the manifest after
    it (embedded), or the visible text alone (sidecar, header: publish `store` beside it
    or send `headers`). `visible` is the NFC visible text."""

    text: str
    visible: str
    store: bytes
    carrier: Carrier
    manifest: str
    label: Label | None = None
    """A visible label to show before the text (when the policy asks for one)."""

    def labelled(self, label: Label | None) -> Marked:
        return replace(self, label=label)

    @property
    def headers(self) -> dict[str, str]:
        """The HTTP header carrying the store (base64, RFC 4648), for the header carrier."""
        return {HEADER: base64.b64encode(self.store).decode("ascii")}

    def __str__(self) -> str:
        return self.text


def manifest_of_header(value: str) -> bytes:
    """The store of a ``C2PA-Manifest`` header value (raises `ValueError`)."""
    if len(value) > _MAX_HEADER * 2:
        raise ValueError("the C2PA-Manifest header is too large")
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the C2PA-Manifest header is not base64") from None


def _anchors_from(path: str | os.PathLike[str] | None) -> tuple[x509.Certificate, ...]:
    if path is None:
        return ()
    try:
        return tuple(load_certificates(Path(path).read_bytes()))
    except OSError:
        raise ConfigurationError("cannot read the time-stamp authority's trust anchors") from None


class Credentials:
    """Makes Content Credentials with one signer. `tsa_url` adds an RFC 3161 time-stamp
    (verified before it is used, against the `tsa_trust` anchors or those of
    ``RAI_C2PA_TSA_TRUST``); `carrier` is the default carrier."""

    def __init__(
        self,
        signer: CredentialSigner,
        *,
        tsa_url: str | None = None,
        tsa_trust: tuple[x509.Certificate, ...] | None = None,
        carrier: Carrier = "embedded",
    ) -> None:
        self.signer = signer
        self.tsa_url = tsa_url
        self.tsa_trust = (
            tsa_trust if tsa_trust is not None else _anchors_from(os.environ.get(TSA_TRUST_ENV))
        )
        if tsa_url is not None and not self.tsa_trust:
            raise ConfigurationError(
                f"a time-stamp authority needs its trust anchors (tsa_trust= or {TSA_TRUST_ENV}): "
                "its answers are verified before they are used"
            )
        self.carrier: Carrier = carrier
        self._token_room = 0  # the UTF-8 room the last token took (learned per service)

    # ------------------------------------------------------------------ making

    def _stamp(self, prepared: _manifest.Prepared) -> dict[str, Any]:
        from ._timestamp import request

        assert self.tsa_url is not None
        message = _cose.countersign_data(prepared.protected, prepared.signature)
        stamped = request(self.tsa_url, message, self.tsa_trust)
        self._token_room = max(self._token_room, _wrapper.utf8_cost(stamped.token) + 96)
        return {"sigTst2": {"tstTokens": [{"val": stamped.token}]}}

    def _store(self, draft: Draft, visible: bytes, carrier: Carrier) -> tuple[bytes, str]:
        if carrier == "embedded":
            if self.tsa_url is None:
                return _manifest.embed(draft, visible, self.signer)
            if not self._token_room:  # learn the size of this TSA's tokens once
                self._stamp(_manifest.prepare(draft, visible, self.signer, 0x10000))
            return _manifest.embed(draft, visible, self.signer, self._stamp, self._token_room)
        prepared = _manifest.prepare(draft, visible, self.signer, None)
        header = self._stamp(prepared) if self.tsa_url is not None else {}
        return _manifest.finish(prepared, header), prepared.layout.label

    def _marked(self, visible: str, draft: Draft, carrier: Carrier | None) -> Marked:
        chosen = carrier or self.carrier
        if chosen not in ("embedded", "sidecar", "header"):
            raise ConfigurationError(f"unknown carrier {chosen!r}")
        if _wrapper.find(visible):
            raise CredentialsError("sign", "the text already carries Content Credentials")
        store, label = self._store(draft, visible.encode("utf-8"), chosen)
        text = visible + _wrapper.encode(store) if chosen == "embedded" else visible
        return Marked(text, visible, store, chosen, label)

    def mark(
        self,
        text: str,
        facts: Mapping[str, Any] | None = None,
        *,
        carrier: Carrier | None = None,
        when: dt.datetime | None = None,
    ) -> Marked:
        """Mark `text` as made by an AI: ``c2pa.created`` with digitalSourceType
        trainedAlgorithmicMedia, the hard binding over its NFC form, and `facts` (our
        stamp's facts: hashes, counts and names, never a prompt) as an assertion."""
        visible = _manifest.nfc(text)
        created = {
            "action": "c2pa.created",
            "digitalSourceType": TRAINED,
            "softwareAgent": GENERATOR,
            "when": tdate(when or dt.datetime.now(dt.UTC)),
        }
        assertions = {STAMP_LABEL: dict(facts)} if facts else {}
        return self._marked(visible, Draft([created], assertions), carrier)

    def review(
        self,
        marked: Marked | str,
        *,
        responsible: str,
        kind: ReviewKind = "editorial-control",
        edited: str | None = None,
        reviewer: str | None = None,
        store: bytes | None = None,
        carrier: Carrier | None = None,
        when: dt.datetime | None = None,
    ) -> Marked:
        """Continue the chain after a person's review: a new manifest whose ingredient is
        the one before (which must verify), recording who holds editorial responsibility
        (`responsible`, a natural or legal person) and the kind of review. With `edited`
        (the text as the person left it) the action is ``c2pa.edited`` with
        digitalSourceType compositeWithTrainedAlgorithmicMedia; without, the approval of
        the text as it is."""
        if not responsible.strip():
            raise ConfigurationError("a review names who holds editorial responsibility")
        if kind not in ("human-review", "editorial-control"):
            raise ConfigurationError(f"unknown review kind {kind!r}")
        if isinstance(marked, Marked):
            text, store = marked.visible, marked.store
            verdict = self.verify(marked)
        elif store is not None:
            text, verdict = marked, verify_store(store, marked)
        else:
            text = marked
            verdict = verify_text(marked)
            store = _wrapper.find(marked)[0].store if verdict.state != "UNMARKED" else None
            text = _wrapper.strip(marked)
        if verdict.state not in ("VALID", "TRUSTED") or store is None:
            raise CredentialsError("review", f"the reviewed text's credentials are {verdict.state}")
        manifests = parse_store(store)
        previous = manifests[-1]
        ingredient = _manifest.Ingredient(
            manifests=tuple(_jumbf.box(b"jumb", m.body) for m in manifests),
            active_label=previous.label,
            active_body=previous.body,
            signature_body=previous.signature_body,
            validation={
                "success": [{"code": "claimSignature.validated"}],
                "informational": [],
                "failure": [],
            },
        )
        moment = tdate(when or dt.datetime.now(dt.UTC))
        actions: list[dict[str, Any]] = [{"action": "c2pa.opened", "when": moment}]
        status = "approved"
        visible = _manifest.nfc(text)
        if edited is not None and _manifest.nfc(edited) != visible:
            status = "edited"
            actions.append(
                {
                    "action": "c2pa.edited",
                    "digitalSourceType": COMPOSITE,
                    "softwareAgent": GENERATOR,
                    "description": "edited by a person",
                    "when": moment,
                }
            )
            visible = _manifest.nfc(edited)
        review = {
            "status": status,
            "kind": kind,
            "editorial_responsibility": responsible,
            "when": moment,
            "previous_text_sha256": hashlib.sha256(_manifest.nfc(text).encode()).hexdigest(),
        }
        if reviewer:
            review["reviewer"] = reviewer
        draft = Draft(actions, {REVIEW_LABEL: review}, ingredient)
        return self._marked(visible, draft, carrier)

    def verify(self, marked: Marked | str, trust: tuple[x509.Certificate, ...] = ()) -> Verdict:
        """Verify a marked text (the module function `verify_credentials` for any text)."""
        if isinstance(marked, Marked) and marked.carrier != "embedded":
            return verify_store(marked.store, marked.visible, trust=trust)
        return verify_text(str(marked), trust=trust)
