from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._errors import ProviderResponseError
from .._types import ToolCall, Usage

RESERVED_PARAMS = frozenset({"model", "messages", "stream", "system"})


@dataclass(slots=True)
class Parsed:
    """What a wire format extracts from an answer."""

    text: str
    model: str | None
    id: str | None
    usage: Usage
    finish_reason: str | None
    tool_calls: tuple[ToolCall, ...] = field(default_factory=tuple)


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
