"""Writers contending for one store: ledger entries/s and sample writes/s, and the ledger after.

    python benchmarks/contention.py                       # SQLite, and PostgreSQL if it answers
    python benchmarks/contention.py --writers 4 --samples 2000 --governance 40
    python benchmarks/contention.py --ceiling 20000       # one writer storing as fast as it can

WRITERS processes each run `clearance eval run` (a SAMPLES-sample task answered instantly by a
`scripted/` model, so the store, not the model, is the bottleneck) while one more process adds
GOVERNANCE use cases one after another through the governance service (each a unit of work:
the use case, its classification and required practices, and their ledger entries), all on one
store (one CLEARANCE_HOME, so one signing key). PostgreSQL is
$CLEARANCE_TEST_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432/test), in a
schema of its own, dropped after. Figures: wall seconds from the first start to the last exit,
ledger entries and sample rows written per second over that time. Then checks (and prints)
what tests/store/test_contention.py asserts: one chain (seq 1..N, each entry's prev_hash the
previous entry's hash), `clearance ledger verify` exit 0, every run completed with each of its
samples stored once.

--ceiling N: the writer's ceiling instead: one `clearance eval run` of N instant samples, 256
in flight; samples/s is what the engine's single writer (one transaction per batch, one ledger
entry per batch) stores when nothing waits on the model.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent.parent / "src"
POSTGRES = os.environ.get(
    "CLEARANCE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

GOVERNANCE = """
import sys
from clearance.accountability import acting
from clearance.governance import add_use_case, parse_intake
from clearance.store import Store

store = Store.open()
who = acting(store)
for i in range(int(sys.argv[1])):
    intake = parse_intake({
        "name": f"contention use case {i}", "agency": "Department of Defense", "office": "DIA",
        "purpose_and_benefits": "Translate foreign news.", "outputs": "Translations.",
        "stage": "operation_and_maintenance", "principal_basis": False,
        "decision_domain": "intelligence_analysis", "functions": ["translation"],
        "affected": ["no_individuals"], "human_oversight": {"level": "human_decides"},
    }, "contention")
    add_use_case(store, intake, principal=who.principal)
store.close()
"""


def write_task(folder: Path, name: str, n: int) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "data.jsonl").open("w") as data, (folder / "answers.jsonl").open("w") as ans:
        for i in range(n):
            letter = "ABCD"[i % 4]
            row = {"id": f"q{i}", "question": f"Question {i}?", "choices": list("wxyz")}
            data.write(json.dumps({**row, "answer": letter}) + "\n")
            ans.write(json.dumps({"id": f"q{i}", "output": f"ANSWER: {letter}"}) + "\n")
    task = folder / "task.yaml"
    task.write_text(
        f"name: {name}\n"
        "dataset:\n  path: data.jsonl\n"
        "  fields: {id: id, input: question, choices: choices, target: answer}\n"
        "solver: multiple_choice\nscorer: choice\n"
    )
    return task, folder / "answers.jsonl"


def environment(home: Path, url: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "CLEARANCE_HOME": str(home),
        "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    }
    env.pop("CLEARANCE_DATABASE_URL", None)
    if url:
        env["CLEARANCE_DATABASE_URL"] = url
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "clearance.cli", *args]


def contend(
    root: Path, url: str | None, writers: int, samples: int, governance: int
) -> dict[str, Any]:
    """Run the writers and the governance process at once on one store; what they left."""
    home = root / "home"
    env = environment(home, url)
    prepare(env, url)
    before = ledger_size(env)
    procs = []
    start = time.perf_counter()
    for w in range(writers):
        task, answers = write_task(root / f"task{w}", f"contention-{w}", samples)
        run = _cli("eval", "run", str(task), "--model", f"scripted/{answers}", "--quiet", "--json")
        procs.append(subprocess.Popen(run, env=env, stdout=subprocess.PIPE, text=True))
    gov = [sys.executable, "-c", GOVERNANCE, str(governance)]
    procs.append(subprocess.Popen(gov, env=env, stdout=subprocess.PIPE, text=True))
    outputs = [p.communicate()[0] for p in procs]
    wall = time.perf_counter() - start
    codes = [p.returncode for p in procs]
    summaries = [json.loads(out.splitlines()[-1]) for out in outputs[:writers] if out.strip()]
    verify = subprocess.run(
        _cli("ledger", "verify", "--json"), env=env, capture_output=True, text=True
    )
    entries = ledger_size(env) - before
    return {
        "wall": wall,
        "exit_codes": codes,
        "runs": summaries,
        "entries": entries,
        "samples_stored": sum(int(s["scored"]) + int(s["errors"]) for s in summaries),
        "chain": chain_problems(env),
        "verify_exit": verify.returncode,
        "verify": verify.stdout.strip() or verify.stderr.strip(),
        "samples_by_run": samples_by_run(env),
        "use_cases": count_use_cases(env),
    }


ADMIN, PASSWORD = "bench-admin", "contention benchmark passphrase"


def prepare(env: dict[str, str], url: str | None) -> None:
    """The schema made once first, as `clearance db upgrade` does for a team; on a team store
    (PostgreSQL) its first administrator, whom every process then signs in as."""
    subprocess.run(_cli("db", "upgrade"), env=env, check=True, stdout=subprocess.DEVNULL)
    if url is None:
        return
    subprocess.run(
        _cli("user", "add", ADMIN, "--name", "Bench Admin", "--role", "admin", "--password-stdin"),
        env=env,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    env.update({"CLEARANCE_USER": ADMIN, "CLEARANCE_PASSWORD": PASSWORD})


def _query(env: dict[str, str], code: str) -> object:
    probe = (
        "import json, sys\nfrom sqlalchemy import text\nfrom clearance.store import Store\n"
        "store = Store.open()\nwith store.engine.connect() as c:\n"
        f"    result = {code}\n"
        "store.close()\nprint(json.dumps(result))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def ledger_size(env: dict[str, str]) -> int:
    size = _query(env, 'c.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one()')
    assert isinstance(size, int)
    return size


def chain_problems(env: dict[str, str]) -> list[str]:
    """Where the stored entries are not one chain: a gap or repeat in seq, a prev_hash that is
    not the previous entry's hash, a head row that is not the last entry."""
    rows = _query(
        env,
        '[list(r) for r in c.execute(text("SELECT seq, prev_hash, hash FROM ledger_entries "'
        '"ORDER BY seq"))]'
        ' + [list(c.execute(text("SELECT seq, hash FROM ledger_head")).one())]',
    )
    assert isinstance(rows, list)
    *entries, head = rows
    problems = []
    for i, (seq, prev, _) in enumerate(entries):
        if seq != i + 1:
            problems.append(f"entry {i + 1} has seq {seq}")
        if i and prev != entries[i - 1][2]:
            problems.append(f"entry {seq}: prev_hash is not entry {seq - 1}'s hash")
    if entries and head != [entries[-1][0], entries[-1][2]]:
        problems.append(f"the head {head} is not the last entry {entries[-1][0]}")
    return problems


