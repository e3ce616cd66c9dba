"""Signing credentials: a private key and its X.509 chain (leaf first), from PEM files or
``RAI_C2PA_KEY`` / ``RAI_C2PA_CHAIN``, checked against the C2PA certificate profile at
load time, so a misconfigured service fails when it starts rather than on a request.

The algorithms are those C2PA 13.2.1 allows that verifiers read everywhere: ES256,
ES384, ES512 (ECDSA on P-256/384/521) and EdDSA (Ed25519 only); PS256 with an RSA key.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID

from .._errors import ConfigurationError

__all__ = [
    "C2PA_CLAIM_SIGNING",
    "CHAIN_ENV",
    "KEY_ENV",
    "CredentialSigner",
    "algorithm_of",
    "is_ca",
    "load_certificates",
    "profile_problem",
    "verify_raw",
]

KEY_ENV = "RAI_C2PA_KEY"
CHAIN_ENV = "RAI_C2PA_CHAIN"
C2PA_CLAIM_SIGNING = x509.ObjectIdentifier("1.3.6.1.4.1.62558.2.1")
ANY_EKU = x509.ObjectIdentifier("2.5.29.37.0")

# COSE algorithm ids (RFC 9053) -> (name, hash, ECDSA coordinate size)
ES256, ES384, ES512, EDDSA, PS256 = -7, -35, -36, -8, -37
_EC = {
    "secp256r1": (ES256, hashes.SHA256, 32),
    "secp384r1": (ES384, hashes.SHA384, 48),
    "secp521r1": (ES512, hashes.SHA512, 66),
}
_EC_BY_ALG = {alg: (h, size, curve) for curve, (alg, h, size) in _EC.items()}
NAMES = {ES256: "ES256", ES384: "ES384", ES512: "ES512", EDDSA: "Ed25519", PS256: "PS256"}

PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey
PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey


def algorithm_of(key: object) -> int:
    """The COSE algorithm a key signs with (raises `ConfigurationError` for another key)."""
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        spec = _EC.get(key.curve.name)
        if spec is not None:
            return spec[0]
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return EDDSA
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)) and key.key_size >= 2048:
        return PS256
    raise ConfigurationError(
        "a C2PA signing key is ECDSA (P-256, P-384, P-521), Ed25519 or RSA of 2048 bits or more"
    )


def verify_raw(alg: int, key: object, signature: bytes, data: bytes) -> bool:
    """True when `signature` (COSE form: r|s for ECDSA) is `key`'s over `data` with `alg`."""
    try:
        if alg in _EC_BY_ALG and isinstance(key, ec.EllipticCurvePublicKey):
            h, size, curve = _EC_BY_ALG[alg]
            if key.curve.name != curve or len(signature) != 2 * size:
                return False
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(h()))
            return True
        if alg == EDDSA and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
            return True
        if alg == PS256 and isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048:
            key.verify(
                signature,
                data,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                hashes.SHA256(),
            )
            return True
    except (InvalidSignature, ValueError):
        return False
    return False


_DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
_WANTED_EKUS = frozenset(
    {C2PA_CLAIM_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION, _DOCUMENT_SIGNING}
)


def _extensions(cert: x509.Certificate) -> dict[x509.ObjectIdentifier, x509.ExtensionType]:
    """A certificate's extensions by OID, read once (raises `ValueError` on a duplicate)."""
    return {ext.oid: ext.value for ext in cert.extensions}


def profile_problem(chain: Sequence[x509.Certificate]) -> str | None:
    """What makes `chain` (leaf first) unfit to sign C2PA claims, or None.

    The leaf: version 3, digitalSignature, an extended key usage that is present, not
    ``anyExtendedKeyUsage``, and names the C2PA claim-signing purpose or documentSigning
    or emailProtection (c2pa-rs rejects a leaf whose only purpose is the C2PA one, so
    signers carry one of the other two beside it); not a CA. Each certificate is issued
    by the next.
    """
    leaf = chain[0]
    if leaf.version != x509.Version.v3:
        return "the signing certificate is not X.509 version 3"
    found = _extensions(leaf)
    usage = found.get(ExtensionOID.KEY_USAGE)
    if not isinstance(usage, x509.KeyUsage):
        return "the signing certificate has no key usage"
    if not usage.digital_signature or usage.key_cert_sign:
        return "the signing certificate's key usage lacks digitalSignature or signs certificates"
    ekus = found.get(ExtensionOID.EXTENDED_KEY_USAGE)
    if not isinstance(ekus, x509.ExtendedKeyUsage):
        return "the signing certificate has no extended key usage"
    if ANY_EKU in ekus:
        return "the signing certificate allows any extended key usage"
    if _WANTED_EKUS.isdisjoint(ekus):
        return "the signing certificate has no C2PA, documentSigning or emailProtection usage"
    constraints = found.get(ExtensionOID.BASIC_CONSTRAINTS)
    if isinstance(constraints, x509.BasicConstraints) and constraints.ca:
        return "the signing certificate is a CA certificate"
    for child, parent in itertools.pairwise(chain):
        if not is_ca(parent):
            return "a certificate of the chain is issued by one that is not a CA"
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            return "the certificate chain is not in order (each certificate issued by the next)"
    return None


