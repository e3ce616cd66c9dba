"""Signing keys: the `Signer` protocol, HMAC-SHA256 and Ed25519 keys, the `Keyring` that
finds a verifying key by `kid` (so keys rotate), and keys read from the environment
(``RAI_SIGNING_KEY``, ``RAI_VERIFY_KEYS``)."""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

from .._errors import ConfigurationError
from ._model import b64url_decode

__all__ = [
    "SIGNING_KEY_ENV",
    "VERIFY_KEYS_ENV",
    "Ed25519Signer",
    "Ed25519Verifier",
    "HmacSigner",
    "Keyring",
    "Signer",
    "keyring_from_env",
    "signer_from_env",
]

SIGNING_KEY_ENV = "RAI_SIGNING_KEY"
VERIFY_KEYS_ENV = "RAI_VERIFY_KEYS"


@runtime_checkable
class Signer(Protocol):
    alg: str
    kid: str

    def sign(self, data: bytes) -> bytes: ...
    def verify(self, data: bytes, signature: bytes) -> bool: ...


class HmacSigner:
    """HMAC-SHA256 with a shared key (at least 32 bytes): signs and verifies."""

    alg = "HMAC-SHA256"

    def __init__(self, key: bytes | str, kid: str) -> None:
        if not isinstance(key, (bytes, bytearray, str)):  # bytes(32) would be 32 zero bytes
            raise TypeError(f"an HMAC key is bytes or str, got {type(key).__name__}")
        raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
        if len(raw) < 32:
            raise ConfigurationError("an HMAC key must be at least 32 bytes")
        if not kid:
            raise ConfigurationError("a signing key needs a kid (key id) so that keys can rotate")
        self.kid = kid
        self._keyed = hmac.new(raw, digestmod=hashlib.sha256)  # the key set up once

    def sign(self, data: bytes) -> bytes:
        mac = self._keyed.copy()
        mac.update(data)
        return mac.digest()

    def verify(self, data: bytes, signature: bytes) -> bool:
        return hmac.compare_digest(self.sign(data), signature)

    def __repr__(self) -> str:
        return f"HmacSigner(kid={self.kid!r})"