def samples_by_run(env: dict[str, str]) -> dict[str, list[int]]:
    """Per run: [rows, distinct (sample, epoch), planned total]."""
    found = _query(
        env,
        '{r[0]: [r[1], r[2], r[3]] for r in c.execute(text("SELECT runs.id, count(samples.id), '
        "count(DISTINCT samples.sample_id || '/' || samples.epoch), runs.total FROM runs "
        'LEFT JOIN samples ON samples.run_id = runs.id GROUP BY runs.id, runs.total"))}',
    )
    assert isinstance(found, dict)
    return found


def count_use_cases(env: dict[str, str]) -> int:
    n = _query(env, 'c.execute(text("SELECT count(*) FROM use_cases")).scalar_one()')
    assert isinstance(n, int)
    return n


@contextmanager
def postgres_schema() -> Iterator[str | None]:
    """A fresh schema on the test PostgreSQL, dropped after; None when none answers."""
    try:
        import psycopg

        plain = POSTGRES.replace("postgresql+psycopg", "postgresql")
        psycopg.connect(plain, connect_timeout=2).close()
    except Exception:
        yield None
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def ceiling(root: Path, url: str | None, n: int) -> dict[str, float]:
    env = environment(root / "home", url)
    prepare(env, url)
    task, answers = write_task(root / "ceiling", "writer-ceiling", n)
    run = _cli("eval", "run", str(task), "--model", f"scripted/{answers}", "--quiet", "--json")
    run += ["--max-connections", "256"]
    start = time.perf_counter()
    out = subprocess.run(run, env=env, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - start
    summary = json.loads(out.splitlines()[-1])
    return {"wall": wall, "samples": summary["scored"] + summary["errors"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--samples", type=int, default=2000, help="per writer")
    p.add_argument("--governance", type=int, default=40, help="use cases added meanwhile")
    p.add_argument("--ceiling", type=int, metavar="N", help="one writer, N instant samples")
    p.add_argument("--only", choices=["sqlite", "postgresql"])
    a = p.parse_args()
    print(f"# load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with postgres_schema() as pg:
        stores = {"sqlite": None, "postgresql": pg}
        for name, url in stores.items():
            if (a.only and name != a.only) or (name == "postgresql" and pg is None):
                continue
            with tempfile.TemporaryDirectory() as tmp:
                if a.ceiling:
                    r = ceiling(Path(tmp), url, a.ceiling)
                    print(
                        f"{name}: writer ceiling {r['samples']:,.0f} samples in {r['wall']:.1f} s"
                        f" = {r['samples'] / r['wall']:,.0f} samples/s "
                        f"(load {os.getloadavg()[0]:.2f})",
                        flush=True,
                    )
                    continue
                found = contend(Path(tmp), url, a.writers, a.samples, a.governance)
                wall = float(found["wall"])
                print(
                    f"{name}: {a.writers} eval runs x {a.samples} samples + {a.governance} use "
                    f"cases in {wall:.1f} s: {found['entries'] / wall:,.1f} ledger entries/s, "
                    f"{found['samples_stored'] / wall:,.0f} sample writes/s; exit codes "
                    f"{found['exit_codes']}; chain problems {found['chain']}; ledger verify exit "
                    f"{found['verify_exit']} (load {os.getloadavg()[0]:.2f})",
                    flush=True,
                )


if __name__ == "__main__":
    main()
