"""The key of the conversations kept on a shared store: ``RAI_CONVERSATION_KEY`` (hex or
base64url, at least 32 bytes), never in the policy file, never shown.

Two keys are derived from it (HKDF-SHA256): one seals every value with AES-256-GCM (a
random 96-bit nonce per value, the value's place in the store as associated data, so a
sealed value moved to another conversation or lookup field does not open), the other
names things with HMAC-SHA256 (a conversation, a data subject, a value's lookup field),
so the store holds no id and no value in clear and the same value finds the same field
on every replica.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from collections.abc import Mapping
from typing import NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .._errors import ConfigurationError

__all__ = ["CONVERSATION_KEY_ENV", "ConversationKey"]

CONVERSATION_KEY_ENV = "RAI_CONVERSATION_KEY"
_NONCE = 12


def _derive(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ConversationKey:
    """``ConversationKey(key)``: seals and names a conversation's entries (see the module).
    Its repr shows nothing of the key; it cannot be pickled or copied."""

    __slots__ = ("_aead", "_names")

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < 32:
            raise ConfigurationError(f"{CONVERSATION_KEY_ENV} must be at least 32 bytes")
        self._aead = AESGCM(_derive(key, b"responsible-ai conversations: seal"))
        self._names = _derive(key, b"responsible-ai conversations: names")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ConversationKey | None:
        """The key of ``RAI_CONVERSATION_KEY`` (None when unset; an unreadable or short key
        is an error that never shows it)."""
        raw = (environ if environ is not None else os.environ).get(CONVERSATION_KEY_ENV, "")
        raw = raw.strip()
        if not raw:
            return None
        try:
            key = bytes.fromhex(raw)
        except ValueError:
            try:
                key = _unb64(raw)
            except (binascii.Error, ValueError):
                raise ConfigurationError(
                    f"{CONVERSATION_KEY_ENV} is neither hex nor base64url (the value is not shown)"
                ) from None
        return cls(key)

    def __repr__(self) -> str:
        return "ConversationKey(...)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a ConversationKey cannot be pickled or copied")

    def ref(self, *parts: str) -> str:
        """A keyed name of `parts` (22 base64url characters: 128 bits of HMAC-SHA256)."""
        message = "\0".join(parts).encode("utf-8") + b"\0"
        return _b64(hmac.digest(self._names, message, "sha256")[:16])

    def seal(self, place: str, text: str) -> str:
        """`text` encrypted for `place` (its associated data), as base64url."""
        nonce = os.urandom(_NONCE)
        return _b64(nonce + self._aead.encrypt(nonce, text.encode("utf-8"), place.encode()))

    def open(self, place: str, sealed: str) -> str:
        """The text sealed for `place`; a `ValueError` (saying nothing of it) when it was
        sealed with another key, for another place, or altered."""
        try:
            data = _unb64(sealed)
            if len(data) <= _NONCE:
                raise ValueError
            plain = self._aead.decrypt(data[:_NONCE], data[_NONCE:], place.encode())
            return plain.decode("utf-8")
        except (InvalidTag, binascii.Error, UnicodeDecodeError, ValueError):
            raise ValueError("a sealed entry does not open with this key at its place") from None
