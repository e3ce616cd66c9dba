"""Modules import only their own layer or lower ones: no import points up, none goes round in a circle."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import pytest

import responsible_ai

# Low to high: a module may import only its own layer or lower ones; a module's layer is that of
# its top-level component under the package. docs/design.md draws the same layers: change both.
LAYERS = {
    **dict.fromkeys(
        [
            "_errors",
            "_clock",
            "_version",
            "_regex",
            "_sse",
            "_http",
            "_entities",
            "_pseudonym",
            "_shapes",
        ],
        0,
    ),  # foundation
    **dict.fromkeys(["_policy", "_usecases"], 1),  # policy data
    **dict.fromkeys(
        ["_pii", "_provenance", "_credentials", "_audit", "_telemetry", "presidio", "_evidence"], 2
    ),  # libraries
    **dict.fromkeys(["_types", "_call", "_evaluation"], 3),  # shared shapes
    **dict.fromkeys(["_providers"], 4),  # wire formats
    **dict.fromkeys(["_steps"], 5),  # steps
    **dict.fromkeys(["_pipeline", "_observe", "_send"], 6),  # pipeline, observation, senders
    **dict.fromkeys(["_governance"], 7),  # the composition root
    **dict.fromkeys(["_guard", "_transport"], 8),  # drivers (peers: neither imports the other)
    **dict.fromkeys(
        [
            "_governed",
            "_instrument",
            "_cli",
            "_demo",
            "testing",
            "pytest_plugin",
            "__main__",
            "_evidence_cli",
        ],
        9,
    ),  # adapters and CLI
    "__init__": 10,  # the face: the package `__init__` itself
}
# who calls and how much: the principal is foundation, the state store and training records libraries
LAYERS.update({"_principal": 0, "_state": 2, "_training": 2, "_cli_limits": 9})
# a conversation's placeholders across replicas: a library (over _pii and _state), its CLI
LAYERS.update({"_conversations": 2, "_cli_conversations": 9})

PKG = responsible_ai.__name__
PKG_DIR = Path(responsible_ai.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PKG_DIR).with_suffix("").parts
    return ".".join((PKG, *parts[: -1 if parts[-1] == "__init__" else None]))


FILES = {_module_name(p): p for p in sorted(PKG_DIR.rglob("*.py"))}


class Edge(NamedTuple):
    importer: str
    imported: str
    name: str | None  # the name taken by `from m import name`, unless it is a submodule


def _top(module: str) -> str:
    return module.split(".")[1] if "." in module else "__init__"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _edges_of(module: str, source: str, is_package: bool) -> list[Edge]:
    """Every import of the package in `source`: module-level, lazy and under `if TYPE_CHECKING:`."""
    package = module if is_package else module.rpartition(".")[0]
    edges: list[Edge] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            edges += [Edge(module, a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = f"{package.rsplit('.', node.level - 1)[0]}.{base}".rstrip(".")
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                edges.append(
                    Edge(module, sub, None) if sub in FILES else Edge(module, base, alias.name)
                )
    return [e for e in edges if e.imported == PKG or e.imported.startswith(PKG + ".")]


EDGES = [
    edge
    for module, path in FILES.items()
    for edge in _edges_of(module, path.read_text(encoding="utf-8"), path.name == "__init__.py")
]


def _arrows(edges: Iterable[Edge]) -> list[str]:
    return sorted({f"{e.importer} -> {e.imported}" for e in edges})


def test_walk_sees_every_kind_of_import() -> None:
    """The walk resolves relative imports and sees lazy and TYPE_CHECKING ones (on a snippet)."""
    source = "from .._errors import E\nif TYPE_CHECKING:\n    from .. import _pii\ndef f():\n    import os, responsible_ai\n"
    edges = _edges_of(f"{PKG}._pii._step", source, is_package=False)
    want = {(f"{PKG}._errors", "E"), (f"{PKG}._pii", None), (PKG, None)}
    assert {(e.imported, e.name) for e in edges} == want


def test_every_module_has_a_layer() -> None:
    """Every module sits in a layer of the table: a new top-level module is placed deliberately."""
    assert sorted(m for m in FILES if _top(m) not in LAYERS) == []


def test_no_import_points_up() -> None:
    """A module imports only modules of its own layer or of lower layers."""
    # Unplaced modules are skipped here: test_every_module_has_a_layer reports them.
    pairs = [(e, LAYERS.get(_top(e.importer), 99), LAYERS.get(_top(e.imported), -1)) for e in EDGES]
    up = sorted({f"{e.importer} -> {e.imported} (layer {a} -> {b})" for e, a, b in pairs if b > a})
    assert not up, "imports pointing up:\n" + "\n".join(up)


def _find_cycle(edges: Iterable[Edge]) -> list[str] | None:
    """One import circle, by depth-first search, or None."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        if e.importer != e.imported:
            graph.setdefault(e.importer, set()).add(e.imported)
    done: set[str] = set()
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in stack:
            return [*stack[stack.index(node) :], node]
        if node in done:
            return None
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if cycle := visit(target):
                return cycle
        stack.pop()
        done.add(node)
        return None

    return next((c for node in sorted(graph) if (c := visit(node))), None)


def test_no_import_circle() -> None:
    """No module reaches itself through imports of any kind (module-level, lazy or for typing)."""
    cycle = _find_cycle(EDGES)
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_nothing_imports_the_face() -> None:
    """No module inside the package imports the package `__init__` (`import responsible_ai`, `from . import x`)."""
    bad = _arrows(e for e in EDGES if e.imported == PKG and e.importer != PKG)
    assert not bad, bad


