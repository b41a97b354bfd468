"""Sessions: a red-teamer converses with the campaign's model, retries or branches turns, and
tags attempts with their objective, technique and outcome."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from clearance.access import (
    Action,
    Principal,
    SeparationOfDutiesError,
    actor_of,
    marking_fields,
    marking_of,
    require,
)
from clearance.models import (
    ChatMessage,
    GenerateConfig,
    ModelError,
    ModelInfo,
    ModelOutput,
    current_epoch,
    current_sample_id,
    get_model,
)
from clearance.redteam._campaigns import (
    OUTCOMES,
    campaign_for,
    check_settings,
    objective_ids,
    visible_to,
)
from clearance.redteam._errors import ONLY_THE_RED_TEAMER, RedTeamError
from clearance.store import (
    RedTeamAttemptRecord,
    RedTeamCampaignRecord,
    RedTeamSessionRecord,
    RedTeamTurnRecord,
    Store,
)


def turn_key(depth: int) -> str:
    """The sample id a model sees for the ``depth``-th turn of a conversation (1-based), so a
    scripted model answers a conversation turn by turn, in a session and in its replay alike."""
    return f"turn-{depth}"


def session_for(
    store: Store, ref: str, principal: Principal, action: Action = Action.RUN_READ
) -> RedTeamSessionRecord:
    """The session ``ref`` names, once ``principal`` may take ``action`` on it."""
    session = store.redteam.session(ref, visible_to(principal, Action.RUN_READ))
    require(principal, action, marking_of(session))
    return session


def _own_open_session(store: Store, ref: str, principal: Principal) -> RedTeamSessionRecord:
    session = session_for(store, ref, principal, Action.RUN_CREATE)
    actor = actor_of(principal)
    if actor != session.created_by:
        raise SeparationOfDutiesError(
            ONLY_THE_RED_TEAMER, actor, f"session {session.id} is {session.created_by}'s"
        )
    if session.status != "open":
        raise RedTeamError(
            f"session {session.id} is {session.status}: it was submitted for confirmation and "
            "takes no more turns or tags; open a new session to continue"
        )
    return session


async def start_session(
    store: Store,
    campaign_ref: str,
    *,
    principal: Principal,
    system_prompt: str | None = None,
    settings: GenerateConfig | dict[str, Any] | None = None,
    now: datetime | None = None,
) -> RedTeamSessionRecord:
    """Open a session on the campaign's model, recording the system prompt and generation
    settings it will use (the campaign's unless given)."""
    campaign = campaign_for(store, campaign_ref, principal)
    require(principal, Action.RUN_CREATE, marking_of(campaign))
    info = await model_info(campaign.model_spec)
    at = now or datetime.now(UTC)
    with store.unit_of_work(actor_of(principal)) as uow:
        record: RedTeamSessionRecord = store.redteam_sessions.add(
            uow,
            action="redteam.session.start",
            now=at,
            fields={
                "campaign_id": campaign.id,
                "model_spec": campaign.model_spec,
                "model_info": info.model_dump(mode="json"),
                "system_prompt": campaign.system_prompt if system_prompt is None else system_prompt,
                "settings": campaign.settings if settings is None else check_settings(settings),
                "status": "open",
                "run_id": None,
                "updated_at": at,
                **marking_fields(marking_of(campaign)),
            },
        )
    return record


def conversation(
    turns: Sequence[RedTeamTurnRecord], last_id: str | None
) -> list[RedTeamTurnRecord]:
    """The turns from the first to ``last_id`` along its parents (empty for None)."""
    by_id = {t.id: t for t in turns}
    path: list[RedTeamTurnRecord] = []
    current = last_id
    while current is not None:
        turn = by_id.get(current)
        if turn is None:
            raise RedTeamError(f"no turn {current!r} in this session; the session page lists them")
        path.append(turn)
        current = turn.parent_id
    return list(reversed(path))


def messages_for(
    system_prompt: str, path: Sequence[RedTeamTurnRecord], prompt: str
) -> list[ChatMessage]:
    """What the model is sent: the system prompt, each earlier turn, then the new prompt."""
    messages = [ChatMessage(role="system", content=system_prompt)] if system_prompt else []
    for turn in path:
        messages.append(ChatMessage(role="user", content=turn.prompt))
        messages.append(ChatMessage(role="assistant", content=turn.response))
    messages.append(ChatMessage(role="user", content=prompt))
    return messages


async def model_info(spec: str) -> ModelInfo:
    """What ``spec`` names, as a run records it (opening the provider, calling nothing)."""
    model = get_model(spec)
    try:
        return model.info
    finally:
        await model.aclose()


async def ask_model(
    spec: str, messages: Sequence[ChatMessage], settings: dict[str, Any], depth: int
) -> tuple[ModelOutput | None, str | None]:
    """The model's answer to ``messages`` (or the error it failed with, as text)."""
    model = get_model(spec)
    sample = current_sample_id.set(turn_key(depth))
    epoch = current_epoch.set(1)
    try:
        return await model.generate(messages, GenerateConfig.model_validate(settings)), None
    except ModelError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    finally:
        current_sample_id.reset(sample)
        current_epoch.reset(epoch)
        await model.aclose()


async def send_turn(
    store: Store,
    session_ref: str,
    prompt: str,
    *,
    parent_id: str | None,
    principal: Principal,
    now: datetime | None = None,
) -> RedTeamTurnRecord:
    """Send ``prompt`` after turn ``parent_id`` (None: as the first turn) and record the
    model's answer. Sending after an earlier turn branches the conversation there."""
    session = _own_open_session(store, session_ref, principal)
    if not prompt.strip():
        raise RedTeamError("write a prompt to send")
    path = conversation(store.redteam.turns(session.id), parent_id)
    messages = messages_for(session.system_prompt, path, prompt)
    output, error = await ask_model(session.model_spec, messages, session.settings, len(path) + 1)
    with store.unit_of_work(actor_of(principal)) as uow:
        record: RedTeamTurnRecord = store.redteam_turns.add(
            uow,
            action="redteam.turn",
            now=now or datetime.now(UTC),
            fields={
                "session_id": session.id,
                "parent_id": parent_id,
                "prompt": prompt,
                "response": output.text if output else "",
                "error": error,
                "usage": output.usage.model_dump() if output else {},
                "latency": output.latency if output else 0.0,
                **marking_fields(marking_of(session)),
            },
        )
    return record


async def retry_turn(
    store: Store, session_ref: str, turn_id: str, *, principal: Principal
) -> RedTeamTurnRecord:
    """Send a turn's prompt again after the same parent: a sibling answer to compare."""
    session = _own_open_session(store, session_ref, principal)
    turn = _turn_of(store, session, turn_id)
    return await send_turn(
        store, session.id, turn.prompt, parent_id=turn.parent_id, principal=principal
    )


def _turn_of(store: Store, session: RedTeamSessionRecord, turn_id: str) -> RedTeamTurnRecord:
    for turn in store.redteam.turns(session.id):
        if turn.id == turn_id:
            return turn
    raise RedTeamError(f"no turn {turn_id!r} in session {session.id}; its page lists the turns")


def tag_attempt(
    store: Store,
    session_ref: str,
    turn_id: str,
    *,
    objective_id: str,
    technique: str,
    outcome: str,
    note: str = "",
    principal: Principal,
    now: datetime | None = None,
) -> RedTeamAttemptRecord:
    """Tag the conversation ending at ``turn_id`` as an attempt on an objective."""
    session = _own_open_session(store, session_ref, principal)
    campaign = store.redteam.campaign(session.campaign_id)
    turn = _turn_of(store, session, turn_id)
    _check_tag(campaign, objective_id, technique, outcome)
    if turn.error is not None:
        raise RedTeamError(
            f"turn {turn.id} ended in an error ({turn.error}); retry it and tag the answer"
        )
    at = now or datetime.now(UTC)
    with store.unit_of_work(actor_of(principal)) as uow:
        record: RedTeamAttemptRecord = store.redteam_attempts.add(
            uow,
            action="redteam.attempt.tag",
            now=at,
            fields={
                "session_id": session.id,
                "turn_id": turn.id,
                "objective_id": objective_id,
                "technique": technique,
                "outcome": outcome,
                "note": note.strip(),
                "confirmed_outcome": None,
                "confirmed_by": None,
                "confirmed_at": None,
                "confirmation_note": "",
                "updated_at": at,
                **marking_fields(marking_of(session)),
            },
        )
    return record


def _check_tag(
    campaign: RedTeamCampaignRecord, objective_id: str, technique: str, outcome: str
) -> None:
    if objective_id not in objective_ids(campaign):
        raise RedTeamError(
            f"campaign {campaign.name} has no objective {objective_id!r}; its objectives: "
            f"{', '.join(objective_ids(campaign))}"
        )
    if technique not in campaign.techniques:
        raise RedTeamError(
            f"campaign {campaign.name} lists no technique {technique!r}; its techniques: "
            f"{', '.join(campaign.techniques)}"
        )
    check_outcome(outcome)


def check_outcome(outcome: str) -> None:
    if outcome not in OUTCOMES:
        raise RedTeamError(f"unknown outcome {outcome!r}; choose one of: {', '.join(OUTCOMES)}")


def submit_session(
    store: Store, session_ref: str, *, principal: Principal, now: datetime | None = None
) -> RedTeamSessionRecord:
    """Close the session to new turns and hand its attempts to a second rater."""
    session = _own_open_session(store, session_ref, principal)
    if not store.redteam.attempts(session_id=session.id):
        raise RedTeamError(
            f"session {session.id} has no tagged attempt; tag at least one before submitting"
        )
    at = now or datetime.now(UTC)
    with store.unit_of_work(actor_of(principal)) as uow:
        record: RedTeamSessionRecord = store.redteam_sessions.change(
            uow,
            session.id,
            action="redteam.session.submit",
            changes={"status": "submitted", "updated_at": at},
        )
    return record
