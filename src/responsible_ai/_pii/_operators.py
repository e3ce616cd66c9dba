"""The irreversible and keyed operators: mask, hash, encrypt.

Their output is what presidio-anonymizer's `Mask`, `Hash` and `Encrypt` give (so a
value encrypted here decrypts with presidio's `Decrypt`, and a salted hash matches
presidio's), written out here because importing presidio-anonymizer's operators imports
presidio-analyzer, spaCy and numpy whenever those are installed: seconds at start-up
for three small functions.
"""

from __future__ import annotations

import base64
import hashlib
import os

from .._errors import ConfigurationError

__all__ = ["MIN_SALT_BYTES", "aes_key", "encrypt", "hash_value", "mask", "salt_of"]

MIN_SALT_BYTES = 16


def mask(value: str, char: str, count: int | None, from_end: bool) -> str:
    """`value` with `count` characters (all when None) replaced by `char`, from the start
    or from the end."""
    n = len(value) if count is None else max(0, min(len(value), count))
    if from_end:
        return value[: len(value) - n] + char * n
    return char * n + value[n:]


def salt_of(text: str | None, name: str) -> bytes | None:
    """The hash salt from an environment value: at least 16 bytes, or an error now
    (not at the first hashed value)."""
    if not text:
        return None
    salt = text.encode()
    if len(salt) < MIN_SALT_BYTES:
        raise ConfigurationError(
            f"the hash salt in ${name} must be at least {MIN_SALT_BYTES} bytes, got {len(salt)}"
        )
    return salt


def hash_value(value: str, salt: bytes | None) -> str:
    """SHA-256 hex of the value and the salt; without a salt, a random one per value
    (so equal values do not hash alike)."""
    salted = value.encode() + (salt if salt is not None else os.urandom(32))
    return hashlib.sha256(salted).hexdigest()


def aes_key(text: str | None, name: str) -> bytes | None:
    """The AES key from an environment value: 16, 24 or 32 bytes, or an error now."""
    if not text:
        return None
    key = text.encode()
    if len(key) not in (16, 24, 32):
        raise ConfigurationError(
            f"the encrypt key in ${name} must be 16, 24 or 32 bytes (AES-128/192/256), "
            f"got {len(key)}"
        )
    return key


def encrypt(value: str, key: bytes) -> str:
    """AES-CBC with PKCS#7 padding and a random IV, as URL-safe base64 of IV + ciphertext."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    padder = padding.PKCS7(algorithms.AES.block_size).padder()
    padded = padder.update(value.encode()) + padder.finalize()
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.urlsafe_b64encode(iv + encryptor.update(padded) + encryptor.finalize()).decode()
