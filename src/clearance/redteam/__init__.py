"""Human-led red teaming, recorded as evidence (NSM 3.3(f)(iii)).

An evaluator opens a campaign (the model under test, a domain, objectives written as benign
proxies, rules of engagement, techniques, a marking). A red-teamer converses with the model in
sessions, retrying or branching turns, and tags each attempt with its objective, technique and
outcome. A second person, never the red-teamer, confirms or changes each outcome; the last
confirmation records the session as a run of a red-team task, so assessments, reports and
mitigations read it like any other evidence. Replay re-sends successful attacks to another model
and pairs the results for mitigation efficacy.
"""

from clearance.redteam._campaigns import (
    DEFAULT_TECHNIQUES,
    OUTCOMES,
    Objective,
    Outcome,
    campaign_for,
    create_campaign,
    list_campaigns,
)
from clearance.redteam._confirmation import confirm_attempt, rater_agreement
from clearance.redteam._errors import RED_TEAMER_CANNOT_CONFIRM, RedTeamError
from clearance.redteam._evidence import METRIC, SCORER, objective_metric, success_metrics
from clearance.redteam._replay import JUDGE, ReplayResult, replay_campaign
from clearance.redteam._sessions import (
    conversation,
    retry_turn,
    send_turn,
    session_for,
    start_session,
    submit_session,
    tag_attempt,
    turn_key,
)
from clearance.redteam._summary import (
    CampaignExport,
    CampaignSummary,
    ObjectiveResult,
    SessionView,
    describe_agreement,
    describe_rate,
    export_campaign,
    show_session,
    summarise_campaign,
)

__all__ = [
    "DEFAULT_TECHNIQUES",
    "JUDGE",
    "METRIC",
    "OUTCOMES",
    "RED_TEAMER_CANNOT_CONFIRM",
    "SCORER",
    "CampaignExport",
    "CampaignSummary",
    "Objective",
    "ObjectiveResult",
    "Outcome",
    "RedTeamError",
    "ReplayResult",
    "SessionView",
    "campaign_for",
    "confirm_attempt",
    "conversation",
    "create_campaign",
    "describe_agreement",
    "describe_rate",
    "export_campaign",
    "list_campaigns",
    "objective_metric",
    "rater_agreement",
    "replay_campaign",
    "retry_turn",
    "send_turn",
    "session_for",
    "show_session",
    "start_session",
    "submit_session",
    "success_metrics",
    "summarise_campaign",
    "tag_attempt",
    "turn_key",
]
