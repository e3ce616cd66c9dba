"""Pseudonyms: a keyed hash of an identifier (a person, an account, a data subject), stable
for one key, so telemetry, audit events, stamps and evidence can say "the same principal"
without ever holding who it is.

The key lives outside the policy file: ``RAI_PSEUDONYM_KEY`` (hex or base64url, at least
16 bytes), or a `Pseudonymizer` given in code. Without a key, a random one is made per
process (pseudonyms are then stable only within the process) and a warning says so once.
A pseudonym is ``p:`` followed by 22 base64url characters (128 bits of HMAC-SHA256).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import threading

from ._errors import ConfigurationError

__all__ = ["PSEUDONYM_KEY_ENV", "Pseudonymizer", "default_pseudonymizer"]

PSEUDONYM_KEY_ENV = "RAI_PSEUDONYM_KEY"
_URLSAFE = bytes.maketrans(b"+/", b"-_")
_log = logging.getLogger("responsible_ai")


class Pseudonymizer:
    """``Pseudonymizer(key)``: ``pseudonym(kind, identifier)`` is HMAC-SHA256 over the kind
    and the identifier, so a principal and a data subject with the same id differ."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < 16:
            raise ConfigurationError("a pseudonym key must be at least 16 bytes")
        # HMAC-SHA256 (RFC 2104) with its two padded-key states computed once: a
        # pseudonym copies them (the same MAC as `hmac.new(key, msg, sha256)`, without
        # the `hmac` module's Python-level copy/update/digest on every call)
        block = (key if len(key) <= 64 else hashlib.sha256(key).digest()).ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Pseudonymizer | None:
        """The pseudonymizer of ``RAI_PSEUDONYM_KEY`` (None when unset; an unreadable key
        is an error, never a silent default)."""
        raw = (environ if environ is not None else os.environ).get(PSEUDONYM_KEY_ENV, "").strip()
        if not raw:
            return None
        return cls(_decode_key(raw))

    def _digest(self, kind: str, identifier: str) -> bytes:
        inner = self._inner.copy()
        inner.update(f"{kind}\0{identifier}".encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def pseudonym(self, kind: str, identifier: str) -> str:
        # 16 bytes are 22 base64url characters and two of padding, which are dropped
        digest = self._digest(kind, identifier)[:16]
        text = binascii.b2a_base64(digest, newline=False).translate(_URLSAFE)
        return "p:" + text[:22].decode("ascii")

    def tag(self, kind: str, identifier: str) -> str:
        """A pseudonym that is itself a segment of a use-case tag: ``p-`` and 16 lowercase
        hex digits (64 bits of the same HMAC)."""
        return "p-" + self._digest(kind, identifier)[:8].hex()


def _decode_key(raw: str) -> bytes:
    try:
        return bytes.fromhex(raw)
    except ValueError:
        pass
    try:
        return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        raise ConfigurationError(
            f"{PSEUDONYM_KEY_ENV} is neither hex nor base64url (the value is not shown)"
        ) from None


_default: Pseudonymizer | None = None
_lock = threading.Lock()


def default_pseudonymizer() -> Pseudonymizer:
    """The process's pseudonymizer: ``RAI_PSEUDONYM_KEY``'s, else a random key (once, with
    a warning: pseudonyms then differ between processes and replicas)."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                found = Pseudonymizer.from_env()
                if found is None:
                    _log.warning(
                        "%s is not set: pseudonyms of principals and subjects are stable only "
                        "within this process; set it (32 random bytes, hex) on every replica",
                        PSEUDONYM_KEY_ENV,
                    )
                    found = Pseudonymizer(os.urandom(32))
                _default = found
    return _default
