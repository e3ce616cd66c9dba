"""Content Credentials for text: C2PA manifests that tools we did not write verify.

A governed answer is marked as AI-made (``c2pa.created``, digitalSourceType
trainedAlgorithmicMedia), bound to its NFC text by ``c2pa.hash.data``, signed with
COSE over an X.509 chain, optionally time-stamped (RFC 3161), and carried as C2PA 2.4
Annex A.8 prescribes (variation selectors after the visible text), as a sidecar or in
an HTTP header. A person's review continues the chain. Verification says VALID,
TRUSTED, INVALID (why) or UNMARKED.

The modules, each importing only those above it:

- `_cbor`, `_jumbf`, `_wrapper`: the encodings (CBOR, JUMBF boxes, the A.8 wrapper)
- `_keys`: signing keys and chains, the certificate profile
- `_cose`: COSE_Sign1 as C2PA narrows it
- `_timestamp`: RFC 3161 time-stamps (the ``credentials`` extra)
- `_manifest`: assertions, claim, store, and the wrapper's exact length
- `_verify`: the verdict
- `_mark`: `Credentials` (mark, review) and `Marked`
- `_labels`: visible labels for deployers
- `_app`: the ASGI verification service
- `_answers`: the marks of SDK answers, by response id (`credentials_of`)
"""

from collections.abc import Sequence

from cryptography import x509

from ._answers import credentials_of, marked_answers
from ._app import credentials_app
from ._keys import CHAIN_ENV, KEY_ENV, CredentialSigner, load_certificates
from ._labels import Label, label_for
from ._mark import HEADER, Carrier, Credentials, Marked, ReviewKind, manifest_of_header
from ._verify import State, Verdict, forget_signers, parse_store, verify_store, verify_text


def verify_credentials(
    text: str | bytes, trust: Sequence[x509.Certificate] | bytes | str | None = None
) -> Verdict:
    """Verify the Content Credentials of `text`: VALID, TRUSTED (the signer chains to one
    of `trust`: certificates, or PEM text/bytes), INVALID (``.code``, ``.reason``) or
    UNMARKED. Never raises for what the text holds; `bytes` must be UTF-8."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return Verdict("INVALID", "manifest.text.encoding", "the text is not UTF-8")
    return verify_text(text, trust=anchors(trust))


def anchors(trust: Sequence[x509.Certificate] | bytes | str | None) -> tuple[x509.Certificate, ...]:
    """Trust anchors from certificates or PEM text."""
    if trust is None:
        return ()
    if isinstance(trust, str):
        trust = trust.encode()
    if isinstance(trust, bytes):
        return tuple(load_certificates(trust))
    return tuple(trust)


__all__ = [
    "CHAIN_ENV",
    "HEADER",
    "KEY_ENV",
    "Carrier",
    "CredentialSigner",
    "Credentials",
    "Label",
    "Marked",
    "ReviewKind",
    "State",
    "Verdict",
    "anchors",
    "credentials_app",
    "credentials_of",
    "forget_signers",
    "label_for",
    "load_certificates",
    "manifest_of_header",
    "marked_answers",
    "parse_store",
    "verify_credentials",
    "verify_store",
    "verify_text",
]
