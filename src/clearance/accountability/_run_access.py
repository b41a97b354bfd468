"""Runs as a principal may see them: listings leave out what it may not read, and say so."""

from __future__ import annotations

from clearance.access import (
    Action,
    Filtered,
    Principal,
    can,
    marking_of,
    readable,
    require_permission,
)
from clearance.store import RunRecord, Store


def visible_runs(
    store: Store, principal: Principal, limit: int | None = None
) -> Filtered[RunRecord]:
    """The newest runs ``principal`` may read (at most ``limit``), with how many were withheld.

    ``limit`` counts visible runs: withheld ones never take a place in the listing.
    """
    visible = readable(principal, store.runs.newest(), marking_of, action=Action.RUN_READ)
    if limit is None or len(visible) <= limit:
        return visible
    return Filtered(items=visible.items[:limit], withheld=visible.withheld, banner=visible.banner)


def readable_run(
    store: Store, principal: Principal, run_ref: str, action: Action = Action.RUN_READ
) -> RunRecord:
    """The run ``run_ref`` names, if ``principal`` may take ``action`` on it.

    AccessDenied when no role of the principal permits ``action`` at all; a run above its
    clearance is answered exactly as a run that does not exist (RunNotFoundError, the same
    message), so the answer never confirms that a hidden run exists."""
    require_permission(principal, action)
    # Hidden runs are filtered out before matching: they are never the match, and never make a
    # prefix ambiguous ("2 runs match" would confirm a hidden one).
    return store.runs.resolve(
        run_ref, visible=lambda row: bool(can(principal, action, marking_of(row)))
    )
