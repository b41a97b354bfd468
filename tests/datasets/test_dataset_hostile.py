"""Hostile and careless dataset files: deep nesting, corrupt Parquet, split names that lead
out of the dataset, choices that cannot be lettered or answered. Each is a DatasetError naming
the file and record (or a warning, where the data can still be used)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dataset_files import save_hf_dataset, write_jsonl, write_parquet

from clearance.datasets import DatasetError, load_dataset

MC = {"input": "question", "choices": "choices", "target": "answer"}


def _error(path: Path, fields: dict[str, Any] | None = None, **options: Any) -> DatasetError:
    with pytest.raises(DatasetError) as caught:
        load_dataset(path, fields, **options)
    return caught.value


def test_a_deeply_nested_jsonl_line_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text('{"question": "q", "answer": "a"}\n' + "[" * 100_000 + "]" * 100_000 + "\n")
    error = _error(path, {"input": "question", "target": "answer"})
    assert error.line == 2
    assert "line 2: the JSON is nested too deeply to read" in str(error)


def test_a_deeply_nested_json_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in str(_error(path))


def test_a_parquet_file_with_a_corrupt_page_names_the_file_and_row(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "c.parquet", [{"q": f"q{i}", "a": "x"} for i in range(50)])
    data = bytearray(path.read_bytes())
    data[4:40] = b"\xff" * 36  # the first page header; the footer stays readable
    path.write_bytes(bytes(data))
    error = _error(path, {"input": "q", "target": "a"})
    assert str(error).startswith(f"{path} row 1: the Parquet file is damaged here")
    assert "\n" not in str(error)


def test_a_split_named_to_leave_the_dataset_is_refused(tmp_path: Path) -> None:
    outside = save_hf_dataset(tmp_path / "outside", [{"question": "secret", "answer": "x"}])
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    (dataset / "dataset_dict.json").write_text(json.dumps({"splits": ["../outside"]}))
    assert outside.is_dir()
    error = _error(dataset, {"input": "question", "target": "answer"})
    assert "split name '../outside' in dataset_dict.json is not a plain directory name" in str(
        error
    )


def test_a_split_that_is_a_link_out_of_the_dataset_is_refused(tmp_path: Path) -> None:
    outside = save_hf_dataset(tmp_path / "outside", [{"question": "secret", "answer": "x"}])
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    (dataset / "dataset_dict.json").write_text(json.dumps({"splits": ["test"]}))
    (dataset / "test").symlink_to(outside)
    assert "not a plain directory name inside the dataset" in str(
        _error(dataset, {"input": "question", "target": "answer"})
    )


def test_more_choices_than_letters_fail_at_load(tmp_path: Path) -> None:
    rows = [{"question": "pick", "choices": [f"c{i}" for i in range(27)], "answer": "A"}]
    error = _error(write_jsonl(tmp_path / "d.jsonl", rows), MC)
    assert error.line == 1
    assert "holds 27 choices; at most 26 can be lettered A to Z" in str(error)


def test_a_target_letter_with_no_such_choice_fails_at_load(tmp_path: Path) -> None:
    rows = [
        {"question": "pick", "choices": ["x", "y", "z"], "answer": "C"},
        {"question": "pick", "choices": ["x", "y", "z"], "answer": "E"},
    ]
    error = _error(write_jsonl(tmp_path / "d.jsonl", rows), MC)
    assert error.line == 2
    assert "is the letter E, but there are only 3 choices (A to C)" in str(error)


def test_repeated_choices_are_kept_with_one_warning_naming_the_records(tmp_path: Path) -> None:
    rows = [
        {"question": "pick", "choices": ["x", "y"], "answer": "A"},
        {"question": "pick", "choices": ["same", "other", "same "], "answer": "B"},
    ]
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    with pytest.warns(UserWarning, match=r"1 record\(s\) offer the same choice twice") as caught:
        dataset = load_dataset(path, MC)
    assert len(dataset) == 2
    assert "line 2 repeats 'same '" in str(caught[0].message)
