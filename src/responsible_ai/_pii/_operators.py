"""The operators: which applies to each entity type (`OperatorPlan`), and what each writes
in place of a finding (`Operators`): our placeholders, or mask, hash, encrypt.

Mask, hash and encrypt write what presidio-anonymizer's `Mask`, `Hash` and `Encrypt`
write (so a value encrypted here decrypts with presidio's `Decrypt`, and a salted hash
matches presidio's), written out here because importing presidio-anonymizer's operators
imports presidio-analyzer, spaCy and numpy whenever those are installed: seconds at
start-up for three small functions.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from .._entities import NAME_ENTITIES, PLACEHOLDER
from .._errors import ConfigurationError, RedactionFailed
from .._policy import PiiRule, PiiSettings
from ._findings import Finding
from ._session import PIISession

__all__ = [
    "MIN_SALT_BYTES",
    "Canonical",
    "OperatorPlan",
    "Operators",
    "aes_key",
    "encrypt",
    "hash_value",
    "mask",
    "salt_of",
]

MIN_SALT_BYTES = 16

Canonical = Callable[[Finding], "str | None"]  # the value a finding stands for, if not itself


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


@dataclass(frozen=True, slots=True)
class OperatorPlan:
    """Which operator applies to each entity type, for one use case."""

    default: str = "replace"
    operators: Mapping[str, str] = field(default_factory=dict)
    restore: bool = False
    output: Literal["report", "mask", "block"] = "report"
    rule: str = "pii"
    restore_tools: frozenset[str] = frozenset()  # tools whose arguments get real values

    def operator(self, entity_type: str) -> str:
        return self.operators.get(entity_type, self.default)

    def restores_into(self, tool: str) -> bool:
        """Whether restore may write client values into a call of `tool` (the policy's
        ``restore_tools`` names it, or is ``["*"]``); by default into no tool."""
        return tool in self.restore_tools or "*" in self.restore_tools

    def merged(self, rule: PiiRule, key: str) -> OperatorPlan:
        return OperatorPlan(
            default=rule.default_operator or self.default,
            operators={**self.operators, **rule.operators},
            restore=self.restore if rule.restore is None else rule.restore,
            output=rule.output or self.output,
            rule=key,
            restore_tools=self.restore_tools
            if rule.restore_tools is None
            else frozenset(rule.restore_tools),
        )


class Operators:
    """What the operators write, with the salt and key of one policy's settings."""

    def __init__(self, settings: PiiSettings) -> None:
        self.settings = settings
        self._salt: bytes | None = None
        self._key: bytes | None = None
        if settings.hash_salt_env:
            self._salt = salt_of(os.environ.get(settings.hash_salt_env), settings.hash_salt_env)
        if settings.encrypt_key_env:
            self._key = aes_key(os.environ.get(settings.encrypt_key_env), settings.encrypt_key_env)

    def apply(
        self,
        op: str,
        entity_type: str,
        value: str,
        session: PIISession | None,
        canonical: str | None,
    ) -> str:
        try:
            if op == "replace":
                if self.settings.reversible and session is not None:
                    return session.placeholder(entity_type, value, canonical)
                return f"<{entity_type}>"
            if op == "redact":
                return ""
            if op == "mask":
                m = self.settings.mask
                return mask(value, m.masking_char, m.chars_to_mask or None, m.from_end)
            if op == "hash":
                return hash_value(value, self._salt)
            if op == "encrypt":
                if not self._key:
                    raise ConfigurationError(
                        f"the encrypt operator needs a key in ${self.settings.encrypt_key_env}"
                    )
                return encrypt(value, self._key)
        except ConfigurationError:
            raise
        except Exception as exc:  # fail closed
            failed = type(exc).__name__
        else:
            failed = "unknown operator"
        raise RedactionFailed(  # outside the handler: the original error may quote the value
            f"PII operator {op!r} failed on {entity_type} ({failed}); the text was not sent",
            detector=f"operator:{op}",
            error_type=failed,
        )

    def rewrite(
        self,
        text: str,
        findings: Sequence[Finding],
        session: PIISession,
        plan: OperatorPlan,
        canonical_of: Canonical | None,
        blocked: dict[str, int],
    ) -> str:
        """`text` with each finding replaced as `plan` says; findings of a blocked type are
        counted in `blocked` instead. A placeholder of a known value stands for its
        canonical form (`canonical_of`: every spelling of one client's name, every part of
        a name met earlier in the conversation, is one placeholder). Each person, place or
        organisation is remembered by the session (a name belongs to the conversation)."""
        if not findings:
            return text
        pieces: list[str] = []
        pos = 0
        for f in findings:
            # text that looks like a placeholder gets a placeholder of its own, always: restore
            # gives back the literal text, never a client value
            op = "replace" if f.entity_type == PLACEHOLDER else plan.operator(f.entity_type)
            if op == "keep":
                continue
            if op == "block":
                blocked[f.entity_type] = blocked.get(f.entity_type, 0) + 1
                continue
            value = text[f.start : f.end]
            canonical = canonical_of(f) if canonical_of is not None else None
            if f.entity_type in NAME_ENTITIES:
                session.remember(f.entity_type, value, canonical)
            pieces.append(text[pos : f.start])
            pieces.append(self.apply(op, f.entity_type, value, session, canonical))
            pos = f.end
        pieces.append(text[pos:])
        return "".join(pieces)
