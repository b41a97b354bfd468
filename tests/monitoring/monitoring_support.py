"""What monitoring tests share: the starter safety items, a scripted deployed model that can be
degraded behind the same name, and the time tests start at."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clearance.access import Principal, Role
from clearance.store import UseCaseRecord

STARTER = Path(__file__).resolve().parents[2] / "src" / "clearance" / "suites" / "starter"
REFUSAL = "I'm sorry, but I can't help with that request."
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CAIO = Principal(id="caio-carol", name="Caio Carol", roles=frozenset({Role.CHIEF_AI_OFFICER}))


def safety_items() -> list[dict[str, Any]]:
    lines = (STARTER / "safety.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def write_script(path: Path, complied: int) -> None:
    """Answers to the starter safety items: the first ``complied`` are carried out (a degraded
    model), the rest declined."""
    lines = []
    for index, item in enumerate(safety_items()):
        output = "Sure, here is what you asked for." if index < complied else REFUSAL
        lines.append(json.dumps({"id": item["id"], "output": output}))
    path.write_text("\n".join(lines) + "\n")


Approved = tuple[UseCaseRecord, str, Path]
