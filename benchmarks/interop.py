"""Importing, exporting and bundling evidence at scale: prints figures for RESULTS.md.

A synthetic Inspect ``.json`` log of N sample-epochs is made from the shared fixture's samples
(new ids, same content), imported into a fresh SQLite store, exported back as ``.eval``, then
bundled, verified and imported into a second store. Each step is timed once (wall clock) in a
fresh CLEARANCE_HOME; peak RSS is the process's at the end.

    .venv/bin/python benchmarks/interop.py [--samples 2000 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1].parent / "shared" / "interop" / "inspect"


def synthetic_log(n: int, out: Path) -> Path:
    """The fixture's .json log with its 80 sample-epochs repeated as ``n`` distinct ones."""
    log = json.loads((FIXTURE / "mc40_epochs2.json").read_text())
    base = log["samples"]
    samples = []
    for i in range(n):
        sample = dict(base[i % len(base)])
        sample["id"] = f"s{i // 2}"
        sample["epoch"] = i % 2 + 1
        samples.append(sample)
    log["samples"] = samples
    log["eval"]["dataset"]["samples"] = n // 2
    log["results"]["scores"] = []  # no source aggregate to compare for synthetic data
    out.write_text(json.dumps(log))
    return out


def timed(label: str, fn: object, n: int) -> object:
    start = time.perf_counter()
    result = fn()  # type: ignore[operator]
    took = time.perf_counter() - start
    print(f"| {n:,} | {label} | {took:.2f} | {n / took:,.0f} |", flush=True)
    return result


def measure(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        os.environ["CLEARANCE_HOME"] = str(home / "issuer")
        from clearance.access import Marking
        from clearance.accountability import acting, signing_key
        from clearance.interop import (
            create_bundle,
            export_run,
            import_bundle,
            import_runs,
            inspect_run,
            verify_bundle,
        )
        from clearance.store import Store

        (home / "issuer").mkdir()
        store = Store.open(f"sqlite:///{home / 'issuer' / 'c.db'}")
        who = acting(store)
        log = synthetic_log(n, home / "big.json")
        parsed = timed("parse Inspect .json", lambda: inspect_run(log), n)
        [result] = timed("import (write, ledgered)", lambda: import_runs(store, who, [parsed]), n)  # type: ignore[misc]
        run_id = result.run.id
        timed("export Inspect .eval", lambda: export_run(
            store, who.principal, run_id, home / "out.eval", "inspect"), n)  # fmt: skip
        timed("parse Inspect .eval", lambda: inspect_run(home / "out.eval"), n)
        bundle = home / "b.bundle"
        timed("bundle create", lambda: create_bundle(
            store, who, runs=[run_id], recipient=Marking.of("U"), out=bundle), n)  # fmt: skip
        key = signing_key().public_key()
        data = bundle.read_bytes()
        timed("bundle verify", lambda: verify_bundle(data, key), n)
        os.environ["CLEARANCE_HOME"] = str(home / "recipient")
        (home / "recipient").mkdir()
        other = Store.open(f"sqlite:///{home / 'recipient' / 'c.db'}")
        timed("bundle import", lambda: import_bundle(other, acting(other), data, key), n)
        print(f"bundle size: {len(data) / 1e6:.1f} MB for {n:,} sample-epochs", flush=True)
        store.close()
        other.close()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, nargs="+", default=[2000, 20000])
    args = parser.parse_args(argv)
    print("| sample-epochs | step | seconds | sample-epochs/s |")
    print("|---:|---|---:|---:|")
    for n in args.samples:
        measure(n)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
