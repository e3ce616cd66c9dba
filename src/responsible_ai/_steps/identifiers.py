"""What a caller's name (a model, a provider, a use case) must look like to be shown in
an error or an audit event, or to leave unscanned as a model name: one rule."""

from __future__ import annotations

import re

__all__ = ["is_identifier", "shown"]

_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
_MAX_DIGITS = 12  # more, and a name could carry a card or an account number


def is_identifier(name: object) -> bool:
    """A plain identifier: letters, digits and ``._:/-``, no spaces or ``@``, at most 128
    characters of which at most 12 digits."""
    return (
        isinstance(name, str)
        and _IDENTIFIER.fullmatch(name) is not None
        and sum(c.isdigit() for c in name) <= _MAX_DIGITS
    )


def shown(name: str) -> str:
    """A caller's model, provider or use-case name as refusals, errors and audit events
    may show it: itself when it is an identifier, else a marker (a refused call's
    arguments are the caller's, and may hold anything)."""
    return name if is_identifier(name) else "<not an identifier>"
