"""Human red teaming in the annual report: attack success per objective with intervals in (A),
and the agreement between red-teamers and second raters in (C)."""

from __future__ import annotations

from clearance.access import Action, marking_of
from clearance.redteam import (
    CampaignSummary,
    describe_agreement,
    describe_rate,
    summarise_campaign,
)
from clearance.reports._document import Block, Notice, Paragraph, Section, Table
from clearance.reports._reading import Reading

SUCCESS_COLUMNS = [
    "campaign",
    "model",
    "domain",
    "objective",
    "confirmed attempts",
    "successes",
    "attack success rate (95% CI)",
]
AGREEMENT_COLUMNS = ["campaign", "confirmed attempts", "Cohen's kappa (95% CI)"]


def campaign_summaries(reading: Reading) -> list[CampaignSummary]:
    """Every campaign the reader may read, summarised; their markings join the banner."""
    campaigns = reading.keep(
        "redteam_campaign",
        reading.store.redteam.campaigns(),
        marking_of,
        Action.RUN_READ,
        count_withheld=False,
    )
    summaries = [summarise_campaign(reading.store, c.id, principal=reading.principal)
                 for c in campaigns]  # fmt: skip
    reading.shown.extend(s.marking for s in summaries)
    return summaries


def red_team_findings(summaries: list[CampaignSummary]) -> Section:
    """(A): each campaign's objectives with their attack success rate."""
    blocks: list[Block] = [
        Paragraph(
            text="People probed the models for what automated benchmarks miss. Each attempt "
            "was tagged by its red-teamer and confirmed by a second person; the rates count "
            "confirmed outcomes only (an unclear outcome counts neither way)."
        ),
        Table(
            caption="Attack success per objective of each red-team campaign, with Wilson "
            "95% intervals",
            columns=SUCCESS_COLUMNS,
            rows=[
                [
                    s.campaign.name,
                    s.campaign.model_spec,
                    s.campaign.domain,
                    o.title,
                    o.attempts,
                    o.successes,
                    describe_rate(o.rate),
                ]
                for s in summaries
                for o in s.objectives
            ],
            empty="no red-team campaign readable at your clearance",
        ),
    ]
    pending = sum(s.pending for s in summaries)
    if pending:
        blocks.append(
            Notice(
                tone="warning",
                text=f"{pending} tagged attempt(s) await a second rater and count in no rate.",
            )
        )
    return Section(id="redteam-findings", title="Human red teaming", blocks=blocks)


def red_team_agreement(summaries: list[CampaignSummary]) -> Section:
    """(C): how far the second raters agreed with the red-teamers, beyond chance."""
    table = Table(
        caption="Agreement between red-teamers' and second raters' outcomes (Cohen's kappa, "
        "with a large-sample 95% interval)",
        columns=AGREEMENT_COLUMNS,
        rows=[
            [s.campaign.name, s.agreement.n if s.agreement else 0, describe_agreement(s.agreement)]
            for s in summaries
        ],
        empty="no red-team campaign readable at your clearance",
    )
    return Section(id="redteam-agreement", title="Red-team raters' agreement", blocks=[table])