def is_ca(cert: x509.Certificate) -> bool:
    """True for a certificate that may issue others: basicConstraints cA, and keyCertSign
    when it states its key usage (a signing leaf can never vouch for another leaf)."""
    found = _extensions(cert)
    constraints = found.get(ExtensionOID.BASIC_CONSTRAINTS)
    if not isinstance(constraints, x509.BasicConstraints) or not constraints.ca:
        return False
    usage = found.get(ExtensionOID.KEY_USAGE)
    return usage.key_cert_sign if isinstance(usage, x509.KeyUsage) else True


def load_certificates(pem: bytes) -> list[x509.Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise ConfigurationError("the certificate file is not PEM certificates") from None
    return certs


@dataclass(frozen=True, slots=True)
class CredentialSigner:
    """A C2PA claim signer: the private key and its chain, leaf first (no trust anchor
    needed). Build it with `from_pem`, `from_files` or `from_env`."""

    key: PrivateKey
    chain: tuple[x509.Certificate, ...]
    alg: int
    x5chain: tuple[bytes, ...]

    @classmethod
    def of(cls, key: PrivateKey, chain: Sequence[x509.Certificate]) -> CredentialSigner:
        if not chain:
            raise ConfigurationError("a C2PA signer needs its certificate chain, leaf first")
        alg = algorithm_of(key)
        leaf_key = chain[0].public_key()
        if algorithm_of(leaf_key) != alg or _raw_public(leaf_key) != _raw_public(key.public_key()):
            raise ConfigurationError("the C2PA key does not match the leaf certificate")
        problem = profile_problem(chain)
        if problem is not None:
            raise ConfigurationError(f"C2PA signing certificate: {problem}")
        der = tuple(c.public_bytes(serialization.Encoding.DER) for c in chain)
        return cls(key, tuple(chain), alg, der)

    @classmethod
    def from_pem(
        cls, key_pem: bytes, chain_pem: bytes, password: bytes | None = None
    ) -> CredentialSigner:
        try:
            key = serialization.load_pem_private_key(key_pem, password)
        except (ValueError, TypeError):
            raise ConfigurationError("the C2PA key is not a readable PEM private key") from None
        if not isinstance(
            key, (ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey, rsa.RSAPrivateKey)
        ):
            raise ConfigurationError("the C2PA key is not an ECDSA, Ed25519 or RSA key")
        return cls.of(key, load_certificates(chain_pem))

    @classmethod
    def from_files(
        cls, key_path: str | os.PathLike[str], chain_path: str | os.PathLike[str]
    ) -> CredentialSigner:
        try:
            key_pem = Path(key_path).read_bytes()
            chain_pem = Path(chain_path).read_bytes()
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read the C2PA key or chain ({type(exc).__name__})"
            ) from None
        return cls.from_pem(key_pem, chain_pem)

    @classmethod
    def from_env(cls) -> CredentialSigner | None:
        """The signer of ``RAI_C2PA_KEY`` and ``RAI_C2PA_CHAIN`` (PEM paths), None when
        neither is set; one without the other is an error."""
        key_path, chain_path = os.environ.get(KEY_ENV), os.environ.get(CHAIN_ENV)
        if not key_path and not chain_path:
            return None
        if not key_path or not chain_path:
            raise ConfigurationError(f"set both {KEY_ENV} and {CHAIN_ENV} (PEM file paths)")
        return cls.from_files(key_path, chain_path)

    def sign(self, data: bytes) -> bytes:
        """The COSE signature of `data` (ECDSA as r|s of fixed size)."""
        key = self.key
        if isinstance(key, ec.EllipticCurvePrivateKey):
            h, size, _ = _EC_BY_ALG[self.alg]
            r, s = decode_dss_signature(key.sign(data, ec.ECDSA(h())))
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return key.sign(data)
        return key.sign(
            data,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
            hashes.SHA256(),
        )


def _raw_public(key: object) -> bytes:
    if isinstance(key, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, rsa.RSAPublicKey)):
        return key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return b""
