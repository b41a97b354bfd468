"""A store for the web tests: users of every role with their API tokens and passwords, a
public run, a SECRET run and a SECRET use case (whose names must never reach a lower reader)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clearance.access import LOCAL_ADMIN, Marking, Role
from clearance.accountability import revoke, sign_in
from clearance.governance import add_use_case
from clearance.runner import RunSummary, run_task
from clearance.store import Store
from clearance.tasks import load_task
from people_support import enrolled_user, first_admin, own_token

PASSWORD = "correct horse battery staple 42"
SECRET_TASK = "operation-nightjar"
"""The SECRET run's task name: its title, which no UNCLASSIFIED reader may ever see."""
SECRET_USE_CASE = "Project Kestrel targeting aid"
PUBLIC_TASK = "sums"

USERS: dict[str, tuple[tuple[Role, ...], str]] = {
    "root": ((Role.ADMIN,), "TS//BIO//CYBER"),
    "eve": ((Role.EVALUATOR,), "SECRET"),
    "carol": ((Role.CHIEF_AI_OFFICER,), "SECRET"),
    "rory": ((Role.RISK_OWNER,), "SECRET"),
    "ravi": ((Role.REVIEWER,), "SECRET"),
    "ursula": ((Role.EVALUATOR, Role.AUDITOR, Role.RISK_OWNER), "UNCLASSIFIED"),
}
"""id: (roles, clearance). ursula reads everything her roles allow, at UNCLASSIFIED only."""


@dataclass
class World:
    store: Store
    tokens: dict[str, str]
    public_run: RunSummary
    secret_run: RunSummary
    secret_use_case: str
    extra: dict[str, Any] = field(default_factory=dict)

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}


def write_task(directory: Path, name: str, n: int) -> tuple[Path, str]:
    """A numeric task of ``n`` sums and a scripted model answering every other one right."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "data.jsonl").write_text(
        "".join(
            json.dumps({"id": f"s{i}", "q": f"What is {i} + {i}?", "a": str(2 * i)}) + "\n"
            for i in range(n)
        )
    )
    task = directory / "task.yaml"
    task.write_text(
        f"name: {name}\ndataset:\n  path: data.jsonl\n  fields: {{id: id, input: q, target: a}}\n"
        "scorer: numeric\n"
    )
    answers = directory / "answers.jsonl"
    answers.write_text(
        "".join(
            json.dumps({"id": f"s{i}", "output": f"The answer is {2 * i + (i % 2)}."}) + "\n"
            for i in range(n)
        )
    )
    return task, f"scripted/{answers}"


def secret_intake() -> dict[str, Any]:
    return {
        "name": SECRET_USE_CASE,
        "agency": "Department of Defense",
        "office": "Special Programs",
        "purpose_and_benefits": "Ranks candidate sites for analysts.",
        "outputs": "Ranked lists.",
        "stage": "initiated",
        "principal_basis": False,
        "decision_domain": "intelligence_analysis",
        "functions": ["translation"],
        "affected": ["no_individuals"],
        "human_oversight": {"level": "human_decides"},
    }


def build_world(store: Store, directory: Path, samples: int = 12) -> World:
    # The chief AI officer's role is granted only by a holder: root, the first administrator,
    # holds it for the bootstrap (and is added with a password), hands it to carol and gives it
    # up; everyone else enrols with a one-time code and issues their own token.
    roles, clearance = USERS["root"]
    admin = first_admin(
        store,
        "root",
        roles=(*roles, Role.CHIEF_AI_OFFICER),
        clearance=Marking.parse(clearance),
        password=PASSWORD,
    )
    tokens: dict[str, str] = {"root": own_token(store, admin)}
    for user, (roles, clearance) in USERS.items():
        if user != "root":
            who = enrolled_user(
                store,
                admin,
                user,
                roles=roles,
                clearance=Marking.parse(clearance),
                password=PASSWORD,
            )
            tokens[user] = own_token(store, who)
    revoke(store, admin, "root", roles=[Role.CHIEF_AI_OFFICER])
    root = sign_in(store, "root", PASSWORD, via="tests").principal
    public_task, public_model = write_task(directory / "public", PUBLIC_TASK, samples)
    secret_task, secret_model = write_task(directory / "secret", SECRET_TASK, 4)
    public = asyncio.run(
        run_task(load_task(str(public_task)), public_model, store=store, principal=root)
    )
    secret = asyncio.run(
        run_task(
            load_task(str(secret_task)),
            secret_model,
            store=store,
            principal=root,
            marking=Marking.parse("SECRET"),
        )
    )
    use_case = add_use_case(store, secret_intake(), marking=Marking.parse("SECRET"), principal=root)
    assert root != LOCAL_ADMIN
    return World(store, tokens, public, secret, use_case.id)


def high_impact_intake(name: str = "Insider-threat triage") -> dict[str, Any]:
    """A use case the rules class high-impact (rule H-2): twelve practices to meet."""
    return {
        "name": name,
        "agency": "Department of Defense",
        "office": "Counterintelligence Directorate",
        "purpose_and_benefits": "Flags personnel security files for an analyst's review.",
        "outputs": "A ranked list of files with the reasons each was flagged.",
        "stage": "implementation_and_assessment",
        "principal_basis": True,
        "decision_domain": "counterintelligence_and_insider_threat",
        "functions": ["threat_designation"],
        "affected": ["federal_employees"],
        "human_oversight": {"level": "human_decides"},
        "developers": ["rory"],
        "risk_owner": "rory",
    }


def scripted_answers(path: Path, task_name: str, limit: int, output: str = "A") -> str:
    """A scripted model answering ``output`` to the first ``limit`` items of a catalogue task."""
    import clearance.suites  # noqa: F401  (registers the catalogue's tasks)

    task = load_task(task_name, limit=limit)
    path.write_text(
        "".join(json.dumps({"id": s.id, "output": output}) + "\n" for s in task.dataset.samples)
    )
    return f"scripted/{path}"


@contextmanager
def serving(home: Path) -> Iterator[str]:
    """`clearance serve` on the embedded store under ``home``, in its own process, on a free
    loopback port; yields its base URL and always stops it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = os.environ | {"CLEARANCE_HOME": str(home)}
    env.pop("CLEARANCE_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "clearance.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"clearance serve exited: {output}")
        try:
            with urllib.request.urlopen(base + "/sign-in", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("clearance serve did not answer within 60 s")


REDTEAM_PROXY = "Harmless stand-in: PROXY-OBJECTIVE-MET."
"""What the red-team tests' scripted model says once an attack works: a marker standing in for
an objective's content, never the content itself (DESIGN's rule for hazard items)."""


def redteam_model(directory: Path) -> str:
    """A scripted model that refuses a conversation's first prompt and gives the proxy at the
    second (it answers by turn position, ``turn-1``, ``turn-2``)."""
    path = directory / "redteam-model.jsonl"
    lines = [{"id": "turn-1", "output": "I can't help with that."},
             {"id": "turn-2", "output": REDTEAM_PROXY}]  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return f"scripted/{path}"
