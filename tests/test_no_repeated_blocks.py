"""No block of more than ten lines is written twice in ``src/``: where logic repeats, one piece
of code serves both places.

Lines are compared with their indentation stripped (a block moved into a function or a class
is still the same block); blank lines and import statements are skipped (imports name what a
module uses; two modules using the same names is not a copy). Alembic migrations are left out:
each restates the schema of its moment and must never change once released, so their likeness
to each other is history, not a copy to merge.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import clearance

SRC = Path(clearance.__file__).parent
WINDOW = 11
"""More than ten lines."""


def _import_lines(source: str) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def _lines(source: str) -> list[tuple[int, str]]:
    skipped = _import_lines(source)
    return [
        (number, line.strip())
        for number, line in enumerate(source.splitlines(), start=1)
        if line.strip() and number not in skipped
    ]


def repeated_blocks(sources: dict[str, str], window: int = WINDOW) -> list[list[str]]:
    """Each block of ``window`` lines found in more than one place (``name:line``), given the
    text of each file by name."""
    places: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for name, source in sources.items():
        lines = _lines(source)
        for start in range(len(lines) - window + 1):
            block = tuple(text for _, text in lines[start : start + window])
            places[block].append(f"{name}:{lines[start][0]}")
    return [where for where in places.values() if len(where) > 1]


def _src() -> dict[str, str]:
    return {
        str(path.relative_to(SRC.parent)): path.read_text(encoding="utf-8")
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts
    }


def test_no_block_of_more_than_ten_lines_repeats_in_src() -> None:
    sources = _src()
    assert len(sources) > 150  # the walk really read the package
    assert repeated_blocks(sources) == []


_BODY = [f"x{i} = compute({i})" for i in range(WINDOW)]


def test_the_check_finds_a_block_copied_into_another_indentation() -> None:
    first = "def a():\n" + "\n".join("    " + line for line in _BODY) + "\n"
    second = "class B:\n    def b(self):\n" + "\n\n".join(" " * 8 + line for line in _BODY)
    found = repeated_blocks({"a.py": first, "b.py": second})
    assert found == [["a.py:2", "b.py:3"]]


def test_ten_shared_lines_or_shared_imports_pass() -> None:
    ten = "\n".join(_BODY[:10])
    imports = "from x import (\n" + "".join(f"    name{i},\n" for i in range(WINDOW)) + ")\n"
    sources = {"a.py": ten + "\nprint(1)\n" + imports, "b.py": ten + "\nprint(2)\n" + imports}
    assert repeated_blocks(sources) == []
