"""Changing a stored run's marking: raising is routine, lowering is declassification."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from clearance.access import Marking, check_remark, marking_of
from clearance.accountability._session import Acting
from clearance.ledger import rfc3339_utc
from clearance.store import RunRecord, Store

MARKING_HISTORY = "marking_history"
"""The key in a run's provenance listing each change of its marking, with who, when and why."""


class RunRemark(BaseModel):
    """The outcome of a marking change: the run afterwards, and what changed."""

    model_config = ConfigDict(frozen=True)

    run: RunRecord
    old: str
    new: str
    direction: str
    """"raise", "lower" or "unchanged" (nothing written)."""


def remark_run(
    store: Store, acting: Acting, run_ref: str, new: Marking, reason: str | None = None
) -> RunRemark:
    """Mark run ``run_ref`` as ``new``: one ``run.remark`` ledger entry holding the run's whole
    content afterwards, its provenance's ``marking_history`` naming who, when, from, to and why.

    No write-down: lowering (a lower level or a dropped compartment) needs the admin role and a
    reason; either way the principal must be cleared for both markings. An unchanged marking
    writes nothing.
    """
    run = store.runs.resolve(run_ref)
    old = marking_of(run)
    remark = check_remark(acting.principal, old, new, reason)
    if remark.direction == "unchanged":
        return RunRemark(run=run, old=old.banner(), new=new.banner(), direction="unchanged")
    change = {
        "time": rfc3339_utc(datetime.now(UTC)),
        "by": acting.actor,
        "from": old.banner(),
        "to": new.banner(),
        "reason": remark.reason,
    }
    with store.unit_of_work(acting.actor) as uow:
        updated = store.runs.remark(
            uow, run.id, expected=old, new=new, history_key=MARKING_HISTORY, change=change
        )
    return RunRemark(run=updated, old=old.banner(), new=new.banner(), direction=remark.direction)
