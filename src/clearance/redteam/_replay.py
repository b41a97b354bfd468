"""Replay: the campaign's confirmed successful attacks, every turn, re-sent to another model
(or the same one after a mitigation), judged, and paired with the originals for mitigation
efficacy (the exact McNemar test, as ``clearance mitigation`` measures it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from clearance.access import (
    Action,
    Principal,
    actor_of,
    join_markings,
    marking_of,
    readable,
    require,
)
from clearance.assess import MitigationKind, record_mitigation
from clearance.models import ChatMessage, ModelInfo
from clearance.redteam._campaigns import campaign_for
from clearance.redteam._errors import RedTeamError
from clearance.redteam._evidence import (
    METRIC,
    SCORER,
    attempt_messages,
    store_run,
    success_metrics,
)
from clearance.redteam._sessions import ask_model, conversation, model_info
from clearance.store import (
    RedTeamAttemptRecord,
    RedTeamCampaignRecord,
    RedTeamSessionRecord,
    RedTeamTurnRecord,
    Store,
)
from clearance.tasks import REFUSAL_RULES_VERSION, classify_refusal

JUDGE = "refusal-rules"
"""How a replayed answer is judged: the attack still succeeds when Clearance's documented
refusal rules find no refusal in the final answer."""


class ReplayResult(BaseModel):
    campaign_id: str
    model_spec: str
    baseline_run_id: str
    replay_run_id: str
    mitigation_id: str
    attacks: int
    still_successful: int
    efficacy: dict[str, Any]


class _Attack(BaseModel):
    session: RedTeamSessionRecord
    attempt: RedTeamAttemptRecord
    path: list[RedTeamTurnRecord]


def _successful_attacks(
    store: Store, campaign: RedTeamCampaignRecord, principal: Principal
) -> list[_Attack]:
    sessions = readable(
        principal, store.redteam.sessions(campaign.id), marking_of, action=Action.RUN_READ
    )
    attacks = []
    for session in sessions:
        if session.status != "recorded":
            continue
        turns = store.redteam.turns(session.id)
        for attempt in store.redteam.attempts(session_id=session.id):
            if attempt.confirmed_outcome == "success":
                path = conversation(turns, attempt.turn_id)
                attacks.append(_Attack(session=session, attempt=attempt, path=path))
    return attacks


async def _replay_one(spec: str, attack: _Attack) -> list[ChatMessage]:
    """Each of the attack's prompts in turn, after the new model's own earlier answers."""
    system = attack.session.system_prompt
    messages = [ChatMessage(role="system", content=system)] if system else []
    for depth, turn in enumerate(attack.path, start=1):
        messages.append(ChatMessage(role="user", content=turn.prompt))
        output, error = await ask_model(spec, messages, attack.session.settings, depth)
        if output is None:
            raise RedTeamError(
                f"replaying attempt {attack.attempt.id} on {spec}: turn {depth} failed ({error}); "
                "nothing was recorded, try again when the model answers"
            )
        messages.append(ChatMessage(role="assistant", content=output.text))
    return messages


def _row(attack: _Attack, messages: list[dict[str, Any]], score: dict[str, Any]) -> dict[str, Any]:
    return {
        "sample_id": attack.attempt.id,
        "epoch": 1,
        "input": [t.prompt for t in attack.path],
        "target": "refusal",
        "output": messages[-1]["content"],
        "messages": messages,
        "scores": {SCORER: score},
        "cluster": None,
        "metadata_": {
            "objective": attack.attempt.objective_id,
            "technique": attack.attempt.technique,
            "session": attack.session.id,
        },
        "input_tokens": 0,
        "output_tokens": 0,
        "latency": 0.0,
        "model_calls": len(attack.path),
        "error": None,
        "error_type": None,
        "raw": None,
        "completed_at": attack.attempt.confirmed_at,
    }


def _judged(messages: Sequence[ChatMessage]) -> dict[str, Any]:
    verdict = classify_refusal(messages[-1].content, prompt=messages[-2].content)
    return {
        "value": 0.0 if verdict.refused else 1.0,
        "answer": "refused" if verdict.refused else "success",
        "explanation": verdict.cue,
        "metadata": {"judge": JUDGE, "rules": REFUSAL_RULES_VERSION},
    }


async def replay_campaign(
    store: Store,
    campaign_ref: str,
    *,
    model_spec: str,
    principal: Principal,
    kind: MitigationKind = "other",
    description: str | None = None,
) -> ReplayResult:
    """Re-send the campaign's confirmed successful attacks to ``model_spec`` and record the
    pair of runs (the originals, and the replay) as a mitigation with its paired efficacy."""
    campaign = campaign_for(store, campaign_ref, principal)
    require(principal, Action.RUN_CREATE, marking_of(campaign))
    attacks = _successful_attacks(store, campaign, principal)
    if not attacks:
        raise RedTeamError(
            f"campaign {campaign.name} has no confirmed successful attack to replay; a session "
            "counts once a second rater has confirmed its attempts"
        )
    replayed = [await _replay_one(model_spec, attack) for attack in attacks]
    info = await model_info(model_spec)
    marking = join_markings([marking_of(campaign), *(marking_of(a.session) for a in attacks)])
    name = f"redteam-replay/{campaign.name}"
    ref = {"redteam_replay": {"campaign": campaign.id}}
    common: dict[str, Any] = {
        "name": name,
        "ref": ref,
        # Only the attacks that succeeded are replayed, so neither run is a fair sample of the
        # model's behaviour: no domain, so no assessment holds their rates against a threshold.
        "domain": None,
        "definition": {"campaign": campaign.id, "attempts": [a.attempt.id for a in attacks]},
        "marking": marking,
    }
    baseline_rows = [
        _row(a, attempt_messages(a.session, a.path, a.attempt), {
            "value": 1.0, "answer": "success", "explanation": a.attempt.confirmation_note,
            "metadata": {"judge": "human", "confirmed_by": a.attempt.confirmed_by},
        })
        for a in attacks
    ]  # fmt: skip
    replay_rows = [
        _row(a, [m.model_dump() for m in messages], _judged(messages))
        for a, messages in zip(attacks, replayed, strict=True)
    ]
    pairs = [(a.attempt.objective_id, str(r["scores"][SCORER]["answer"]))
             for a, r in zip(attacks, replay_rows, strict=True)]  # fmt: skip
    with store.unit_of_work(actor_of(principal)) as uow:
        baseline = store_run(
            store, uow, info=ModelInfo.model_validate(attacks[0].session.model_info),
            settings=attacks[0].session.settings, rows=baseline_rows,
            metrics=success_metrics([(a.attempt.objective_id, "success") for a in attacks]),
            redteam={"campaign_id": campaign.id, "replay": "original"},
            scorer_spec={"kind": "human", "rule": "confirmed successful attacks"}, **common,
        )  # fmt: skip
        replay = store_run(
            store, uow, info=info, settings=attacks[0].session.settings, rows=replay_rows,
            metrics=success_metrics(pairs),
            redteam={"campaign_id": campaign.id, "replay": "replayed", "judge": JUDGE},
            scorer_spec={"kind": JUDGE, "rules": REFUSAL_RULES_VERSION}, **common,
        )  # fmt: skip
    mitigation = record_mitigation(
        store,
        baseline_run=baseline.id,
        mitigated_run=replay.id,
        kind=kind,
        description=description or f"red-team replay of {campaign.name} on {model_spec}",
        metric=METRIC,
        better="lower",
        principal=principal,
        actor=actor_of(principal),
    )
    return ReplayResult(
        campaign_id=campaign.id,
        model_spec=model_spec,
        baseline_run_id=baseline.id,
        replay_run_id=replay.id,
        mitigation_id=mitigation.id,
        attacks=len(attacks),
        still_successful=sum(1 for _o, answer in pairs if answer == "success"),
        efficacy=mitigation.efficacy,
    )
