"""What a caller's name (a model, a provider, a use case) must look like to be shown in
an error or an audit event, or to leave unscanned as a model name: one rule."""

from __future__ import annotations

import re

__all__ = ["is_identifier", "is_model_name", "shown"]

_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
_MAX_DIGITS = 12  # more, and a name could carry a card or an account number
_MAX_RUN = 8  # a date (20241022); a longer run of digits could be an SSN or an account
_RUN = re.compile(f"[0-9]{{{_MAX_RUN + 1}}}")


def is_identifier(name: object) -> bool:
    """A plain identifier: letters, digits and ``._:/-``, no spaces or ``@``, at most 128
    characters of which at most 12 digits."""
    return (
        isinstance(name, str)
        and _IDENTIFIER.fullmatch(name) is not None
        and sum(c.isdigit() for c in name) <= _MAX_DIGITS
    )


def is_model_name(name: object) -> bool:
    """A model name that may leave (the detectors' scan of it aside): an identifier's
    characters, with no run of more than 8 digits — the digit rule taken per run, not
    in total, so that dated, versioned and fine-tuned ids pass
    (``ft:gpt-4o-mini-2024-07-18:acme-bank::AbC12345``, ``claude-3-5-sonnet-20241022``)
    while an SSN or account number written as one run does not. Numbers split by
    separators (``4111-1111-1111-1111``, ``234-56-7890``) are the detectors'."""
    return (
        isinstance(name, str)
        and _IDENTIFIER.fullmatch(name) is not None
        and _RUN.search(name) is None
    )


def shown(name: str) -> str:
    """A caller's model, provider or use-case name as refusals, errors and audit events
    may show it: itself when it is an identifier, else a marker (a refused call's
    arguments are the caller's, and may hold anything)."""
    return name if is_identifier(name) else "<not an identifier>"
