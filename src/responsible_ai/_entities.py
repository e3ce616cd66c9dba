"""The entity types the library knows by name (foundation: the policy checks its names
against these; the PII package detects them)."""

from __future__ import annotations

__all__ = [
    "BUILTIN_ENTITIES",
    "KNOWN_VALUE_ENTITIES",
    "NAME_ENTITIES",
    "NER_ENTITIES",
    "PLACEHOLDER",
]

BUILTIN_ENTITIES: tuple[str, ...] = (
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "IP_ADDRESS", "URL",
    "DATE_OF_BIRTH", "API_KEY", "JWT", "PRIVATE_KEY", "BEARER_TOKEN", "PASSWORD",
)  # fmt: skip
"""What the built-in detectors find."""

KNOWN_VALUE_ENTITIES: tuple[str, ...] = ("PERSON", "ACCOUNT_NUMBER", "ADDRESS", "CLIENT_DATA")
"""What a `ClientRecord`'s named values are found as (its `fields` are found under their
own upper-cased names: a policy names those in ``pii.extra_entities``)."""

NAME_ENTITIES: tuple[str, ...] = ("PERSON", "LOCATION", "ORGANIZATION")
"""What the built-in name detector finds in free text (people, places, organisations)."""

NER_ENTITIES: tuple[str, ...] = ("PERSON", "LOCATION", "ORGANIZATION", "NRP")
"""What a plugged-in named-entity detector (Presidio, spaCy) may report: the names a
policy may use for it (the presidio adapter asks for fewer by default:
`presidio.DEFAULT_ENTITIES`)."""

PLACEHOLDER = "PLACEHOLDER"
"""Text in a prompt that looks like one of the library's placeholders (neutralised)."""
