"""The house's import rules, checked on every module's imports, lazy ones included.

DESIGN.md's table gives each package a layer; a package imports only its own layer and below,
no two packages import each other through any chain, and nobody imports another package's
private (``_x``) module or name. A circle here is what a function-level import hides at run
time, so the walk reads every ``import`` in a module, not only those at its top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import clearance

SRC = Path(clearance.__file__).parent

LAYERS: dict[str, int] = {
    "cli": 5,
    "web": 5,
    "reports": 4,
    "assess": 3,
    "governance": 3,
    "runner": 3,
    "monitoring": 3,
    "redteam": 3,
    "interop": 3,
    "supplychain": 3,
    "accountability": 3,
    "suites": 2,
    "tasks": 2,
    "store": 2,
    "ledger": 2,
    "access": 2,
    "models": 1,
    "datasets": 1,
    "sandbox": 1,
    "stats": 1,
    # Layer 0: the shared nouns and settings, and the single-module helpers everyone may use.
    "vocabulary": 0,
    "settings": 0,
    "errors": 0,
    "registry": 0,
    "atomicfile": 0,
    "yamldoc": 0,
    "spreadsheet": 0,
    "commithooks": 0,
    "filemodes": 0,
    "urls": 0,
}
"""DESIGN.md's table, by package (or top-level module) under ``clearance``."""


@dataclass(frozen=True)
class Import:
    module: str
    """The importing module, dotted."""
    target: str
    """What it imports, dotted, down to the name for ``from X import name``."""
    line: int

    @property
    def source_package(self) -> str:
        return _package(self.module)

    @property
    def target_package(self) -> str:
        return _package(self.target)

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def _package(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else ""


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts).removesuffix(".__init__")


def _imports(path: Path) -> Iterator[Import]:
    module = _module_name(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield Import(module, f"{node.module}.{alias.name}", node.lineno)


def _between_packages() -> list[Import]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for imp in _imports(path):
            if imp.target.startswith("clearance.") and imp.target_package != imp.source_package:
                found.append(imp)
    return found


IMPORTS = _between_packages()


def _is_private(imp: Import) -> bool:
    # clearance.<package>.<rest…>: any part of <rest> that is _private (not a dunder).
    rest = imp.target.split(".")[2:]
    return any(part.startswith("_") and not part.startswith("__") for part in rest)


def test_the_walk_sees_the_packages_and_their_imports() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in SRC.glob("*.py") if p.stem != "__init__"}
    assert packages | modules <= set(LAYERS), "a package is missing from DESIGN's table"
    assert len(IMPORTS) > 100


def test_no_package_imports_a_higher_layer() -> None:
    upward = [
        f"{imp} (layer {LAYERS[imp.source_package]} -> {LAYERS[imp.target_package]})"
        for imp in IMPORTS
        if LAYERS[imp.target_package] > LAYERS[imp.source_package]
    ]
    assert upward == []


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in LAYERS}
    for imp in IMPORTS:
        graph[imp.source_package].add(imp.target_package)
    return graph


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A chain of imports from ``start`` back to itself, if there is one."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(graph[node]):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_no_circle_between_packages() -> None:
    graph = _graph()
    circles = [c for name in sorted(graph) if (c := _cycle_from(name, graph))]
    assert circles == []


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycle_from("a", graph) == ["a", "b", "c", "a"]
    assert _cycle_from("d", graph) is None


@pytest.mark.parametrize(
    ("target", "private"),
    [
        ("clearance.store._schema.RunRow", True),
        ("clearance.tasks._answers", True),
        ("clearance.store._private_name", True),
        ("clearance.store.RunRecord", False),
        ("clearance.store.__version__", False),
    ],
)
def test_what_counts_as_private(target: str, private: bool) -> None:
    assert _is_private(Import("clearance.governance._x", target, 1)) is private


def test_no_module_imports_another_packages_private_module() -> None:
    private = [str(imp) for imp in IMPORTS if _is_private(imp)]
    assert private == []


def test_no_module_outside_the_store_touches_a_unit_of_works_session() -> None:
    # Writes go through the store's typed repositories, which ledger them; a service that
    # reached the session could change a row with no ledger entry.
    touching = []
    for path in sorted(SRC.rglob("*.py")):
        if _package(_module_name(path)) == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_session = isinstance(node, ast.Attribute) and node.attr == "session"
            if is_session and isinstance(node.value, ast.Name) and node.value.id == "uow":
                touching.append(f"{_module_name(path)}:{node.lineno}")
    assert touching == []


def test_no_cli_module_is_over_400_lines() -> None:
    # The CLI is thin: parse, call a service with the acting principal, render. A module that
    # grows past this is holding logic that belongs to a domain package.
    long = {
        path.name: n
        for path in sorted((SRC / "cli").glob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}
