"""The stand-in model's answers: a deterministic reply to a prompt, the tool a request
forces, and JSON that fits a requested schema (structured output)."""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "chosen_tool",
    "format_schema",
    "last_user_text",
    "schema_arguments",
    "schema_example",
    "split_chunks",
    "stand_in_answer",
]


def stand_in_answer(prompt: str) -> str:
    """The deterministic stand-in model: a short reply that quotes the prompt back.

    Quoting makes the effect of the pipeline visible (what the provider received is what
    it can repeat) and gives streams several chunks.
    """
    quoted = " ".join(prompt.split())
    if len(quoted) > 240:
        quoted = quoted[:237] + "..."
    return (
        f"Here is a draft based on your request: \u201c{quoted}\u201d. Please review it before use."
    )


def last_user_text(messages: Any) -> str:
    if not isinstance(messages, list):
        return ""
    for m in reversed(messages):
        if isinstance(m, dict) and m.get("role") == "user":
            content = m.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(
                    str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p
                )
    return ""


def chosen_tool(tools: list[dict[str, Any]], choice: Any, named: Any) -> dict[str, Any] | None:
    """The tool the stand-in model calls: the one `choice` names, else the first; none
    when there are no tools or the choice is "none"."""
    if not tools or choice == "none" or (isinstance(choice, dict) and choice.get("type") == "none"):
        return None
    name = named(choice) if isinstance(choice, dict) else None
    if name:
        return next((t for t in tools if t.get("name") == name), None)
    return tools[0]


def format_schema(fmt: Any) -> Any:
    """The JSON schema a structured-output request asks the answer to follow (chat's
    ``response_format``, Responses' ``text.format``), or None."""
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return None
    inner = fmt.get("json_schema", fmt)  # chat nests it; Responses does not
    schema = inner.get("schema") if isinstance(inner, dict) else None
    return schema if isinstance(schema, dict) else {}


def schema_arguments(schema: Any, text: str) -> Any:
    """A forced tool call's arguments: an object `schema` accepts (``{"query": text}``
    for a tool whose parameters say nothing more than "an object")."""
    if not isinstance(schema, dict) or not (schema.get("properties") or schema.get("$ref")):
        return {"query": text}
    return schema_example(schema, text)


def schema_example(schema: Any, text: str, root: Any = None, depth: int = 0) -> Any:
    """A value that `schema` (a JSON schema) accepts, its strings quoting `text`: what
    the stand-in model answers to a forced tool call or a structured-output request.
    An object schema without properties gets ``{"query": text}``."""
    root = schema if root is None else root
    if not isinstance(schema, dict) or depth > 12:
        return text
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return schema_example(target, text, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema and schema.get("type") != "object":
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key) or [] if isinstance(o, dict)]
        if options:
            usable = [o for o in options if o.get("type") != "null"] or options
            return schema_example(usable[0], text, root, depth + 1)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties")
        if not isinstance(props, dict) or not props:
            return {"query": text}
        return {k: schema_example(v, text, root, depth + 1) for k, v in props.items()}
    if kind == "array":
        items = schema_example(schema.get("items", {}), text, root, depth + 1)
        return [items] * max(1, int(schema.get("minItems") or 1))
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum")) or 0
        number = max(0, int(low) + (1 if "exclusiveMinimum" in schema else 0))
        return number if kind == "integer" else float(number)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    fmt = schema.get("format")
    if fmt == "date-time":
        return "2026-01-01T00:00:00Z"
    if fmt == "date":
        return "2026-01-01"
    value = text or "text"
    if isinstance(schema.get("maxLength"), int):
        value = value[: schema["maxLength"]]
    return value.ljust(int(schema.get("minLength") or 0), ".")


def split_chunks(text: str) -> list[str]:
    return re.findall(r"\S+\s*|\s+", text) or [""]