class Ed25519Verifier:
    """An Ed25519 public key: verifies only (give it to whoever checks stamps)."""

    alg = "Ed25519"

    def __init__(self, public_key: Any, kid: str) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        if isinstance(public_key, (bytes, str)):
            raw = b64url_decode(public_key) if isinstance(public_key, str) else public_key
            public_key = Ed25519PublicKey.from_public_bytes(raw)
        self._public = public_key
        self.kid = kid

    def verify(self, data: bytes, signature: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature

        try:
            self._public.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def public_bytes(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return bytes(self._public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    def __repr__(self) -> str:
        return f"Ed25519Verifier(kid={self.kid!r})"


class Ed25519Signer(Ed25519Verifier):
    """Ed25519 via `cryptography`: `private_key` is an `Ed25519PrivateKey`, 32 raw bytes,
    base64url of them, or PEM (a string or bytes, unencrypted PKCS#8)."""

    def __init__(self, private_key: Any, kid: str) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        if isinstance(private_key, str) and "PRIVATE KEY" in private_key:
            private_key = private_key.encode()
        try:
            if isinstance(private_key, bytes) and b"PRIVATE KEY" in private_key:
                private_key = load_pem_private_key(private_key, password=None)
            elif isinstance(private_key, (bytes, str)):
                raw = b64url_decode(private_key) if isinstance(private_key, str) else private_key
                private_key = Ed25519PrivateKey.from_private_bytes(raw)
        except (ValueError, TypeError):  # the key material is never quoted
            raise ConfigurationError(
                "Ed25519Signer needs an Ed25519 private key: a key object, 32 raw bytes, "
                "their base64url, or unencrypted PEM"
            ) from None
        if not isinstance(private_key, Ed25519PrivateKey):
            raise ConfigurationError("Ed25519Signer needs an Ed25519 private key")
        if not kid:
            raise ConfigurationError("a signing key needs a kid (key id) so that keys can rotate")
        self._private = private_key
        super().__init__(private_key.public_key(), kid)

    @classmethod
    def generate(cls, kid: str) -> Ed25519Signer:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(Ed25519PrivateKey.generate(), kid)

    def sign(self, data: bytes) -> bytes:
        return bytes(self._private.sign(data))

    def verifier(self) -> Ed25519Verifier:
        """The public half, to hand to verifiers."""
        return Ed25519Verifier(self._public, self.kid)

    def __repr__(self) -> str:
        return f"Ed25519Signer(kid={self.kid!r})"


class Keyring:
    """Keys for verification, by kid: old keys stay while new ones sign."""

    def __init__(self, keys: Iterable[Any] = ()) -> None:
        self._keys: dict[str, Any] = {}
        for key in keys:
            self.add(key)

    def add(self, key: Any) -> None:
        if not hasattr(key, "verify") or not getattr(key, "kid", None):
            raise ConfigurationError("a keyring holds signers or verifiers with a kid")
        if key.kid in self._keys and self._keys[key.kid] is not key:
            raise ConfigurationError(
                f"the keyring already has a key {key.kid!r}: one key per kid (a stamp names "
                "its key by kid, so two would make its verification ambiguous)"
            )
        self._keys[key.kid] = key

    def add_signer(self, signer: Signer) -> None:
        """Add `signer` unless the keyring already verifies its signatures under its kid
        (its own verifying key, given apart); a different key under that kid is an error."""
        known = self._keys.get(signer.kid)
        if known is None:
            self.add(signer)
            return
        probe = b"responsible-ai keyring probe"
        if known is not signer and not known.verify(probe, signer.sign(probe)):
            raise ConfigurationError(
                f"the keyring already has a different key {signer.kid!r}: one key per kid"
            )

    def get(self, kid: str | None) -> Any | None:
        return self._keys.get(kid) if kid else None

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def __repr__(self) -> str:
        return f"Keyring({sorted(self._keys)})"


def _key_from_spec(spec: str, *, private: bool) -> Any:
    """``hmac:KID:BASE64URL`` or ``ed25519:KID:BASE64URL`` (32 raw bytes: the private key
    for signing, the public key for verifying)."""
    try:
        kind, kid, material = spec.strip().split(":", 2)
    except ValueError:
        raise ConfigurationError(
            "a key spec is 'hmac:KID:BASE64URL' or 'ed25519:KID:BASE64URL'"
        ) from None
    try:
        raw = b64url_decode(material)
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"key {kid!r}: the key material is not base64url") from None
    kind = kind.lower()
    if kind == "hmac":
        return HmacSigner(raw, kid)
    if kind == "ed25519":
        return Ed25519Signer(raw, kid) if private else Ed25519Verifier(raw, kid)
    raise ConfigurationError(f"key {kid!r}: unknown key kind {kind!r}; expected hmac or ed25519")


def signer_from_env(env: Mapping[str, str] | None = None) -> Any | None:
    """The signer in ``RAI_SIGNING_KEY`` (``hmac:KID:B64`` or ``ed25519:KID:B64``), if set."""
    spec = (env if env is not None else os.environ).get(SIGNING_KEY_ENV)
    return _key_from_spec(spec, private=True) if spec else None


def keyring_from_env(env: Mapping[str, str] | None = None) -> Keyring:
    """Verification keys from ``RAI_VERIFY_KEYS`` (comma-separated specs; Ed25519 entries
    are public keys), plus the signer of ``RAI_SIGNING_KEY`` if set."""
    source = env if env is not None else os.environ
    ring = Keyring()
    for spec in filter(None, (s.strip() for s in source.get(VERIFY_KEYS_ENV, "").split(","))):
        ring.add(_key_from_spec(spec, private=False))
    signer = signer_from_env(source)
    if signer is not None:
        ring.add_signer(signer)
    return ring
