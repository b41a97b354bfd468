"""A run's fixed cost: wall seconds of a 20-sample `clearance eval run` on a warm store.

    python benchmarks/startup.py               # 7 timed runs after 2 warm-up runs
    python benchmarks/startup.py --runs 15 --imports 12

Each run is a fresh `python -m clearance.cli eval run TASK --model scripted/ANSWERS --quiet`
process against one CLEARANCE_HOME (SQLite) made by the warm-up runs, so the store exists and
is at the newest migration, and Python's bytecode cache is written (under a temporary
PYTHONPYCACHEPREFIX, whatever PYTHONDONTWRITEBYTECODE says: an installed package has its .pyc
files). The scripted model answers instantly, so the wall time is almost all fixed cost:
interpreter start, imports, opening the store, the run's records and ledger entries, the
summary. CPU s is the child's user + system time, steadier than wall time on a shared machine.
Also printed: bare `python -c pass`, `import clearance.cli`, and with --imports N the N modules
whose imports (with what they import) take longest under `python -X importtime`.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def write_task(folder: Path, n: int) -> tuple[Path, Path]:
    with (folder / "data.jsonl").open("w") as data, (folder / "answers.jsonl").open("w") as ans:
        for i in range(n):
            letter = "ABCD"[i % 4]
            row = {"id": f"q{i}", "question": f"Question {i}?", "choices": list("wxyz")}
            data.write(json.dumps({**row, "answer": letter}) + "\n")
            ans.write(json.dumps({"id": f"q{i}", "output": f"ANSWER: {letter}"}) + "\n")
    task = folder / "task.yaml"
    task.write_text(
        "name: startup-bench\n"
        "dataset:\n  path: data.jsonl\n"
        "  fields: {id: id, input: question, choices: choices, target: answer}\n"
        "solver: multiple_choice\nscorer: choice\n"
    )
    return task, folder / "answers.jsonl"


CPU: list[float] = []  # the CPU seconds (user + system) of each timed child, in order


def timed(cmd: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def summary(label: str, times: list[float]) -> None:
    cpu = CPU[-len(times) :]
    print(
        f"| {label} | {statistics.median(times):.3f} | {min(times):.3f} | {max(times):.3f} | "
        f"{statistics.median(cpu):.3f} |",
        flush=True,
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--samples", type=int, default=20)
    p.add_argument("--imports", type=int, default=0, metavar="N", help="list the N slowest")
    p.add_argument("--src", type=Path, default=SRC, help="the sources to measure (default: ours)")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        task, answers = write_task(root, a.samples)
        env = {
            **os.environ,
            "CLEARANCE_HOME": str(root / "home"),
            "PYTHONPATH": f"{a.src.resolve()}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
            "PYTHONPYCACHEPREFIX": str(root / "pycache"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("CLEARANCE_DATABASE_URL", None)
        run = [sys.executable, "-m", "clearance.cli", "eval", "run", str(task)]
        run += ["--model", f"scripted/{answers}", "--quiet"]
        for _ in range(2):
            timed(run, env)
        print(f"# {a.src}: load average {os.getloadavg()[0]:.2f}, {a.runs} runs")
        print("| what | median wall s | min wall s | max wall s | median CPU s |")
        print("|---|---:|---:|---:|---:|")
        summary("python -c pass", [timed([sys.executable, "-c", "pass"], env) for _ in range(3)])
        cli = [sys.executable, "-c", "import clearance.cli"]
        summary("import clearance.cli", [timed(cli, env) for _ in range(a.runs)])
        summary(
            f"eval run, {a.samples} samples, warm store", [timed(run, env) for _ in range(a.runs)]
        )
        print(f"# load average after: {os.getloadavg()[0]:.2f}")
        if a.imports:
            out = subprocess.run(
                [sys.executable, "-X", "importtime", *run[1:]],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            ).stderr
            rows = []
            for line in out.splitlines()[1:]:
                _, _, cumulative, name = line.split("|", 1)[0], "", *line.split("|")[1:]
                rows.append((int(cumulative), name.rstrip()))
            print("\nslowest imports (cumulative ms, nesting shown by indent):")
            for cumulative, name in sorted(rows, reverse=True)[: a.imports]:
                print(f"{cumulative / 1000:8.1f}  {name}")


if __name__ == "__main__":
    main()
