"""Where a use case stands, computed on read: each practice's effective status, whether its
evidence still matches what was pinned, and whether an approval still holds.

An approval lapses to "needs re-review" when anything it pinned has changed: the intake, the
classification, a linked run (or a newer run of the same task on a different model, dataset or
task definition), a finding, mitigation, policy or document, a waiver it relied on, or what a
linked model spec resolves to (a new weights digest or version).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from clearance.governance._evidence import evidence_changes
from clearance.governance._rules import practice_rank
from clearance.governance._waivers import active_waiver, waiver_state
from clearance.store import (
    ClassificationRecord,
    DecisionRecord,
    EvidenceLinkRecord,
    PracticeRecord,
    Store,
    UseCaseRecord,
)

PracticeState = Literal["implemented", "waived", "in_progress", "not_started", "not required"]
DecisionState = Literal["none", "requested", "approved", "needs re-review", "denied", "suspended"]


class EvidenceView(BaseModel):
    """An evidence link and how its evidence changed since it was pinned."""

    link: EvidenceLinkRecord
    changes: list[str]


class PracticeView(BaseModel):
    """A practice with its effective status: a waiver in force makes it "waived"."""

    practice: PracticeRecord
    state: PracticeState
    waiver_id: str | None
    evidence: list[EvidenceView]
    """The links in force (superseded ones stay in the store and the ledger, not here)."""

    @property
    def satisfied(self) -> bool:
        """Implemented (signed, for the independent evaluation) or waived; or not required."""
        return self.state in ("implemented", "waived", "not required")


class DecisionStatus(BaseModel):
    """The decision in force on a use case, and whether it still holds."""

    state: DecisionState
    decision: DecisionRecord | None
    """The latest approval, denial or suspension."""
    pending_request: DecisionRecord | None
    lapse_reasons: list[str]
    review_due: datetime | None
    review_overdue: bool


_DECIDED_STATES: dict[str, DecisionState] = {
    "approve": "approved",
    "deny": "denied",
    "suspend": "suspended",
}


def practice_views(store: Store, use_case: UseCaseRecord, now: datetime) -> list[PracticeView]:
    """Every practice of ``use_case`` with its effective status and evidence at ``now``."""
    links = store.governance.evidence(use_case_id=use_case.id)
    views = []
    practices = sorted(store.governance.practices(use_case.id), key=lambda p: practice_rank(p.code))
    for practice in practices:
        waiver = active_waiver(store, use_case.id, practice.code, now)
        evidence = [
            EvidenceView(
                link=link, changes=evidence_changes(store, link.kind, link.ref, link.pinned)
            )
            for link in links
            if link.practice_id == practice.id and link.superseded_by is None
        ]
        views.append(
            PracticeView(
                practice=practice,
                state=_practice_state(practice, waiver is not None),
                waiver_id=waiver.id if waiver else None,
                evidence=evidence,
            )
        )
    return views


def _practice_state(practice: PracticeRecord, waived: bool) -> PracticeState:
    if not practice.required:
        return "not required"
    if practice.status == "implemented":
        return "implemented"
    if waived:
        return "waived"
    return "in_progress" if practice.status == "in_progress" else "not_started"


def current_models(store: Store, specs: list[str]) -> dict[str, str | None]:
    """What each model spec resolves to now: the id of the newest model registered under it."""
    resolved: dict[str, str | None] = {}
    for spec in specs:
        model = store.governance.newest_model(spec)
        resolved[spec] = model.id if model else None
    return resolved


def decision_status(
    store: Store,
    use_case: UseCaseRecord,
    classification: ClassificationRecord | None,
    now: datetime,
) -> DecisionStatus:
    """The decision in force on ``use_case`` at ``now``, with the reasons an approval lapsed."""
    decisions = store.governance.decisions(use_case.id)
    decided = next((d for d in decisions if d.kind != "request"), None)
    request = next((d for d in decisions if d.kind == "request"), None)
    if request is not None and decided is not None and request.created_at < decided.created_at:
        request = None
    reasons: list[str] = []
    state: DecisionState = "requested" if request is not None else "none"
    if decided is not None and request is None:
        state = _DECIDED_STATES[decided.kind]
    if decided is not None and decided.kind == "approve":
        reasons = approval_lapses(store, decided, use_case, classification, now)
        if reasons and state == "approved":
            state = "needs re-review"
    due = decided.review_due if decided is not None and decided.kind == "approve" else None
    return DecisionStatus(
        state=state,
        decision=decided,
        pending_request=request,
        lapse_reasons=reasons,
        review_due=due,
        review_overdue=due is not None and now > due,
    )


def approval_lapses(
    store: Store,
    approval: DecisionRecord,
    use_case: UseCaseRecord,
    classification: ClassificationRecord | None,
    now: datetime,
) -> list[str]:
    """Everything that changed since ``approval`` pinned it (empty while it holds)."""
    pinned = approval.pinned
    reasons: list[str] = []
    if pinned.get("inputs_digest") != use_case.inputs_digest:
        reasons.append(
            f"the intake changed since approval (now revision {use_case.revision}, approved "
            f"revision {pinned.get('revision')})"
        )
    if classification is not None and pinned.get("classes") != classification.classes:
        reasons.append(
            f"the classification changed since approval ({', '.join(pinned.get('classes', []))}"
            f" → {', '.join(classification.classes) or 'not high-impact'})"
        )
    for item in pinned.get("evidence", []):
        reasons += [
            f"practice {item['practice']}: {change}"
            for change in evidence_changes(store, item["kind"], item["ref"], item["pins"])
        ]
    reasons += _model_changes(store, pinned.get("models", {}))
    reasons += _waiver_changes(store, use_case, pinned.get("practices", {}), now)
    reasons += _monitoring_alarms(store, use_case, approval)
    return list(dict.fromkeys(reasons))


def _monitoring_alarms(
    store: Store, use_case: UseCaseRecord, approval: DecisionRecord
) -> list[str]:
    """Open monitoring incidents raised after the approval: what was approved no longer behaves
    as it did when it was tested, so the approval goes back to review."""
    return [
        f"monitoring raised incident {incident.id} after the approval: {incident.summary}"
        for incident in store.governance.incidents(use_case.id)
        if incident.kind == "monitoring"
        and incident.status == "open"
        and incident.created_at > approval.created_at
    ]


def _model_changes(store: Store, pinned_models: dict[str, Any]) -> list[str]:
    changes = []
    for spec, model_id in current_models(store, list(pinned_models)).items():
        if model_id != pinned_models[spec]:
            model = store.governance.newest_model(spec)
            version = f", version {_short(model.version)}" if model and model.version else ""
            weights = (
                f", weights {_short(model.weights_sha256)}"
                if model and model.weights_sha256
                else ""
            )
            changes.append(
                f"model {spec} changed: it now resolves to models.id {_short(model_id)}"
                f"{version}{weights}; the approval pinned {_short(pinned_models[spec])}"
            )
    return changes


def _waiver_changes(
    store: Store, use_case: UseCaseRecord, practices: dict[str, Any], now: datetime
) -> list[str]:
    changes = []
    waivers = {w.id: w for w in store.governance.waivers(use_case.id)}
    current = {p.code: p for p in store.governance.practices(use_case.id)}
    for code, pinned in practices.items():
        waiver_id = pinned.get("waiver_id")
        if not waiver_id or waiver_id not in waivers:
            continue
        waiver = waivers[waiver_id]
        # A renewal carries the exemption on: judge the newest waiver in the chain.
        while waiver.status == "renewed" and waiver.renewed_by_id in waivers:
            waiver = waivers[waiver.renewed_by_id]
        state = waiver_state(waiver, now)
        practice = current.get(code)
        if state != "active" and not (practice and practice.status == "implemented"):
            changes.append(f"practice {code} relied on waiver {waiver.id}, which is now {state}")
    return changes


def _short(value: object) -> str:
    text = str(value)
    return text[:12] + "…" if len(text) > 16 else text
