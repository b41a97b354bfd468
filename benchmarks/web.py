"""How fast the web application answers on a real store: 1,000 runs, one of them of 100,000
samples. Prints p50 and p95 of the run list, a sample page (first and deep), a transcript and
the dashboard, and the server's memory while it streams the 100,000-sample export.

    .venv/bin/python benchmarks/web.py [--runs 1000] [--big 100000] [--requests 60]

The store is built once under a temporary CLEARANCE_HOME (a real run through the engine, then
copies of it written through the store's unit of work, so every row is ledgered), then
`clearance serve` runs on a free loopback port in its own process and is always stopped.
Requests are sequential, from this process, over HTTP."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from clearance.access import LOCAL_ADMIN
from clearance.runner import run_task
from clearance.store import RunRecord, Store, new_record_id
from clearance.tasks import load_task

SMALL = 20


def _template(store: Store, directory: Path) -> RunRecord:
    """One real run of a 20-item task on a scripted model: the pattern for the others."""
    directory.mkdir(parents=True, exist_ok=True)
    items = [{"id": f"s{i}", "q": f"What is {i} + {i}?", "a": str(2 * i)} for i in range(SMALL)]
    (directory / "data.jsonl").write_text("".join(json.dumps(i) + "\n" for i in items))
    (directory / "task.yaml").write_text(
        "name: sums\ndataset:\n  path: data.jsonl\n  fields: {id: id, input: q, target: a}\n"
        "scorer: numeric\n"
    )
    answers = directory / "answers.jsonl"
    answers.write_text(
        "".join(json.dumps({"id": i["id"], "output": f"It is {i['a']}."}) + "\n" for i in items)
    )
    task = load_task(str(directory / "task.yaml"))
    summary = asyncio.run(run_task(task, f"scripted/{answers}", store=store, principal=LOCAL_ADMIN))
    return store.runs.resolve(summary.id)


def _rows(store: Store, run: RunRecord, count: int) -> list[dict[str, Any]]:
    pattern = [s.model_dump() for s in store.runs.samples(run.id)]
    rows = []
    for n in range(count):
        row = dict(pattern[n % len(pattern)])
        row.pop("run_id")
        row["metadata_"] = row.pop("metadata")
        row["sample_id"] = f"s{n}"
        rows.append(row)
    return rows


def _copy_run(store: Store, template: RunRecord, samples: int, task_name: str) -> str:
    rows = _rows(store, template, min(samples, 5000))
    with store.unit_of_work(LOCAL_ADMIN.id) as uow:
        run = store.runs.create_run(
            uow,
            id=new_record_id(),
            task_name=task_name,
            task_ref=template.task_ref,
            model_id=template.model_id,
            total=samples,
            provenance=template.provenance,
            options=template.options,
        )
    for start in range(0, samples, 5000):
        batch = [
            r | {"sample_id": f"s{start + i}"}
            for i, r in enumerate(rows[: min(5000, samples - start)])
        ]
        with store.unit_of_work(LOCAL_ADMIN.id) as uow:
            store.runs.append_samples(uow, run.id, batch)
    with store.unit_of_work(LOCAL_ADMIN.id) as uow:
        store.runs.finish_run(uow, run.id, status="completed", metrics=template.metrics)
    return run.id


def build(home: Path, runs: int, big: int) -> tuple[str, str]:
    store = Store.open(f"sqlite:///{home / 'clearance.db'}")
    try:
        template = _template(store, home / "task")
        started = time.perf_counter()
        big_id = _copy_run(store, template, big, "sums-large")
        for n in range(runs - 2):
            _copy_run(store, template, SMALL, f"sums-{n % 25}")
        print(
            f"store built: {runs} runs, one of {big:,} samples, in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        return big_id, template.id
    finally:
        store.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as answer:
        return bytes(answer.read())


def _timings(url: str, requests: int) -> tuple[float, float]:
    for _ in range(3):
        _get(url)
    took = []
    for _ in range(requests):
        started = time.perf_counter()
        _get(url)
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    return statistics.median(took), took[max(0, round(0.95 * len(took)) - 1)]


def _memory_kb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def _export_memory(base: str, run_id: str, pid: int) -> tuple[int, int, int]:
    """(peak RSS before, peak RSS after, bytes streamed) for one export, in KB and bytes."""
    before = _memory_kb(pid)["VmHWM"]
    size = 0
    with urllib.request.urlopen(f"{base}/api/v1/runs/{run_id}/export", timeout=600) as answer:
        while chunk := answer.read(1 << 16):
            size += len(chunk)
    return before, _memory_kb(pid)["VmHWM"], size


def measure(home: Path, big_id: str, small_id: str, big: int, requests: int) -> None:
    port = _free_port()
    env = os.environ | {"CLEARANCE_HOME": str(home)}
    env.pop("CLEARANCE_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "clearance.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base + "/sign-in")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("clearance serve did not start") from None
                time.sleep(0.2)
        first = json.loads(_get(f"{base}/api/v1/runs/{big_id}/samples?limit=50"))
        # A cursor deep into the run: the same keyset query from a late position.
        deep = json.loads(_get(f"{base}/api/v1/runs/{big_id}/samples?limit=500"))
        pages = 0
        while deep["next_cursor"] and len(deep["items"]) == 500 and pages < 163:
            pages += 1
            deep = json.loads(
                _get(f"{base}/api/v1/runs/{big_id}/samples?limit=500&cursor={deep['next_cursor']}")
            )
        deep_cursor = deep["next_cursor"] or first["next_cursor"]
        cases = [
            ("run list page (/runs, first 50)", "/runs"),
            ("run list API (/api/v1/runs?limit=50)", "/api/v1/runs?limit=50"),
            (f"sample page API, first 50 of {big:,}", f"/api/v1/runs/{big_id}/samples?limit=50"),
            (
                f"sample page API, 50 after position {min(big, 82_000):,}",
                f"/api/v1/runs/{big_id}/samples?limit=50&cursor={deep_cursor}",
            ),
            (f"run viewer page (/runs/ID of {big:,})", f"/runs/{big_id}"),
            ("transcript page", f"/runs/{big_id}/samples/s{big * 7 // 9}"),
            ("transcript API", f"/api/v1/runs/{big_id}/samples/s{big * 7 // 9}"),
            ("dashboard (/)", "/"),
        ]
        print("\n| request | p50 ms | p95 ms |\n|---|---:|---:|")
        for name, path in cases:
            p50, p95 = _timings(base + path, requests)
            print(f"| {name} | {p50:.1f} | {p95:.1f} |", flush=True)
        small_before, small_after, small_bytes = _export_memory(base, small_id, server.pid)
        big_before, big_after, big_bytes = _export_memory(base, big_id, server.pid)
        print("\n| export | bytes | server peak RSS before MB | after MB |\n|---|---:|---:|---:|")
        print(
            f"| {SMALL} samples | {small_bytes:,} | {small_before / 1024:.0f} | "
            f"{small_after / 1024:.0f} |"
        )
        print(
            f"| {big:,} samples | {big_bytes:,} | {big_before / 1024:.0f} | "
            f"{big_after / 1024:.0f} |"
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clearance-web-bench-") as home:
        os.environ["CLEARANCE_HOME"] = home
        os.environ.pop("CLEARANCE_DATABASE_URL", None)
        big_id, small_id = build(Path(home), args.runs, args.big)
        measure(Path(home), big_id, small_id, args.big, args.requests)


if __name__ == "__main__":
    main()
