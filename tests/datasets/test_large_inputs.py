"""Inputs far larger than they should be: a JSONL line of 70 MB (a file with no line breaks, or
one giant record), and task files, policies and intakes of megabytes. Each ends in one error
naming the file (and line), having read no more than a bounded amount into memory."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clearance.assess import PolicyError, load_policy
from clearance.datasets import DatasetError, load_dataset
from clearance.datasets._readers import MAX_LINE_BYTES
from clearance.governance import IntakeError, read_intake_document
from clearance.tasks import TaskFileError, load_task
from clearance.yamldoc import MAX_DOCUMENT_BYTES


def _peak(action: Callable[[], Any]) -> int:
    """Bytes allocated at the peak while ``action`` ran (it is expected to raise)."""
    tracemalloc.start()
    try:
        action()
    except Exception:  # the test asserts the error itself separately
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_a_jsonl_line_past_the_limit_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    with path.open("wb") as f:
        f.write(json.dumps({"question": "q0", "answer": "x"}).encode() + b"\n")
        f.write(b'{"question": "' + b"x" * (MAX_LINE_BYTES + 1024) + b'", "answer": "x"}\n')
    fields = {"input": "question", "target": "answer"}
    with pytest.raises(DatasetError) as caught:
        load_dataset(path, fields)
    assert caught.value.line == 2
    assert f"{path} line 2: longer than {MAX_LINE_BYTES:,} bytes" in str(caught.value)
    # At most the limit (and the line read past it) is ever held, not the whole line.
    assert _peak(lambda: load_dataset(path, fields)) < 2.5 * MAX_LINE_BYTES


def _big_yaml(path: Path) -> Path:
    with path.open("w") as f:
        f.write("name: big\n# " + "padding " * (MAX_DOCUMENT_BYTES // 8 + 1024) + "\n")
    return path


LOADERS: dict[str, tuple[Callable[[Path], Any], type[Exception]]] = {
    "task": (lambda p: load_task(str(p)), TaskFileError),
    "policy": (load_policy, PolicyError),
    "intake": (read_intake_document, IntakeError),
}


@pytest.mark.parametrize("kind", list(LOADERS))
def test_a_yaml_file_of_megabytes_is_refused_before_it_is_read(tmp_path: Path, kind: str) -> None:
    path = _big_yaml(tmp_path / f"{kind}.yaml")
    load, error = LOADERS[kind]
    with pytest.raises(error) as caught:
        load(path)
    assert "more than the 4,194,304 a YAML file of settings may have" in str(caught.value)
    assert str(path) in str(caught.value)
    assert _peak(lambda: load(path)) < MAX_DOCUMENT_BYTES // 4


def test_the_cli_says_so_in_one_line(tmp_path: Path) -> None:
    path = _big_yaml(tmp_path / "task.yaml")
    done = subprocess.run(
        [sys.executable, "-m", "clearance.cli", "eval", "run", str(path), "--model", "scripted/x"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "a YAML file of settings may have" in " ".join(done.stderr.split())
