"""Reading a policy document: the file (bounded), its format (TOML, JSON, YAML), plain
data only, no key given twice, its canonical hash and the pin (``RAI_POLICY_SHA256``)."""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import stat
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .._errors import PolicyError, PolicyHashMismatch, PolicyIssue
from ._issues import short

__all__ = [
    "MAX_DEPTH",
    "MAX_POLICY_BYTES",
    "POLICY_ENV",
    "POLICY_SHA256_ENV",
    "canonical_sha256",
    "check_pin",
    "no_duplicate_keys",
    "not_plain",
    "read_document",
]

POLICY_ENV = "RAI_POLICY"
POLICY_SHA256_ENV = "RAI_POLICY_SHA256"
MAX_POLICY_BYTES = 1_000_000
MAX_DEPTH = 32


def read_document(path: str | os.PathLike[str] | None) -> tuple[str, dict[str, Any]]:
    """The source and the parsed document of the policy file at `path` (with no `path`,
    the file named by ``RAI_POLICY``)."""
    if path is None:
        env = os.environ.get(POLICY_ENV)
        if not env:
            raise PolicyError(
                f"${POLICY_ENV}",
                [PolicyIssue("", f"no policy given: pass a path or set {POLICY_ENV}")],
            )
        path = env
    source = str(path)
    raw = _read_bounded(Path(path), source)
    return source, _parse(raw, Path(path).suffix.lower(), source)


def _read_bounded(file: Path, source: str) -> bytes:
    """The file's bytes: a regular file of at most `MAX_POLICY_BYTES` (not a device, a
    pipe or a directory; opened without blocking, read no further than the limit)."""
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise PolicyError(source, [PolicyIssue("", f"cannot read file: {exc.strerror}")]) from None
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        regular = False
    if not regular:
        os.close(fd)
        raise PolicyError(source, [PolicyIssue("", "expected a regular file")])
    with os.fdopen(fd, "rb") as f:
        raw = f.read(MAX_POLICY_BYTES + 1)
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(
            source, [PolicyIssue("", f"expected a file of at most {MAX_POLICY_BYTES} bytes")]
        )
    return raw


def _parse(raw: bytes, suffix: str, source: str) -> dict[str, Any]:
    def fail(message: str) -> PolicyError:
        return PolicyError(source, [PolicyIssue("", message)])

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise fail("not UTF-8 text") from None
    try:
        data = _parse_text(text, suffix, fail)
    except RecursionError:
        raise fail(f"expected data nested at most {MAX_DEPTH} levels deep") from None
    except ValueError:  # e.g. an integer of thousands of digits
        raise fail("a value that cannot be read (an integer far too long?)") from None
    if not isinstance(data, dict):
        raise fail(f"expected a table/object at the top level, got {type(data).__name__}")
    return data


def _parse_text(text: str, suffix: str, fail: Callable[[str], PolicyError]) -> Any:
    data: Any
    if suffix == ".toml":
        try:
            data = tomllib.loads(text)  # TOML itself forbids a key given twice
        except tomllib.TOMLDecodeError as exc:
            raise fail(f"TOML syntax error: {str(exc)[:300]}") from None
    elif suffix == ".json":
        try:
            data = json.loads(text, object_pairs_hook=no_duplicate_keys)
        except json.JSONDecodeError as exc:
            raise fail(
                f"JSON syntax error: {exc.msg} (at line {exc.lineno}, column {exc.colno})"
            ) from None
        except ValueError as exc:
            raise fail(f"JSON: {exc}") from None
    elif suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise fail(
                "YAML policies need the yaml extra: pip install 'responsible-ai-policy[yaml]'"
            ) from None
        try:
            data = yaml.load(text, Loader=_yaml_loader())  # a SafeLoader, stricter
        except yaml.YAMLError as exc:
            raise fail(f"YAML error: {str(exc)[:300]}") from None
    else:
        raise fail(
            f"unknown policy format {suffix or '(no suffix)'!r}; expected .toml, .json or .yaml"
        )
    return data


def no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A `json.loads` ``object_pairs_hook``: a key given twice is an error (the last one
    would silently win in Python, the first in other parsers)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {short(key)} is given twice")
        out[key] = value
    return out


@functools.cache
def _yaml_loader() -> Any:
    """A safe YAML loader that refuses aliases (a few hundred bytes of them expand to
    gigabytes) and keys given twice."""
    import yaml

    class Loader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not allowed in a policy", mark
                )
            return super().compose_node(parent, index)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[str] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, str):
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"the key {short(key)} is given twice",
                            key_node.start_mark,
                        )  # fmt: skip
                    seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return Loader


def not_plain(data: Any) -> PolicyIssue | None:
    """The first value that is not plain JSON data (objects with string keys, arrays,
    strings, finite numbers, booleans, null), or nested deeper than `MAX_DEPTH`: a YAML
    set, date or binary has no canonical form, so the policy's hash would not be stable."""
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        value, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            return PolicyIssue(path, f"expected data nested at most {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            trimmed: set[str] = set()
            for key, item in value.items():
                if not isinstance(key, str):
                    return PolicyIssue(path, f"expected text keys, got {short(key)}")
                if key.strip() in trimmed:  # keys are trimmed: "hr " would overwrite "hr"
                    return PolicyIssue(path, f"the key {short(key.strip())} is given twice")
                trimmed.add(key.strip())
                stack.append((item, depth + 1, f"{path}.{key}" if path else key))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, f"{path}[{i}]") for i, item in enumerate(value))
        elif isinstance(value, float):
            if not math.isfinite(value):
                return PolicyIssue(path, "expected a finite number")
        elif value is not None and not isinstance(value, (str, bool, int)):
            return PolicyIssue(
                path, "expected plain data (text, number, boolean, list, table), got a "
                f"{type(value).__name__}"
            )  # fmt: skip
    return None


def canonical_sha256(data: Mapping[str, Any]) -> str:
    """SHA-256 of the document as canonical JSON (sorted keys, no whitespace, UTF-8).

    The hash is of what the file says, not of its formatting: comments, key order,
    whitespace and the choice of TOML, JSON or YAML do not change it; any value does.
    """
    # plain JSON data only (`from_dict` checks): the same bytes in every process
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def check_pin(source: str, actual: str, sha256: str | None) -> None:
    """Refuse a policy whose canonical hash `actual` is not the pinned one: `sha256`, or
    else ``RAI_POLICY_SHA256``."""
    expected = sha256 or os.environ.get(POLICY_SHA256_ENV)
    if expected and expected.strip().lower() != actual:
        raise PolicyHashMismatch(source, expected.strip().lower(), actual)