def test_no_private_names_cross_modules() -> None:
    """No module takes another module's `_private` name (dunders are fine)."""
    bad = sorted(
        {f"{e.importer} -> {e.imported}.{e.name}" for e in EDGES if e.name and _is_private(e.name)}
    )
    assert not bad, bad


def _private_home(module: str) -> str:
    """The package a module is private to: the parent of its innermost private part below
    the top level (`_pii._names._keys`: `_pii._names`); the package itself for the rest."""
    parts = module.split(".")
    for k in range(len(parts) - 1, 1, -1):
        if _is_private(parts[k]):
            return ".".join(parts[:k])
    return PKG


def _outside_home(e: Edge) -> bool:
    home = _private_home(e.imported)
    return e.importer != home and not e.importer.startswith(home + ".")


def test_private_module_rule_on_names() -> None:
    """A private module below the top level is private to its package (on module names)."""
    assert _private_home(f"{PKG}._pii._names._keys") == f"{PKG}._pii._names"
    assert _private_home(f"{PKG}._pii._findings") == f"{PKG}._pii"
    assert _private_home(f"{PKG}._shapes") == _private_home(f"{PKG}._pii") == PKG
    assert _outside_home(Edge(f"{PKG}._types", f"{PKG}._pii._findings", "Finding"))
    assert not _outside_home(Edge(f"{PKG}._pii._walker", f"{PKG}._pii._findings", "Finding"))
    assert _outside_home(Edge(f"{PKG}._pii._walker", f"{PKG}._pii._names._keys", "KeyHints"))
    assert not _outside_home(Edge(f"{PKG}._pii._names", f"{PKG}._pii._names._keys", "KeyHints"))


def test_private_modules_stay_in_their_package() -> None:
    """Nothing outside a package imports its private modules: it goes through the package's
    `__init__` (`from .._pii import Finding`, not `from .._pii._findings import Finding`)."""
    bad = sorted({f"{e.importer} -> {e.imported}" for e in EDGES if _outside_home(e)})
    assert not bad, bad


def test_pii_and_provenance_are_independent() -> None:
    """The two libraries `_pii` and `_provenance` do not import each other."""
    pair = {"_pii", "_provenance"}
    bad = _arrows(e for e in EDGES if {_top(e.importer), _top(e.imported)} == pair)
    assert not bad, bad


def test_credentials_is_independent_of_pii() -> None:
    """`_credentials` (Content Credentials) and `_pii` do not import each other."""
    pair = {"_pii", "_credentials"}
    bad = _arrows(e for e in EDGES if {_top(e.importer), _top(e.imported)} == pair)
    assert not bad, bad


def test_call_imports_only_types_and_data() -> None:
    """`_call` imports only the shapes and data it describes: `_types`, policy data, `_pii`, `_provenance`, `_errors`."""
    if not (PKG_DIR / "_call.py").exists():
        pytest.skip("_call.py does not exist yet")
    allowed = {"_types", "_policy", "_usecases", "_pii", "_provenance", "_errors"}
    allowed |= {"_principal", "_state"}  # who a call is for, what the limits step holds
    bad = _arrows(
        e for e in EDGES if _top(e.importer) == "_call" and _top(e.imported) not in allowed
    )
    assert not bad, bad


# The rooms that carry bytes, compose, record or adapt: a refusal there would be a rule
# outside the steps (every protection is a step, each rule once).
NOT_STEPS = (
    "_guard", "_transport", "_governed", "_governance", "_observe", "_pipeline", "_send",
    "_instrument",
)  # fmt: skip


def _policy_errors() -> set[str]:
    from responsible_ai import _errors

    roots = (_errors.PolicyViolation, _errors.RedactionFailed)
    return {
        name
        for name, value in vars(_errors).items()
        if isinstance(value, type) and issubclass(value, roots)
    } | {"unreadable", "violation"}


def _builds(source: str, names: set[str]) -> list[int]:
    """The lines of `source` that construct (call) one of `names`, plainly or as an attribute."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in names:
                lines.append(node.lineno)
    return lines


def test_the_walk_finds_a_refusal_built_by_hand() -> None:
    """The walk below sees a policy error built directly and through a helper (on a snippet)."""
    snippet = "raise UseCaseBlocked('x')\ne = admit.unreadable('y')\nraise ValueError()\n"
    assert _builds(snippet, _policy_errors()) == [1, 2]


def test_only_steps_raise_policy_errors() -> None:
    """Drivers, the composition root, the record and the runner build no policy error: every
    refusal (`PolicyViolation`, `RedactionFailed`, an unreadable request) comes from a step."""
    names = _policy_errors()
    found = [
        f"{module}:{line}"
        for module, path in FILES.items()
        if _top(module) in NOT_STEPS
        for line in _builds(path.read_text(encoding="utf-8"), names)
    ]
    assert not found, "policy errors built outside a step: " + ", ".join(found)


def test_no_module_is_a_god_module() -> None:
    """No module is over 600 lines, except data tables, which say so in their first line."""
    big = [
        f"{module} ({lines} lines)"
        for module, path in FILES.items()
        if (lines := len(text := path.read_text(encoding="utf-8").splitlines())) > 600
        and "data table" not in text[0].lower()
    ]
    assert not big, big
