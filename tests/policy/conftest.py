"""Documents and helpers shared by the policy tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

import responsible_ai as rai

from ..conftest import base_policy

MINIMAL = """
[policy]
id = "p"
version = "1"

[[providers]]
name = "a"
kind = "openai"
base_url = "https://a.example/v1"
models = ["m-1", "m-2*"]
tier = "enterprise"
"""


def write(path: Path, text: str) -> Path:
    """`text` written to `path`, which is returned."""
    path.write_text(text, encoding="utf-8")
    return path


def changed(**changes: Any) -> dict[str, Any]:
    """The base policy (https providers) with each ``a__b__0=value`` set at ``a.b[0]``."""
    data = copy.deepcopy(base_policy("https://api.example.test/v1"))
    for dotted, value in changes.items():
        node: Any = data
        *head, last = dotted.split("__")
        for key in head:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value
    return data


def error_of(data: dict[str, Any]) -> str:
    """The text of the `PolicyError` that validating `data` raises."""
    with pytest.raises(rai.PolicyError) as info:
        rai.Policy.from_dict(data, source="p.json")
    return str(info.value)


def issues_of(data: dict[str, Any]) -> list[str]:
    """The issues of the `PolicyError` that validating `data` as ``acme.toml`` raises."""
    with pytest.raises(rai.PolicyError) as info:
        rai.Policy.from_dict(data, source="acme.toml")
    assert info.value.source == "acme.toml"
    assert str(info.value).startswith("acme.toml: invalid policy")
    return [str(i) for i in info.value.issues]
