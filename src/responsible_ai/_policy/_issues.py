"""Policy errors as people read them: a key path, what was expected, a bounded quote.

pydantic's errors become `PolicyIssue`s (``providers[1].models: expected a valid list``)
by walking the annotations of the root model. A document with schema errors is also
`repaired` with stand-ins for a second look, so that one pass names every problem.
"""

from __future__ import annotations

import json
import reprlib
import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel

from .._errors import PolicyIssue
from ._tags import TAG_PATTERN

__all__ = ["MAX_ISSUES", "capped", "format_loc", "issue", "repaired", "short", "under"]

MAX_ISSUES = 20

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple, _REPR.maxset = 2, 4, 4, 4, 4
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 40


def short(value: Any) -> str:
    """A bounded repr: a bad value is quoted, never printed whole (it may be huge)."""
    text = _REPR.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def capped(issues: list[PolicyIssue]) -> list[PolicyIssue]:
    """The first `MAX_ISSUES` issues, then one that counts the rest."""
    if len(issues) <= MAX_ISSUES:
        return issues
    more = len(issues) - MAX_ISSUES
    return [*issues[:MAX_ISSUES], PolicyIssue("", f"... and {more} more problems")]


def issue(err: Any, root: type[BaseModel]) -> PolicyIssue:
    """One pydantic error of validating `root` as a `PolicyIssue`."""
    loc: tuple[int | str, ...] = tuple(err["loc"])
    kind: str = err["type"]
    path = format_loc(loc, root)
    if kind == "missing":
        return PolicyIssue(path, "required key is missing")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], root)
        hint = f" (expected one of: {', '.join(allowed)})" if allowed else ""
        return PolicyIssue(path, f"unknown key{hint}")
    message = err["msg"]
    if kind == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == TAG_PATTERN:
        message = (
            "Input should be a use-case tag (a lowercase dotted name such as 'marketing.copy')"
        )
    quiet = loc[:2] == ("pii", "allow") and kind != "literal_error"  # its terms may be data
    if "input" in err and kind not in ("missing",) and not quiet:
        message += f", got {short(err['input'])}"
    if kind == "value_error":
        message = str(err.get("ctx", {}).get("error", message))
        return PolicyIssue(path, f"expected {message}")
    if message.startswith("Input should be "):
        return PolicyIssue(path, "expected " + message.removeprefix("Input should be "))
    return PolicyIssue(path, f"expected: {message[0].lower()}{message[1:]}")


def format_loc(loc: tuple[int | str, ...], root: type[BaseModel]) -> str:
    """``('use_cases', 'rules', 'hr', 'blocked')`` -> ``use_cases.rules["hr"].blocked``."""
    out = ""
    tp: Any = root
    for part in loc:
        tp = _unwrap(tp)
        if part == "[key]":
            out += " (key)"
        elif isinstance(part, int):
            out += f"[{part}]"
            tp = _item_type(tp)
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            out += f".{part}" if out else part
            field = tp.model_fields.get(part)
            tp = field.annotation if field is not None else None
        else:  # a key of a dict, such as a use-case tag
            out += f'["{part}"]'
            tp = _item_type(tp)
    return out


def _allowed_keys(loc: tuple[int | str, ...], root: type[BaseModel]) -> list[str]:
    """The field names of the model found at `loc`, walking `root`'s annotations."""
    tp: Any = root
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(part, str):
            field = tp.model_fields.get(part)
            if field is None:
                return []
            tp = field.annotation
        else:
            tp = _item_type(tp)
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _item_type(tp: Any) -> Any:
    """list[X] -> X, dict[K, V] -> V (None when unknown)."""
    args = [a for a in typing.get_args(_unwrap(tp)) if a is not type(None)]
    return args[-1] if args else None


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            models = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(models) != 1:
                return tp
            tp = models[0]
        else:
            return tp


# stand-ins for required values that were wrong or missing (only for the second look)
_STAND_INS: dict[str, Any] = {
    "kind": "openai", "base_url": "https://stand-in.invalid/v1", "models": ["*"],
    "tier": "enterprise", "id": "stand-in", "version": "0", "provider": "stand-in",
}  # fmt: skip


def under(path: str, paths: set[str]) -> bool:
    """Whether `path` is one of `paths` or lies under one (linear in the path's length)."""
    if path in paths:
        return True
    return any(path[:i] in paths for i, c in enumerate(path) if c in ".[")


def repaired(data: Mapping[str, Any], errors: Any) -> dict[str, Any] | None:
    """A copy of `data` whose wrong values are dropped (optional keys) or stand-ins
    (required ones), for a second look; None when the errors cannot be repaired."""
    try:
        doc: Any = json.loads(json.dumps(data))  # plain JSON data (checked): a deep copy
    except (ValueError, TypeError, RecursionError):
        return None  # (an integer too long to write, say): the schema errors stand alone
    for n, err in enumerate(errors):
        loc = [k for k in err["loc"] if isinstance(k, (str, int))]
        if not loc:
            return None
        try:
            parent = doc
            for key in loc[:-1]:
                parent = parent[key]
            leaf = loc[-1]
            if isinstance(parent, dict) and leaf == "name":
                parent[leaf] = f"stand-in-{n}"
            elif isinstance(parent, dict) and leaf in _STAND_INS:
                parent[leaf] = _STAND_INS[str(leaf)]
            elif isinstance(parent, dict):
                parent.pop(leaf, None)
            else:
                return None
        except (KeyError, IndexError, TypeError):
            return None
    return dict(doc) if isinstance(doc, dict) else None
