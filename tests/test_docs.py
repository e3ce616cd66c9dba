"""Every example in README.md and docs/*.md runs, and every policy fragment validates.

Each page's Python blocks run in order in one namespace (a later block may use what an
earlier one made), against the library's stand-in model server: the page's working
directory holds ``policy.toml`` and ``examples/policy.toml`` (the example policy, its
providers pointed at the server), ``RAI_POLICY`` names it and the API-key variables
are set. What a page may use without making it: ``messages``. A page's ``test_*``
functions (an example of a test) are called after its blocks. A block that cannot run
here says why, on the line before its fence::

    <!-- docs: not run: the reason -->

TOML blocks are merged into the example policy (providers by name, lists appended,
tables merged) and validated; JSON blocks parse.
"""

from __future__ import annotations

import ast
import asyncio
import copy
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SKIP = re.compile(r"<!-- docs: not run: (?P<why>\S.*?) -->")
FENCE = re.compile(r"^```(\w+)\s*$")


class Block(NamedTuple):
    page: Path
    line: int  # of the fence, 1-based
    lang: str
    code: str
    skip: str | None  # why it does not run


def blocks(page: Path) -> Iterator[Block]:
    lines = page.read_text("utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        before = lines[i - 1] if i > 0 else ""
        skip = SKIP.search(before)
        code = "\n".join(lines[i + 1 : end]) + "\n"
        yield Block(page, i + 1, m.group(1), code, skip.group("why") if skip else None)
        i = end + 1


def _id(page: Path) -> str:
    return str(page.relative_to(ROOT))


PYTHON_PAGES = [p for p in PAGES if any(b.lang == "python" for b in blocks(p))]


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeModelServer]:
    """A working directory whose policy points at a running stand-in model server."""
    with FakeModelServer() as server:
        text = (ROOT / "examples" / "policy.toml").read_text("utf-8")
        text = re.sub(r'base_url = "[^"]+"', f'base_url = "{server.base_url}"', text)
        (tmp_path / "examples").mkdir()
        for target in (tmp_path / "policy.toml", tmp_path / "examples" / "policy.toml"):
            target.write_text(text, "utf-8")
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("RAI_POLICY", str(tmp_path / "policy.toml"))
        monkeypatch.delenv("RAI_POLICY_SHA256", raising=False)
        for name in re.findall(r'api_key_env = "(\w+)"', text):
            monkeypatch.setenv(name, "sk-docs-test")
        yield server


def _run(code: str, name: str, namespace: dict[str, Any]) -> None:
    compiled = compile(code, name, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(compiled, namespace)  # a coroutine when the block awaits
    if asyncio.iscoroutine(result):
        asyncio.run(result)


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=_id)
def test_python_blocks_run(page: Path, stand_in: FakeModelServer) -> None:
    namespace: dict[str, Any] = {
        "__name__": "docs_example",
        "messages": [{"role": "user", "content": "Three taglines for our savings account."}],
    }
    ran = 0
    try:
        for block in blocks(page):
            if block.lang == "python" and block.skip is None:
                _run(block.code, f"{_id(page)}:{block.line}", namespace)
                ran += 1
        for name, fn in list(namespace.items()):  # an example test is run too
            if name.startswith("test_") and callable(fn):
                fn()
    finally:
        _close(namespace)
    assert ran or all(b.skip for b in blocks(page) if b.lang == "python")


def _close(namespace: dict[str, Any]) -> None:
    """Close what the examples opened (guards, SDK clients): their sockets must not be
    left to the garbage collector."""
    from responsible_ai import _governed

    rai.uninstrument()  # a page that instruments the process leaves it as it found it
    default, _governed._default = _governed._default, None  # @governed's default Guard
    if default is not None:
        default.close()
    for value in list(namespace.values()):
        if isinstance(value, rai.Guard):
            value.close()
        elif type(value).__module__.split(".")[0] in ("openai", "anthropic", "httpx2", "httpx"):
            close = getattr(value, "close", None)
            if callable(close) and not asyncio.iscoroutinefunction(close):
                close()


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_skipped_blocks_say_why(page: Path) -> None:
    for block in blocks(page):
        if block.skip is not None:
            assert len(block.skip) >= 10, f"{_id(page)}:{block.line}: say why it does not run"


def _merge(base: dict[str, Any], part: dict[str, Any]) -> None:
    for key, value in part.items():
        if key == "providers" and isinstance(value, list):
            by_name = {p["name"]: p for p in base.setdefault("providers", [])}
            for p in value:
                if p.get("name") in by_name:
                    by_name[p["name"]].update(p)
                else:
                    base["providers"].append(p)
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        elif isinstance(value, list) and isinstance(base.get(key), list):
            base[key] = base[key] + value
        else:
            base[key] = value


EXAMPLE = tomllib.loads((ROOT / "examples" / "policy.toml").read_text("utf-8"))
DATA_BLOCKS = [b for p in PAGES for b in blocks(p) if b.lang in ("toml", "json")]


@pytest.mark.parametrize("block", DATA_BLOCKS, ids=lambda b: f"{_id(b.page)}:{b.line}")
def test_data_blocks_are_valid(block: Block) -> None:
    if block.skip is not None:
        return
    where = f"{_id(block.page)}:{block.line}"
    if block.lang == "json":
        json.loads(block.code)  # a JSON block is JSON (no comments)
        return
    part = tomllib.loads(block.code)
    merged = copy.deepcopy(EXAMPLE)
    _merge(merged, part)
    rai.Policy.from_dict(merged, source=where)
