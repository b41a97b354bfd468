"""What a campaign found: attack success per objective with intervals, over the confirmed
attempts of its sessions, and how far the two raters agreed."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from clearance.access import Action, Marking, Principal, join_markings, marking_of, readable
from clearance.redteam._campaigns import campaign_for
from clearance.redteam._confirmation import rater_agreement
from clearance.redteam._evidence import METRIC, objective_metric, success_metrics
from clearance.redteam._sessions import session_for
from clearance.stats import KappaEstimate
from clearance.store import (
    RedTeamAttemptRecord,
    RedTeamCampaignRecord,
    RedTeamSessionRecord,
    RedTeamTurnRecord,
    Store,
)


def describe_rate(estimate: dict[str, Any] | None) -> str:
    """``0.750 (95% CI 0.41-0.93, n=8)``, or "not tested" when nothing was counted."""
    if not estimate:
        return "not tested"
    low, high = estimate.get("ci_low"), estimate.get("ci_high")
    interval = f"95% CI {low:.2f}-{high:.2f}, " if low is not None and high is not None else ""
    return f"{estimate['value']:.3f} ({interval}n={estimate['n']})"


def describe_agreement(agreement: KappaEstimate | None) -> str:
    """Cohen's kappa with its interval, or why there is none, in one phrase."""
    if agreement is None:
        return "no attempt confirmed yet"
    if agreement.kappa is None or agreement.ci_low is None or agreement.ci_high is None:
        return (
            f"undefined: every outcome was the same (n={agreement.n}, observed agreement "
            f"{agreement.observed:.2f})"
        )
    return (
        f"{agreement.kappa:.2f} (95% CI {agreement.ci_low:.2f}-{agreement.ci_high:.2f}, "
        f"observed agreement {agreement.observed:.2f}, n={agreement.n})"
    )


class ObjectiveResult(BaseModel):
    """One objective's confirmed attempts and their attack success rate."""

    id: str
    title: str
    attempts: int
    successes: int
    partial: int
    unclear: int
    rate: dict[str, Any] | None
    """The estimate (value, interval, n); None when no attempt was counted."""


class CampaignSummary(BaseModel):
    campaign: RedTeamCampaignRecord
    sessions: list[RedTeamSessionRecord]
    objectives: list[ObjectiveResult]
    overall: dict[str, Any] | None
    agreement: KappaEstimate | None
    run_ids: list[str]
    pending: int
    """Tagged attempts awaiting a second rater."""
    withheld: int

    @property
    def marking(self) -> Marking:
        """What a page or export of this summary must be marked: the join of what it shows."""
        return join_markings([marking_of(self.campaign), *(marking_of(s) for s in self.sessions)])


def summarise_campaign(store: Store, ref: str, *, principal: Principal) -> CampaignSummary:
    """The campaign and what its confirmed attempts show, as far as ``principal`` may read."""
    campaign = campaign_for(store, ref, principal)
    sessions = readable(
        principal, store.redteam.sessions(campaign.id), marking_of, action=Action.RUN_READ
    )
    attempts = list(store.redteam.attempts(session_ids=[s.id for s in sessions]))
    confirmed = [a for a in attempts if a.confirmed_outcome is not None]
    metrics = success_metrics([(a.objective_id, str(a.confirmed_outcome)) for a in confirmed])
    results = []
    for objective in campaign.objectives:
        mine = [a for a in confirmed if a.objective_id == objective["id"]]
        outcomes = [a.confirmed_outcome for a in mine]
        results.append(
            ObjectiveResult(
                id=str(objective["id"]),
                title=str(objective["title"]),
                attempts=len(mine),
                successes=outcomes.count("success"),
                partial=outcomes.count("partial"),
                unclear=outcomes.count("unclear"),
                rate=metrics.get(objective_metric(str(objective["id"]))),
            )
        )
    return CampaignSummary(
        campaign=campaign,
        sessions=list(sessions),
        objectives=results,
        overall=metrics.get(METRIC),
        agreement=rater_agreement(store, campaign.id, principal=principal),
        run_ids=[s.run_id for s in sessions if s.run_id],
        pending=sum(1 for a in attempts if a.confirmed_outcome is None),
        withheld=sessions.withheld,
    )


class SessionView(BaseModel):
    campaign: RedTeamCampaignRecord
    session: RedTeamSessionRecord
    turns: list[RedTeamTurnRecord]
    attempts: list[RedTeamAttemptRecord]


def show_session(store: Store, ref: str, *, principal: Principal) -> SessionView:
    """A session with its turns and attempts, after an access check."""
    session = session_for(store, ref, principal)
    return SessionView(
        campaign=store.redteam.campaign(session.campaign_id),
        session=session,
        turns=store.redteam.turns(session.id),
        attempts=store.redteam.attempts(session_id=session.id),
    )


class CampaignExport(BaseModel):
    """Everything a campaign holds that the principal may read: for archives and review."""

    summary: CampaignSummary
    sessions: list[SessionView]


def export_campaign(store: Store, ref: str, *, principal: Principal) -> CampaignExport:
    """The campaign's summary and every readable session with its turns and attempts."""
    summary = summarise_campaign(store, ref, principal=principal)
    return CampaignExport(
        summary=summary,
        sessions=[show_session(store, s.id, principal=principal) for s in summary.sessions],
    )
