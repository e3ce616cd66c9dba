"""What every wire format shares: answer-format errors, error types, SSE event writing."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from .._errors import ProviderResponseError
from .._shapes import Fields, Structural, boolean, identifier, number

__all__ = [
    "RESERVED_PARAMS",
    "SAMPLING",
    "as_int",
    "bad_format",
    "error_type",
    "event_bytes",
    "event_object",
    "is_str",
    "json_of",
]

RESERVED_PARAMS = frozenset({"model", "messages", "stream", "system"})

is_str = Structural(lambda v: isinstance(v, str), "a string")

# the numeric and boolean parameters of every format, in one table (a format's shape adds
# its own structure on top): a value of another form in one of them is refused
# (`_steps.numbers`), so a parameter of one format sent to another is checked too
SAMPLING = {
    "stream": boolean,
    "temperature": number,
    "top_p": number,
    "top_k": number,
    "min_p": number,
    "max_tokens": number,
    "max_completion_tokens": number,
    "max_output_tokens": number,
    "max_tool_calls": number,
    "n": number,
    "seed": number,
    "frequency_penalty": number,
    "presence_penalty": number,
    "repetition_penalty": number,
    "logprobs": boolean,
    "top_logprobs": number,
    "store": boolean,
    "background": boolean,
    "parallel_tool_calls": boolean,
    "service_tier": identifier,
    "reasoning": Fields(
        {
            "effort": identifier,
            "summary": identifier,
            "max_tokens": number,
            "budget_tokens": number,
            "enabled": boolean,
            "exclude": boolean,
        }
    ),
    "thinking": Fields({"type": identifier, "budget_tokens": number}),
    "stream_options": Fields({"include_usage": boolean, "include_obfuscation": boolean}),
}


def bad_format(provider: str, what: str) -> ProviderResponseError:
    return ProviderResponseError(
        f"provider {provider!r} sent a body that is not its wire format: {what}", provider=provider
    )


def json_of(raw: str | bytes, provider: str, what: str) -> Any:
    """`raw` parsed, or the library's `ProviderResponseError` naming `what` (raised outside
    the decoder's handler: its error holds the whole body, `doc`, and must not ride along
    as the new error's context)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    raise bad_format(provider, what)


def event_object(raw: str, provider: str) -> dict[str, Any]:
    """A stream event's data as the JSON object every wire format's events are."""
    data = json_of(raw, provider, "a stream event that is not JSON")
    if not isinstance(data, dict):
        raise bad_format(provider, "a stream event that is not an object")
    return data


_ERROR_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,63}")


def error_type(data: Any) -> str | None:
    """`{"error": {"type": ...}}` in both OpenAI and Anthropic error bodies; never the message."""
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict):
            kind = err.get("type") or err.get("code")
            if isinstance(kind, str) and _ERROR_TYPE.fullmatch(kind):
                return kind  # an identifier, never free text the provider echoed
    return None


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def event_bytes(data: Any, event: str | None = None) -> bytes:
    """One SSE event as the wire writes it (``event:`` line only when named)."""
    head = f"event: {event}\n" if event and event != "message" else ""
    body = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"{head}data: {body}\n\n".encode()
