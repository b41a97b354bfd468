"""A store on a read-only file system, or on a disk that fills up mid-run: reading commands still
work, writing ones end in one line naming the real cause, and the ledger still verifies.

Each case runs the real CLI in a private mount namespace (``unshare -m``) over a read-only bind
mount or a tiny tmpfs, so the faults are the kernel's own, for root as for anyone."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

_CLI_ARGS = [sys.executable, "-m", "clearance.cli"]
CLI = shlex.join(_CLI_ARGS)


def _can_mount() -> bool:
    try:
        probe = subprocess.run(
            ["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt"],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _can_mount(), reason="needs `unshare -m` and mount")


def _cli(home: Path, *args: str, setup: str = "") -> subprocess.CompletedProcess[str]:
    command = " ".join(shlex.quote(a) for a in args)
    script = f"{setup}\nexport CLEARANCE_HOME={shlex.quote(str(home))}\n{CLI} {command}"
    return subprocess.run(
        ["unshare", "-m", "sh", "-ec", script], capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def task(tmp_path: Path) -> tuple[Path, Path]:
    """A task of 1,000 two-kilobyte questions and a scripted model that answers them all."""
    data, answers = tmp_path / "data.jsonl", tmp_path / "answers.jsonl"
    with data.open("w") as d, answers.open("w") as a:
        for i in range(1000):
            row = {"id": f"q{i}", "question": "x" * 2000, "choices": ["x", "y"], "answer": "A"}
            d.write(json.dumps(row) + "\n")
            a.write(json.dumps({"id": f"q{i}", "output": "ANSWER: A " + "y" * 2000}) + "\n")
    path = tmp_path / "task.yaml"
    path.write_text(
        f"name: big\ndataset:\n  path: {data}\n"
        "  fields: {id: id, input: question, choices: choices, target: answer}\n"
        "solver: multiple_choice\nscorer: choice\n"
    )
    return path, answers


@pytest.fixture
def one_run(clearance_home: Path, task: tuple[Path, Path]) -> str:
    """A store holding one small completed run; its id."""
    path, answers = task
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "clearance.cli",
            "eval",
            "run",
            str(path),
            "--model",
            f"scripted/{answers}",
            "--limit",
            "3",
        ],
        capture_output=True,
        text=True,
        env=_env(clearance_home),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    listed = subprocess.run(
        [*_CLI_ARGS, "eval", "list", "--json"],
        capture_output=True,
        text=True,
        env=_env(clearance_home),
    )
    return str(json.loads(listed.stdout)[0]["id"])


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "CLEARANCE_HOME": str(home)}


def test_reading_commands_work_on_a_read_only_store(
    clearance_home: Path, one_run: str, task: tuple[Path, Path]
) -> None:
    ro = f"mount --bind -o ro {shlex.quote(str(clearance_home))} {shlex.quote(str(clearance_home))}"
    for args in (
        ("eval", "list"),
        ("eval", "show", one_run),
        ("eval", "export", one_run, "--format", "csv"),
        ("ledger", "verify"),
        ("report", "model", f"scripted/{task[1]}", "--format", "json"),
    ):
        result = _cli(clearance_home, *args, setup=ro)
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stdout + result.stderr
    write = _cli(
        clearance_home, "eval", "run", str(task[0]), "--model", f"scripted/{task[1]}", setup=ro
    )
    assert write.returncode in (1, 5)
    assert "Read-only file system" in write.stderr or "read-only" in write.stderr
    assert "Traceback" not in write.stderr
    assert len(write.stderr.strip().splitlines()) == 1


def test_a_disk_that_fills_mid_run_is_named_and_nothing_recorded_is_lost(
    clearance_home: Path, one_run: str, task: tuple[Path, Path]
) -> None:
    small = clearance_home.parent / "small"
    small.mkdir()
    setup = (
        f"mount -t tmpfs -o size=1m tmpfs {shlex.quote(str(small))}\n"
        f"cp -r {shlex.quote(str(clearance_home))}/. {shlex.quote(str(small))}/"
    )
    steps = (
        f"{CLI} eval run {shlex.quote(str(task[0]))} --model scripted/{task[1]} -q "
        "2>full.err || echo exit=$? >>full.err\n"
        f"{CLI} eval list --json >list.json\n"
        f"{CLI} ledger verify >verify.out 2>&1\n"
    )
    script = f"{setup}\nexport CLEARANCE_HOME={shlex.quote(str(small))}\ncd {clearance_home}\n"
    done = subprocess.run(
        ["unshare", "-m", "sh", "-ec", script + steps], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    err = (clearance_home / "full.err").read_text()
    assert "the store failed: the disk holding the store is full" in err, err
    assert "exit=5" in err
    assert "Traceback" not in err
    runs = json.loads((clearance_home / "list.json").read_text())
    assert one_run in [r["id"] for r in runs]
    big = next(r for r in runs if r["task_name"] == "big")
    assert big["status"] == "interrupted"  # its process is gone; `eval resume` finishes it
    assert "ledger verified" in (clearance_home / "verify.out").read_text()
