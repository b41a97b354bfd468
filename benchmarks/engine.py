"""Engine throughput, CPU per sample, peak memory, and repeated calls after a kill + resume.

    python benchmarks/engine.py                 # the full set (a few minutes)
    python benchmarks/engine.py --quick         # small sizes, to check it works
    python benchmarks/engine.py --checkpoints 20000   # the cost of automatic checkpoints
    BENCH_EXECUTOR=ray python benchmarks/engine.py --only 2000   # Ray workers (local cluster)
    BENCH_EXECUTOR=ray BENCH_RAY_ADDRESS=HOST:PORT python benchmarks/engine.py --only 2000

A stub OpenAI-compatible server (benchmarks/stub_server.py, its own process, 50 ms latency by
default) answers a four-choice task. Each measurement runs the engine in a child process of
its own with a fresh CLEARANCE_HOME (so the response cache starts empty), timing only
`run_task` itself: samples/s = samples / wall seconds, CPU ms/sample = the process's CPU time
(all threads: event loop, store writer, cache) over the run / samples, peak RSS = the child's
maximum resident set. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write_task(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "data.jsonl").open("w") as f:
        for i in range(n):
            row = {
                "id": f"q{i}",
                "question": f"Question {i}: which option is right?",
                "choices": ["alpha", "beta", "gamma", "delta"],
                "answer": "ABCD"[i % 4],
            }
            f.write(json.dumps(row) + "\n")
    task = folder / "task.yaml"
    task.write_text(
        "name: engine-bench\n"
        "dataset:\n  path: data.jsonl\n"
        "  fields: {id: id, input: question, choices: choices, target: answer}\n"
        "solver: multiple_choice\nscorer: choice\n"
    )
    return task


class Stub:
    def __init__(self, latency: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "stub_server.py"), "--latency", str(latency)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline().split()[1])
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def get(self, path: str) -> dict[str, object]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}") as r:
            data: dict[str, object] = json.loads(r.read())
            return data

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


# -- the child: one engine run, measured from inside ------------------------------------------


def drive(task: str, base_url: str, connections: int) -> None:
    from clearance.accountability import acting, start_auto_checkpoints, stop_auto_checkpoints
    from clearance.runner import RunOptions, run_task
    from clearance.store import Store
    from clearance.tasks import load_task

    loaded = load_task(task)
    store = Store.open()
    # Whoever the store says is acting (the local administrator on this fresh home), as the CLI.
    who = acting(store)
    # BENCH_EXECUTOR=ray: Ray workers solve (BENCH_RAY_ADDRESS, or a local cluster of
    # BENCH_RAY_CPUS CPUs started here before the clock starts; the workers' start is timed,
    # and the CPU figure is this driver's only).
    executor = os.environ.get("BENCH_EXECUTOR", "asyncio")
    address = os.environ.get("BENCH_RAY_ADDRESS") or None
    if executor == "ray":
        import ray

        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            cpus = int(os.environ.get("BENCH_RAY_CPUS", "2"))
            ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    options = RunOptions(
        base_url=base_url,
        max_connections=connections,
        executor="ray" if executor == "ray" else "asyncio",
        ray_address=address,
    )
    wall, cpu = time.perf_counter(), time.process_time()
    # As `clearance eval run` does: checkpoints while the run writes, and one when it ends
    # (none when CLEARANCE_AUTO_CHECKPOINT=off).
    auto = start_auto_checkpoints()
    summary = asyncio.run(
        run_task(
            loaded,
            "openai/stub",
            store=store,
            options=options,
            actor=who.actor,
            principal=who.principal,
        )
    )
    if auto is not None:
        auto.finish()
        stop_auto_checkpoints(auto)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "samples": summary.scored + summary.errors,
                "errors": summary.errors,
                "wall": wall,
                "cpu": cpu,
                "peak_rss_mb": peak_kb / 1024,
            }
        )
    )


def _child(
    args: list[str], home: Path, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    env = {**os.environ, "CLEARANCE_HOME": str(home), **(extra_env or {})}
    env.pop("CLEARANCE_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, __file__, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def measure(
    task: Path, stub: Stub, connections: int, home: Path, env: dict[str, str] | None = None
) -> dict[str, float]:
    proc = _child(["--drive", str(task), stub.base_url, str(connections)], home, env)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"engine run failed:\n{err}")
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


# -- kill at half way, then resume -------------------------------------------------------------


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(db) as c:
            return int(c.execute("SELECT count(*) FROM samples").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _sample_id(prompt: str) -> str:
    match = re.search(r"Question (\d+):", prompt)
    if match is None:
        raise ValueError(f"not a benchmark prompt: {prompt[:80]!r}")
    return f"q{match.group(1)}"


def kill_and_resume(task: Path, stub: Stub, n: int, connections: int, home: Path) -> dict[str, int]:
    db = home / "clearance.db"
    env = {**os.environ, "CLEARANCE_HOME": str(home)}
    cli = [sys.executable, "-m", "clearance.cli"]
    run = subprocess.Popen(
        [
            *cli,
            "eval",
            "run",
            str(task),
            "--model",
            "openai/stub",
            "--base-url",
            stub.base_url,
            "--max-connections",
            str(connections),
            "--quiet",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while _stored(db) < n // 2:
        time.sleep(0.02)
    run.send_signal(signal.SIGKILL)
    run.wait()
    time.sleep(0.3)
    stored = _stored(db)
    journaled = set()
    for path in (home / "journal").glob("*.jsonl"):
        for line in path.read_text().splitlines():
            with contextlib.suppress(json.JSONDecodeError):  # the line cut by the kill
                journaled.add(json.loads(line)["s"])
    with sqlite3.connect(db) as c:
        run_id = c.execute("SELECT id FROM runs").fetchone()[0]
        had = {r[0] for r in c.execute("SELECT sample_id FROM samples")} | journaled
    before = stub.get("/calls")
    requests_before = int(stub.get("/stats")["requests"])  # type: ignore[call-overload]
    subprocess.run(
        [*cli, "eval", "resume", run_id, "--quiet"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    after = stub.get("/calls")
    # A repeat is a request for something the server had already answered in full.
    again = [
        v
        for k, v in after.items()
        if k in before
        and int(before[k]["completed"]) > 0  # type: ignore[index,call-overload]
        and int(v["requests"]) > int(before[k]["requests"])  # type: ignore[index,call-overload]
    ]
    ids = {_sample_id(str(v["text"])) for v in again}
    with sqlite3.connect(db) as c:
        final = c.execute("SELECT count(*), count(DISTINCT sample_id) FROM samples").fetchone()
    return {
        "stored_at_kill": stored,
        "answers_held_at_kill": len(had),
        "resume_requests": int(stub.get("/stats")["requests"]) - requests_before,  # type: ignore[call-overload]
        "repeated_for_answers_held": len(ids & had),
        "repeated_in_transit": len(ids - had),
        "final_rows": final[0],
        "final_distinct": final[1],
    }


CHECKPOINT_SETTINGS = {
    "off": {"CLEARANCE_AUTO_CHECKPOINT": "off"},
    "on (defaults: 10,000 entries / 60 s)": {},
    "on, every 1 s": {"CLEARANCE_CHECKPOINT_SECONDS": "1"},
}


def checkpoint_cost(n: int, latency: float) -> None:
    """samples/s of one size at 256 in flight under each checkpoint setting, each published to
    a witness kept in a directory, alternating settings over two rounds."""
    print(
        f"# python {sys.version.split()[0]}, {os.cpu_count()} cores, stub latency "
        f"{latency * 1000:.0f} ms; command: python benchmarks/engine.py --checkpoints {n}"
    )
    print("| automatic checkpoints | samples/s (round 1) | samples/s (round 2) | checkpoints |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        stub = Stub(latency)
        try:
            task = write_task(root / "t", n)
            rates: dict[str, list[float]] = {name: [] for name in CHECKPOINT_SETTINGS}
            made: dict[str, int] = {}
            for round_ in range(2):
                for name, settings in CHECKPOINT_SETTINGS.items():
                    home = root / f"h-{round_}-{list(CHECKPOINT_SETTINGS).index(name)}"
                    env = {**settings, "CLEARANCE_WITNESSES": str(root / f"w-{home.name}")}
                    r = measure(task, stub, 256, home, env)
                    rates[name].append(r["samples"] / r["wall"])
                    made[name] = len(list((home / "checkpoints").glob("*.json")))
            for name, found in rates.items():
                print(f"| {name} | {found[0]:,.0f} | {found[1]:,.0f} | {made[name]} |")
        finally:
            stub.close()


def main() -> None:
    p = argparse.ArgumentParser(description="Clearance engine benchmark")
    p.add_argument("--quick", action="store_true", help="small sizes only")
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument("--only", type=int, metavar="N", help="measure one size only")
    p.add_argument("--in-flight", type=int, default=256, help="with --only")
    p.add_argument(
        "--drive", nargs=3, metavar=("TASK", "URL", "CONNECTIONS"), help=argparse.SUPPRESS
    )
    p.add_argument(
        "--checkpoints", type=int, metavar="N", help="samples/s of N samples with and without "
        "automatic checkpoints (published to a witness directory)",
    )  # fmt: skip
    a = p.parse_args()
    if a.drive:
        drive(a.drive[0], a.drive[1], int(a.drive[2]))
        return
    if a.checkpoints:
        checkpoint_cost(a.checkpoints, a.latency)
        return
    if a.only:
        with tempfile.TemporaryDirectory() as tmp:
            stub = Stub(a.latency)
            try:
                task = write_task(Path(tmp) / "t", a.only)
                r = measure(task, stub, a.in_flight, Path(tmp) / "h")
            finally:
                stub.close()
        executor = os.environ.get("BENCH_EXECUTOR", "asyncio")
        print(
            f"{executor}: {a.only:,} samples, {a.in_flight} in flight: "
            f"{r['samples'] / r['wall']:,.0f}/s, "
            f"{1000 * r['cpu'] / r['samples']:.2f} ms CPU/sample, peak RSS "
            f"{r['peak_rss_mb']:.0f} MB"
        )
        return
    sizes = [200, 2000] if a.quick else [2_000, 20_000]
    big = 5_000 if a.quick else 100_000
    print(
        f"# python {sys.version.split()[0]}, {os.cpu_count()} cores, stub latency "
        f"{a.latency * 1000:.0f} ms"
    )
    print(f"# command: python benchmarks/engine.py{' --quick' if a.quick else ''}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        stub = Stub(a.latency)
        try:
            print("| samples | in flight | samples/s | engine CPU ms/sample | peak RSS MB |")
            print("|---:|---:|---:|---:|---:|")
            for n in [*sizes, big]:
                task = write_task(root / f"t{n}", n)
                for conc in [256] if n == big else [64, 256]:
                    r = measure(task, stub, conc, root / f"h{n}-{conc}")
                    print(
                        f"| {n:,} | {conc} | {r['samples'] / r['wall']:,.0f} | "
                        f"{1000 * r['cpu'] / r['samples']:.2f} | {r['peak_rss_mb']:.0f} |",
                        flush=True,
                    )
            n = sizes[-1]
            fresh = Stub(a.latency)  # its counts must cover this run alone
            try:
                k = kill_and_resume(write_task(root / "kill", n), fresh, n, 256, root / "hkill")
            finally:
                fresh.close()
            print(f"\nkill -9 at half way, then resume ({n:,} samples, 256 in flight):")
            for key, value in k.items():
                print(f"  {key}: {value}")
        finally:
            stub.close()


if __name__ == "__main__":
    main()
