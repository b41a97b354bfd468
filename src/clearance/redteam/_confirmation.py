"""The second rater: another person confirms or changes each outcome; once every attempt of a
session is confirmed, the session is recorded as a run. Agreement between the raters is
Cohen's kappa with its interval."""

from __future__ import annotations

from datetime import UTC, datetime

from clearance.access import (
    Action,
    Principal,
    actor_of,
    marking_of,
    readable,
    require,
    require_named_person,
)
from clearance.redteam._campaigns import campaign_for, visible_to
from clearance.redteam._errors import RED_TEAMER_CANNOT_CONFIRM, RedTeamError
from clearance.redteam._evidence import record_session_run
from clearance.redteam._sessions import check_outcome
from clearance.stats import KappaEstimate, kappa_estimate
from clearance.store import RedTeamAttemptRecord, Store


def confirm_attempt(
    store: Store,
    attempt_ref: str,
    *,
    outcome: str,
    note: str = "",
    principal: Principal,
    now: datetime | None = None,
) -> RedTeamAttemptRecord:
    """Confirm (or change) the outcome of one attempt of a submitted session, as a person
    other than its red-teamer. The last confirmation of a session records it as a run."""
    attempt = store.redteam.attempt(attempt_ref, visible_to(principal, Action.RUN_READ))
    require(principal, Action.RUN_CREATE, marking_of(attempt))
    require_named_person(principal)
    session = store.redteam.session(attempt.session_id)
    # Checked here, at the service, so the pages, the API and any script obey it alike.
    RED_TEAMER_CANNOT_CONFIRM.require_distinct(actor_of(principal), session.created_by)
    RED_TEAMER_CANNOT_CONFIRM.require_distinct(actor_of(principal), attempt.created_by)
    check_outcome(outcome)
    if session.status != "submitted":
        raise RedTeamError(
            f"session {session.id} is {session.status}; attempts are confirmed once the "
            "red-teamer submits the session, and not after it is recorded"
        )
    if attempt.confirmed_outcome is not None:
        raise RedTeamError(
            f"attempt {attempt.id} was already confirmed by {attempt.confirmed_by} as "
            f"{attempt.confirmed_outcome}"
        )
    at = now or datetime.now(UTC)
    campaign = store.redteam.campaign(session.campaign_id)
    turns = store.redteam.turns(session.id)
    with store.unit_of_work(actor_of(principal)) as uow:
        confirmed: RedTeamAttemptRecord = store.redteam_attempts.change(
            uow,
            attempt.id,
            action="redteam.attempt.confirm",
            changes={
                "confirmed_outcome": outcome,
                "confirmed_by": actor_of(principal),
                "confirmed_at": at,
                "confirmation_note": note.strip(),
                "updated_at": at,
            },
        )
        # Read after the first write, in the unit of work: writers are serialised from here
        # (the ledger's lock), so two raters confirming a session's last two attempts at once
        # cannot both see the other's as pending and leave the session unrecorded.
        attempts = store.redteam.attempts(session_id=session.id, uow=uow)
        if all(a.confirmed_outcome is not None for a in attempts):
            run = record_session_run(store, uow, campaign, session, turns, attempts)
            store.redteam_sessions.change(
                uow,
                session.id,
                action="redteam.session.record",
                changes={"status": "recorded", "run_id": run.id, "updated_at": at},
            )
    return confirmed


def rater_agreement(
    store: Store, campaign_ref: str, *, principal: Principal
) -> KappaEstimate | None:
    """Cohen's kappa between red-teamers' and second raters' outcomes over the campaign's
    confirmed attempts the principal may read (None before any is confirmed)."""
    campaign = campaign_for(store, campaign_ref, principal)
    sessions = [s.id for s in store.redteam.sessions(campaign.id)]
    attempts = readable(
        principal,
        store.redteam.attempts(session_ids=sessions),
        marking_of,
        action=Action.RUN_READ,
    )
    pairs = [(a.outcome, a.confirmed_outcome) for a in attempts if a.confirmed_outcome]
    if not pairs:
        return None
    return kappa_estimate([p[0] for p in pairs], [p[1] for p in pairs])
