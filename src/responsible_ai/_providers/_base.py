"""What every wire format shares: answer-format errors, error types, SSE event writing."""

from __future__ import annotations

import json
from typing import Any

from .._errors import ProviderResponseError
from .._pii._structure import Structural, boolean, identifier, number

__all__ = [
    "RESERVED_PARAMS",
    "SAMPLING",
    "as_int",
    "bad_format",
    "error_type",
    "event_bytes",
    "is_str",
]

RESERVED_PARAMS = frozenset({"model", "messages", "stream", "system"})

is_str = Structural(lambda v: isinstance(v, str), "a string")

# sampling and length parameters every format shares: numbers and switches
SAMPLING = {
    "stream": boolean,
    "temperature": number,
    "top_p": number,
    "top_k": number,
    "max_tokens": number,
    "n": number,
    "seed": number,
    "store": boolean,
    "parallel_tool_calls": boolean,
    "service_tier": identifier,
}


def bad_format(provider: str, what: str) -> ProviderResponseError:
    return ProviderResponseError(
        f"provider {provider!r} sent a body that is not its wire format: {what}", provider=provider
    )


def error_type(data: Any) -> str | None:
    """`{"error": {"type": ...}}` in both OpenAI and Anthropic error bodies; never the message."""
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict):
            kind = err.get("type") or err.get("code")
            if isinstance(kind, str) and len(kind) <= 64:
                return kind
    return None


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def event_bytes(data: Any, event: str | None = None) -> bytes:
    """One SSE event as the wire writes it (``event:`` line only when named)."""
    head = f"event: {event}\n" if event and event != "message" else ""
    body = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"{head}data: {body}\n\n".encode()
