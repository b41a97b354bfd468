"""Task files that parse but cannot be meant (settings out of every provider's range, bytes
that are not text, hostile YAML) fail at load, naming the file, the line and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clearance.tasks import TaskFileError, load_task

HEAD = "name: t\ndataset:\n  path: data.jsonl\n  fields: {input: q, target: a}\nscorer: match\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "data.jsonl").write_text(json.dumps({"q": "2+2?", "a": "4"}) + "\n")
    return tmp_path


def _error(folder: Path, text: str | bytes) -> TaskFileError:
    path = folder / "task.yaml"
    if isinstance(text, str):
        path.write_text(text)
    else:
        path.write_bytes(text)
    with pytest.raises(TaskFileError) as caught:
        load_task(str(path))
    return caught.value


@pytest.mark.parametrize(
    ("setting", "field", "message"),
    [
        ("temperature: -5", "config.temperature", "greater than or equal to 0"),
        ("temperature: 9", "config.temperature", "less than or equal to 2"),
        ("max_tokens: -1", "config.max_tokens", "greater than or equal to 1"),
        ("top_p: 0", "config.top_p", "greater than 0"),
        ("seed: 9007199254740993", "config.seed", "less than or equal to 9007199254740991"),
    ],
)
def test_generation_settings_out_of_range_name_line_and_field(
    folder: Path, setting: str, field: str, message: str
) -> None:
    error = _error(folder, HEAD + f"config:\n  {setting}\n")
    assert (error.line, error.field) == (7, field)
    assert message in str(error)


def test_a_task_file_that_is_not_utf8_names_the_line(folder: Path) -> None:
    error = _error(folder, HEAD.encode() + b"description: caf\xe9\n")
    assert error.line == 6
    assert "not UTF-8 text (byte 0xe9)" in str(error)


def test_a_nul_byte_names_its_line(folder: Path) -> None:
    error = _error(folder, HEAD + "description: a\x00b\n")
    assert error.line == 6
    assert "U+0000 is not allowed" in str(error)


def test_a_duplicate_key_names_both_lines(folder: Path) -> None:
    error = _error(folder, HEAD + "scorer: includes\n")
    assert error.line == 6
    assert "key 'scorer' appears twice in one mapping (lines 5 and 6)" in str(error)


def test_aliases_expanding_inside_a_solver_argument_are_refused(folder: Path) -> None:
    laughs = "".join(
        f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 9) if i else ', '.join(['lol'] * 9)}]\n"
        for i in range(9)
    )
    error = _error(folder, laughs + HEAD + "solver:\n  - generate: {stop: *x8}\n")
    assert "aliases expand to more than" in str(error)
