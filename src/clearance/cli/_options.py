"""Arguments and options that several command groups share, and reading their values."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clearance.cli._errors import fail

if TYPE_CHECKING:
    from clearance.access import Marking
    from clearance.assess import LoadedPolicy

JsonOption = Annotated[bool, typer.Option("--json", help="JSON on stdout.")]
UseCaseArg = Annotated[str, typer.Argument(help="The use case: id, id prefix or exact name.")]
PracticeArg = Annotated[str, typer.Argument(help="The practice code, e.g. impact-assessment.")]
RationaleOption = Annotated[
    str, typer.Option("--rationale", "-r", help="Why: written to the record and the ledger.")
]
MaxTokensOption = Annotated[
    int | None,
    typer.Option(
        "--max-tokens",
        min=1,
        help="Cap each generation at N tokens, overriding the task's setting (recorded with the "
        "run; `eval resume` keeps it). Keeps a slow local model's run short.",
    ),
]
ExecutorOption = Annotated[
    str,
    typer.Option(
        "--executor",
        help="Where samples are solved: asyncio (this process) or ray (Ray workers; this "
        "process still writes everything; needs the `ray` extra).",
        case_sensitive=False,
    ),
]
RayAddressOption = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        help="With --executor ray: the cluster (HOST:PORT of `ray start --head`, auto, or "
        "ray://HOST:PORT); default a local one.",
    ),
]


def executor_options(executor: str, ray_address: str | None) -> dict[str, Any]:
    """RunOptions fields for --executor and --ray-address, checked."""
    chosen = executor.lower()
    if chosen not in ("asyncio", "ray"):
        fail(f"--executor takes asyncio or ray, not {executor!r}")
    if ray_address is not None and chosen != "ray":
        fail("--ray-address is for --executor ray")
    return {"executor": chosen, "ray_address": ray_address}


PrintIdOption = Annotated[
    bool,
    typer.Option(
        "--print-id",
        help="Print only the new record's id on stdout (the rest goes to stderr), for scripts: "
        "ID=$(clearance ... --print-id).",
    ),
]


StatedAtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="When it happened, as you state it (2025-06-30 or 2025-06-30T12:00Z; default: now). "
        "It must lie between the record it concerns and now; the store keeps its own time of "
        "recording beside it.",
    ),
]


def recorded_and_stated(recorded: datetime, stated: datetime | None) -> str:
    """Both times of a record, for a listing: the stated one is shown only when it differs."""
    text = f"{recorded:%Y-%m-%d %H:%M} UTC"
    if stated is not None and stated != recorded:
        text += f" (stated {stated:%Y-%m-%d %H:%M})"
    return text


def parse_when(text: str | None, option: str) -> datetime | None:
    """A date (midnight UTC) or an ISO date-time; naive times are read as UTC."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option} takes a date such as 2025-06-30 or 2025-06-30T12:00Z, got {text!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_marking(text: str | None) -> Marking | None:
    """A marking banner such as ``SECRET//BIO``; None when none was given."""
    from clearance.access import Marking

    return Marking.parse(text) if text else None


PolicyOption = Annotated[
    Path | None, typer.Option("--policy", help="A policy YAML file (default: the packaged one).")
]
TaskDomainOption = Annotated[
    list[str] | None,
    typer.Option(
        "--task-domain",
        help="Place a task outside the catalogue in a domain: NAME=DOMAIN (repeatable).",
    ),
]


def load_policy_option(path: Path | None) -> LoadedPolicy:
    """The policy at ``path``, or the packaged one."""
    from clearance.assess import load_policy

    return load_policy(path)


def parse_task_domains(pairs: list[str] | None) -> dict[str, str]:
    """``--task-domain NAME=DOMAIN`` pairs as a mapping of task to domain."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, domain = pair.partition("=")
        if not sep or not name or not domain:
            fail(f"--task-domain takes NAME=DOMAIN (e.g. my-task=cyber), got {pair!r}")
        out[name] = domain
    return out
