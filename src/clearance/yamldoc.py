"""YAML documents that remember where each value came from, so an error can name its line.

Task files, threshold policies and governance rules are all YAML a person edits; each loader
validates the data with pydantic and uses :meth:`YamlDocument.line_of` to turn a validation
error's location into the line the person must fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from clearance.errors import ClearanceError

Location = tuple[int | str, ...]

MAX_DEPTH = 64
"""The deepest nesting a document may have: a task file or policy is a few levels deep, and a
deeper one (maliciously, 100,000 levels) would exhaust the parser's stack."""
MAX_EXPANDED_NODES = 200_000
"""The most values a document may hold once its aliases are expanded. Aliases let a few lines
name each other until they stand for billions of values ("billion laughs"); a reader that walks
them (validation, digests) would never finish."""

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
"""The largest YAML file read: task files, policies and intakes hold settings, a few kilobytes;
the data go in dataset files, which are read a record at a time. A larger file is refused before
it is read, so a mistaken path (a dataset, a disk image) costs no memory."""


def oversized(path: Path) -> str | None:
    """Why ``path`` is too large to read as a YAML document, or None (also when it cannot be
    examined: reading it then names that)."""
    try:
        size = path.stat().st_size
    except OSError:
        return None
    if size <= MAX_DOCUMENT_BYTES:
        return None
    return (
        f"the file is {size:,} bytes, more than the {MAX_DOCUMENT_BYTES:,} a YAML file of "
        "settings may have; is it the right file? (records belong in a dataset file)"
    )


class YamlSyntaxError(ClearanceError, ValueError):
    """Text that is not valid YAML; ``line`` is 1-based where the parser knew it."""

    def __init__(self, line: int | None, problem: str) -> None:
        super().__init__(f"not valid YAML: {problem}")
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class YamlDocument:
    """Parsed data and the node tree it came from."""

    data: Any
    root: yaml.Node | None

    @classmethod
    def parse(cls, text: str) -> YamlDocument:
        """Parse ``text``; ``YamlSyntaxError`` (with its line where known) for anything that is
        not one plain, bounded YAML document."""
        if len(text) > MAX_DOCUMENT_BYTES:
            raise YamlSyntaxError(
                None,
                f"more than {MAX_DOCUMENT_BYTES:,} characters; a YAML file of settings is "
                "a few kilobytes (records belong in a dataset file)",
            )
        loader: _BoundedLoader | None = None
        try:
            loader = _BoundedLoader(text)
            root = loader.get_single_node()
            if root is not None:
                _check_expansion(root)
                _check_duplicate_keys(root)
            data = loader.construct_document(root) if root is not None else None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            raise YamlSyntaxError(line, str(exc.problem or exc.context)) from exc
        except yaml.reader.ReaderError as exc:
            # NUL bytes and other characters YAML forbids; its position counts characters.
            line = text.count("\n", 0, exc.position) + 1
            char = exc.character if isinstance(exc.character, int) else ord(exc.character)
            raise YamlSyntaxError(
                line, f"the character U+{char:04X} is not allowed in YAML text; remove it"
            ) from exc
        except yaml.YAMLError as exc:
            raise YamlSyntaxError(None, str(exc)) from exc
        except RecursionError:
            raise YamlSyntaxError(
                None, f"nested too deeply (more than {MAX_DEPTH} levels)"
            ) from None
        finally:
            if loader is not None:
                loader.dispose()
        return cls(data=data, root=root)

    def node_at(self, loc: Location) -> yaml.Node | None:
        """The node at ``loc`` (mapping keys and sequence indexes), or None if absent."""
        node = self.root
        for key in loc:
            node = _child(node, key)
            if node is None:
                return None
        return node

    def line_of(self, loc: Location) -> int | None:
        """The 1-based line of the entry at ``loc`` (for a mapping entry, the line of its key,
        where a person looks), or of its nearest existing parent when ``loc`` is absent."""
        node, line = self.root, _line(self.root)
        for key in loc:
            child = _child(node, key)
            if child is None:
                return line
            line = _key_line(node, key) or _line(child)
            node = child
        return line


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with a bound on nesting, checked as each node is composed."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise YamlSyntaxError(
                    mark.line + 1, f"nested too deeply (more than {MAX_DEPTH} levels)"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _check_expansion(root: yaml.Node) -> None:
    """Count the values the document stands for with aliases expanded, each shared node once
    per use; stop as soon as the count passes the bound."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        if total > MAX_EXPANDED_NODES:
            raise YamlSyntaxError(
                _line(node),
                f"its aliases expand to more than {MAX_EXPANDED_NODES:,} values; write the "
                "values out, or use fewer aliases",
            )
        sizes[id(node)] = total
        return total

    size(root)


def _check_duplicate_keys(root: yaml.Node) -> None:
    """A key given twice in one mapping is an error naming both lines (YAML would silently keep
    the last, so an edit could be lost without a word)."""
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], yaml.Node] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    earlier = first.setdefault((key.tag, key.value), key)
                    if earlier is not key:
                        raise YamlSyntaxError(
                            _line(key),
                            f"key {key.value!r} appears twice in one mapping (lines "
                            f"{_line(earlier)} and {_line(key)}); keep one",
                        )
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _child(node: yaml.Node | None, key: int | str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if k.value == key), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        child: yaml.Node = node.value[key]
        return child
    return None


def _key_line(node: yaml.Node | None, key: int | str) -> int | None:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if k.value == key:
                return _line(k)
    return None


def _line(node: yaml.Node | None) -> int | None:
    return None if node is None else int(node.start_mark.line) + 1
