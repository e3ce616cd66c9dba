"""Provenance: a signed stamp on every AI output, and the human review that releases it.

The stamp says: this is AI output (IPTC digital source type), made by which approved
provider and model, for what use case, under which policy (id, version, sha256), when,
from which prompt as sent (its hash, after redaction), with what redacted (counts by
type, never values), linked to which trace, and whether a person has reviewed it.

It is signed over a canonical JSON form (sorted keys, no insignificant whitespace,
UTF-8, the `signature` member left out), so any language can verify it: HMAC-SHA256
with a shared key, or Ed25519 with a public key. Keys are found by `kid` in a
`Keyring`, so they rotate.

The modules, each importing only those above it:

- `_model`: the stamp as data, its canonical JSON, hashes and base64url
- `_keys`: signers and verifiers, the keyring, keys from the environment
- `_stamp`: making and signing stamps, and chaining one to another
- `_carriers`: where an output keeps its stamp, and `provenance_of` to find it
- `_verify`: checking a stamp, alone, against its text, or along a review chain
- `_review`: a person's review, and the `require_reviewed` gate
"""

from ._carriers import AIDict, AIText, ResponseStamps, attach, output_text, provenance_of, responses
from ._keys import (
    Ed25519Signer,
    Ed25519Verifier,
    HmacSigner,
    Keyring,
    Signer,
    keyring_from_env,
    signer_from_env,
)
from ._model import (
    HEADER,
    PolicyRef,
    PrincipalRef,
    Provenance,
    ReviewInfo,
    SignatureInfo,
    canonical_json,
    sha256_bytes,
    sha256_text,
)
from ._review import require_reviewed, review
from ._stamp import chained, sign_stamp, stamp_fields
from ._verify import Verification, verify, verify_chain, verify_stamp

__all__ = [
    "HEADER",
    "AIDict",
    "AIText",
    "Ed25519Signer",
    "Ed25519Verifier",
    "HmacSigner",
    "Keyring",
    "PolicyRef",
    "PrincipalRef",
    "Provenance",
    "ResponseStamps",
    "ReviewInfo",
    "SignatureInfo",
    "Signer",
    "Verification",
    "attach",
    "canonical_json",
    "chained",
    "keyring_from_env",
    "output_text",
    "provenance_of",
    "require_reviewed",
    "responses",
    "review",
    "sha256_bytes",
    "sha256_text",
    "sign_stamp",
    "signer_from_env",
    "stamp_fields",
    "verify",
    "verify_chain",
    "verify_stamp",
]
