"""What in a JSON document is structure: the reviewed allow-list that redaction skips.

The rule is *deny by default*: every string, every object key and every number of a
document is content and goes through the detectors, except where a `Shape` says the
value is structure (a role, a content part's type, a boolean, a temperature) and the
value looks like the structure it claims to be. A structural field holding anything
else (a role that is an e-mail, a `seed` the size of a card number) is scanned like
content. Names (of tools, schemas, service tiers) are content: a surname can hide there.
So a field nobody listed is redacted, never passed through.

Shapes are plain data, in a leaf that imports nothing of the package: the wire formats
in `_providers/` declare one per request body, and `_pii` walks a body along it
(`Redactor.redact_document`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CHAT_HISTORY",
    "CONTENT",
    "MESSAGE",
    "NON_TEXT_PARTS",
    "NUMBERS",
    "PARTS",
    "ROLE",
    "TEXT_PARTS",
    "TOOL_CALL",
    "Content",
    "Each",
    "Fields",
    "JsonText",
    "Parts",
    "Shape",
    "Structural",
    "boolean",
    "identifier",
    "number",
    "one_of",
    "token_biases",
]


class Shape:
    """A node of the allow-list (the base of the kinds below)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Content(Shape):
    """Scanned: strings, object keys and numbers, all the way down."""


CONTENT = Content()


@dataclass(frozen=True, slots=True)
class Structural(Shape):
    """Passes unscanned when `check(value)` holds; scanned as content otherwise."""

    check: Callable[[Any], bool]
    what: str = "structure"


@dataclass(frozen=True, slots=True)
class Fields(Shape):
    """An object whose listed keys have their own shape; any other key is content
    (its name scanned too). A value that is not an object is content."""

    fields: Mapping[str, Shape]
    rest: Shape = CONTENT


@dataclass(frozen=True, slots=True)
class Each(Shape):
    """A list whose items all have `item`'s shape (a value that is not a list: `single`)."""

    item: Shape
    single: Shape = CONTENT


@dataclass(frozen=True, slots=True)
class JsonText(Shape):
    """A string holding a JSON document (tool-call arguments): its values and keys are
    content; re-written compactly. A string that is not JSON is scanned as text."""


@dataclass(frozen=True, slots=True)
class Parts(Shape):
    """Message content: a string, or a list of typed parts. Text parts are content (their
    `type` structural); parts that carry images, audio or files are refused unless the
    policy's ``pii.non_text`` is ``pass``; a part of a type not listed is refused."""

    text: frozenset[str]
    non_text: frozenset[str]
    typed: Mapping[str, Shape] = field(default_factory=dict)  # other known part types


# ------------------------------------------------------------------ structural checks


def _is_number(value: Any) -> bool:
    # a count or a setting: an integer below 10**6, or a fraction of at most 6 decimals
    # (up to float noise: 0.1 + 0.2); a number the size of an identifier (a phone, a card,
    # an SSN) or a fraction carrying a long run of digits (0.4111111111111111) is not
    if type(value) is int:
        return -1_000_000 < value < 1_000_000
    if type(value) is float:
        return -1e6 < value < 1e6 and abs(value - round(value, 6)) < 1e-9
    return False


def _is_token_biases(value: Any) -> bool:
    # ``logit_bias``: token ids (decimal strings below 10**6) to small numbers
    return isinstance(value, dict) and all(
        type(k) is str and 0 < len(k) <= 6 and k.isascii() and k.isdigit() and _is_number(v)
        for k, v in value.items()
    )


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


number = Structural(_is_number, "a number")
token_biases = Structural(_is_token_biases, "token biases")
NUMBERS = frozenset({number, token_biases})
"""The numeric structure: a value of another form there is refused, not scanned (a
parameter cannot carry a placeholder, and a bare number has no context to be read in)."""
boolean = Structural(_is_bool, "a boolean")
identifier = CONTENT
"""A name, tag or id (a tool's name, a schema's name, a service tier): scanned like
content. Names are where a client's surname or a dashed account number can hide, and
the detectors find nothing in ordinary names, so nothing here is trusted unscanned."""


def one_of(*values: Any) -> Structural:
    """Structure when the value is one of `values` (an enum-valued parameter)."""
    allowed = frozenset(values)
    return Structural(lambda v: isinstance(v, (str, bool, int)) and v in allowed, "an enum value")


# ------------------------------------------------------------------ chat histories
# The messages of the chat wire formats (OpenAI chat and Anthropic messages, their part
# types listed together). They sit here, below the PII library, because
# `Redactor.redact_messages` walks a chat history along CHAT_HISTORY; the wire formats
# build their body shapes from them.

TEXT_PARTS = frozenset({"text", "input_text", "output_text"})
NON_TEXT_PARTS = frozenset(
    {"image_url", "image", "input_image", "input_audio", "audio", "file", "input_file", "document"}
)
ROLE = one_of("system", "developer", "user", "assistant", "tool", "function")

_INNER_PARTS = Parts(TEXT_PARTS, NON_TEXT_PARTS, {"refusal": Fields({"type": identifier})})
PARTS = Parts(
    TEXT_PARTS,
    NON_TEXT_PARTS,
    {
        "refusal": Fields({"type": identifier}),
        # Anthropic: the model's tool input echoed back, and the tool's result
        "tool_use": Fields({"type": identifier, "name": identifier}),
        "tool_result": Fields({"type": identifier, "content": _INNER_PARTS}),
        "thinking": Fields({"type": identifier}),
        "redacted_thinking": Fields({"type": identifier}),
    },
)
TOOL_CALL = Fields(
    {"type": one_of("function"), "function": Fields({"name": identifier, "arguments": JsonText()})}
)
MESSAGE = Fields({"role": ROLE, "content": PARTS, "tool_calls": Each(TOOL_CALL)})
CHAT_HISTORY = Each(MESSAGE)
"""A chat history in OpenAI or Anthropic shape: every string is content except roles,
part types, tool names; tool-call arguments are JSON whose keys and values are content."""
