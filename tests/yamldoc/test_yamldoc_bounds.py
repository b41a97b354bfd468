"""Hostile YAML ends in a YamlSyntaxError with a line, never a hang, a crash or a silent loss."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from clearance.yamldoc import MAX_DEPTH, YamlDocument, YamlSyntaxError

LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for name, prev in zip("abcdefghi", ["", *"abcdefgh"], strict=True)
)


def _error(text: str) -> YamlSyntaxError:
    with pytest.raises(YamlSyntaxError) as caught:
        YamlDocument.parse(text)
    return caught.value


def test_billion_laughs_is_refused_quickly_in_little_memory() -> None:
    tracemalloc.start()
    started = time.monotonic()
    error = _error(LAUGHS)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "aliases expand to more than 200,000 values" in str(error)
    assert error.line is not None
    assert time.monotonic() - started < 5
    assert peak < 50 * 1024 * 1024


def test_a_few_aliases_and_merge_keys_still_work() -> None:
    doc = YamlDocument.parse("base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\nagain: *b\n")
    assert doc.data == {"base": {"x": 1}, "use": {"x": 1, "y": 2}, "again": {"x": 1}}


@pytest.mark.parametrize(
    "text", ["[" * 100_000 + "]" * 100_000, "".join("  " * i + "k:\n" for i in range(1500))]
)
def test_deep_nesting_is_an_error_not_a_recursion_error(text: str) -> None:
    error = _error(text)
    assert f"nested too deeply (more than {MAX_DEPTH} levels)" in str(error)


def test_nesting_up_to_the_bound_is_read() -> None:
    depth = MAX_DEPTH - 1
    doc = YamlDocument.parse("[" * depth + "1" + "]" * depth)
    node = doc.data
    for _ in range(depth - 1):
        node = node[0]
    assert node == [1]


def test_a_duplicate_key_names_both_lines() -> None:
    error = _error("name: first\nsolver: generate\nname: second\n")
    assert error.line == 3
    assert "key 'name' appears twice in one mapping (lines 1 and 3)" in str(error)


def test_a_duplicate_key_in_a_nested_mapping_is_found() -> None:
    error = _error("dataset:\n  path: a.jsonl\n  fields: {}\n  path: b.jsonl\n")
    assert (error.line, "lines 2 and 4" in str(error)) == (4, True)


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [("name: t\nsolver: gen\x00erate\n", 2, "U+0000"), ("a: 1\nb: \x1b[31m\n", 2, "U+001B")],
)
def test_forbidden_characters_name_their_line(text: str, line: int, code: str) -> None:
    error = _error(text)
    assert error.line == line
    assert f"the character {code} is not allowed in YAML text" in str(error)
