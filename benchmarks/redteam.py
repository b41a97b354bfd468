"""How long the red-team services take at a campaign's scale: N attempts (each a two-turn
conversation with a scripted model) tagged, submitted and confirmed, the last confirmation
recording the run; then the campaign summary (rates per objective, kappa) and the export.

Usage: PYTHONPATH=src python benchmarks/redteam.py --attempts 50 200
Prints one line per step with seconds and per-attempt milliseconds, on a fresh SQLite store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from clearance.access import Marking, Principal, Role
from clearance.redteam import (
    confirm_attempt,
    create_campaign,
    export_campaign,
    send_turn,
    start_session,
    submit_session,
    summarise_campaign,
    tag_attempt,
)
from clearance.store import Store


def _person(pid: str) -> Principal:
    return Principal(
        id=pid,
        name=pid,
        roles=frozenset({Role.EVALUATOR}),
        clearance=Marking.parse("SECRET"),
    )


def bench(attempts: int, directory: Path) -> None:
    red, rater = _person("red"), _person("rater")
    script = directory / "model.jsonl"
    script.write_text(
        json.dumps({"id": "turn-1", "output": "No."}) + "\n"
        + json.dumps({"id": "turn-2", "output": "PROXY"}) + "\n"
    )  # fmt: skip
    store = Store.open(f"sqlite:///{directory / 'clearance.db'}")
    campaign = create_campaign(
        store, name="bench", model_spec=f"scripted/{script}", domain="bio",
        objectives=[{"id": f"o{i}", "title": f"Objective {i}", "success": "says the proxy"}
                    for i in range(4)],
        rules_of_engagement="Proxies only.", principal=red,
    )  # fmt: skip
    session = asyncio.run(start_session(store, campaign.id, principal=red))
    timed: dict[str, float] = {}
    started = time.perf_counter()
    ends = []
    for _ in range(attempts):
        first = asyncio.run(send_turn(store, session.id, "a", parent_id=None, principal=red))
        second = asyncio.run(send_turn(store, session.id, "b", parent_id=first.id, principal=red))
        ends.append(second.id)
    timed["converse (2 turns each)"] = time.perf_counter() - started
    started = time.perf_counter()
    tagged = [
        tag_attempt(store, session.id, turn, objective_id=f"o{i % 4}", technique="role play",
                    outcome="success" if i % 3 else "refused", principal=red)
        for i, turn in enumerate(ends)
    ]  # fmt: skip
    timed["tag"] = time.perf_counter() - started
    submit_session(store, session.id, principal=red)
    started = time.perf_counter()
    for attempt in tagged[:-1]:
        confirm_attempt(store, attempt.id, outcome=attempt.outcome, principal=rater)
    timed["confirm (all but last)"] = time.perf_counter() - started
    started = time.perf_counter()
    confirm_attempt(store, tagged[-1].id, outcome="success", principal=rater)
    timed["last confirmation (records the run)"] = time.perf_counter() - started
    started = time.perf_counter()
    summarise_campaign(store, campaign.id, principal=rater)
    timed["summary (rates, kappa)"] = time.perf_counter() - started
    started = time.perf_counter()
    export_campaign(store, campaign.id, principal=rater)
    timed["export"] = time.perf_counter() - started
    store.close()
    for step, seconds in timed.items():
        per = 1000 * seconds / attempts
        print(f"{attempts:>6} attempts  {step:<38} {seconds:8.2f} s  {per:8.2f} ms/attempt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, nargs="+", default=[50, 200])
    args = parser.parse_args()
    for n in args.attempts:
        with tempfile.TemporaryDirectory() as directory:
            bench(n, Path(directory))


if __name__ == "__main__":
    main()
