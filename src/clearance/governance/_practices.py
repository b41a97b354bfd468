"""Minimum practices: status, owner, reviewer, evidence links pinned by digest, and the
independent evaluation, which only someone who did not develop the use may sign."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal, get_args

from clearance.access import (
    CREATED_BY_DEVELOPER_CANNOT_SIGN,
    DEVELOPER_CANNOT_SIGN_INDEPENDENT_EVALUATION,
    Action,
    Principal,
    SeparationOfDutiesError,
    actor_of,
    marking_fields,
    marking_of,
    require,
    require_named_person,
)
from clearance.governance._agency import rules_in_force
from clearance.governance._context import moment, stated_time, use_case_for
from clearance.governance._errors import GovernanceError
from clearance.governance._evidence import add_document, pin_evidence, subject_of
from clearance.governance._rules import practice_rank
from clearance.store import (
    EvidenceLinkRecord,
    PracticeRecord,
    PrincipalNotFoundError,
    Store,
    UnitOfWork,
    UseCaseRecord,
)

PracticeStatus = Literal["not_started", "in_progress", "implemented"]
PRACTICE_STATUSES: tuple[PracticeStatus, ...] = get_args(PracticeStatus)


def find_practice(store: Store, use_case: UseCaseRecord, code: str) -> PracticeRecord:
    """The practice ``code`` of ``use_case``; the error lists the use case's practices."""
    practices = sorted(store.governance.practices(use_case.id), key=lambda p: practice_rank(p.code))
    for practice in practices:
        if practice.code == code:
            return practice
    listed = ", ".join(p.code for p in practices) or "none (it is not high-impact)"
    raise GovernanceError(
        f"use case {use_case.id} has no practice {code!r}; its practices: {listed}"
    )


def _check_not_made_by_developer(store: Store, principal: Principal, developers: list[str]) -> None:
    # A developer who creates a user (an administrator who is also a developer) could sign
    # through it: the ledgered creator of the signer's account must not be a developer.
    try:
        creator = store.principals.get(principal.id).created_by
    except PrincipalNotFoundError:
        return
    if creator in developers:
        raise SeparationOfDutiesError(
            CREATED_BY_DEVELOPER_CANNOT_SIGN,
            principal.id,
            f"{principal.id} was created by {creator}, a developer of the use case",
        )


def void_independent_sign_off(
    store: Store, uow: UnitOfWork, use_case: UseCaseRecord, reason: str, at: datetime
) -> None:
    """Withdraw the signature of the use case's independent evaluation (it must be signed
    again), e.g. when its developers change after it was signed."""
    for practice in store.governance.practices(use_case.id, uow=uow):
        # Only an independent evaluation is ever signed (sign_independent_evaluation); the
        # rules are not read here, inside the unit of work that holds SQLite's write lock.
        if practice.signed_by is not None:
            store.practices.change(
                uow,
                practice.id,
                action="practice.sign_off_voided",
                changes={
                    "status": "in_progress",
                    "signed_by": None,
                    "signed_at": None,
                    "sign_recorded_at": None,
                    "notes": _noted(practice.notes, reason, uow.actor, at),
                    "updated_at": at,
                    "updated_by": uow.actor,
                },
            )


def _is_independent(store: Store, code: str) -> bool:
    try:
        return rules_in_force(store).rules.practice(code).independent
    except GovernanceError:
        return False


def _needs_verified_signature(store: Store, code: str) -> bool:
    try:
        return rules_in_force(store).rules.practice(code).requires_verified_signature
    except GovernanceError:
        return False


def _noted(notes: str, note: str | None, actor: str, now: datetime) -> str:
    if not note or not note.strip():
        return notes
    line = f"{now:%Y-%m-%d %H:%M} UTC {actor}: {' '.join(note.split())}"
    return f"{notes}\n{line}" if notes else line


def update_practice(
    store: Store,
    use_case_ref: str,
    code: str,
    *,
    status: str | None = None,
    owner: str | None = None,
    reviewer: str | None = None,
    note: str | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> PracticeRecord:
    """Set a practice's status, owner or reviewer, or add a note. ``implemented`` needs evidence
    linked first; the independent evaluation becomes implemented only by being signed."""
    use_case = use_case_for(store, use_case_ref, principal, Action.PRACTICE_UPDATE)
    practice = find_practice(store, use_case, code)
    at = moment(now)
    changes: dict[str, object] = {}
    if status is not None:
        changes |= _status_change(store, practice, status)
    if owner is not None:
        changes["owner"] = owner.strip() or None
    if reviewer is not None:
        changes["reviewer"] = reviewer.strip() or None
    with store.unit_of_work(actor_of(principal)) as uow:
        changes |= {
            "notes": _noted(practice.notes, note, uow.actor, at),
            "updated_at": at,
            "updated_by": uow.actor,
        }
        record: PracticeRecord = store.practices.change(
            uow, practice.id, action="practice.update", changes=changes
        )
    return record


def _status_change(store: Store, practice: PracticeRecord, status: str) -> dict[str, object]:
    if status not in PRACTICE_STATUSES:
        raise GovernanceError(
            f"unknown practice status {status!r}; allowed: {', '.join(PRACTICE_STATUSES)} "
            "(a waived practice is waived with `clearance waiver grant`)"
        )
    if status == "implemented" and _is_independent(store, practice.code):
        raise GovernanceError(
            f"{practice.code} is implemented by signing it: `clearance practice sign "
            f"{practice.use_case_id} {practice.code}`, by someone who did not develop the use"
        )
    if status == "implemented" and not store.governance.evidence(practice_id=practice.id):
        raise GovernanceError(
            f"practice {practice.code} cannot be implemented without evidence; link a run, "
            "finding, mitigation, policy or document first (`clearance practice link`)"
        )
    if (
        status == "implemented"
        and _needs_verified_signature(store, practice.code)
        and not any(
            link.kind == "signature" and link.superseded_by is None
            for link in store.governance.evidence(practice_id=practice.id)
        )
    ):
        raise GovernanceError(
            f"practice {practice.code} requires a verified signature of the model's weights: "
            "verify them (`clearance model verify PATH --public-key KEY`) and link the result "
            f"(`clearance practice link {practice.use_case_id} {practice.code} --signature SIG`)"
        )
    changes: dict[str, object] = {"status": status}
    if practice.signed_by is not None and status != "implemented":
        changes |= {"signed_by": None, "signed_at": None, "sign_recorded_at": None}
    return changes


def link_evidence(
    store: Store,
    use_case_ref: str,
    code: str,
    kind: str,
    ref: str,
    *,
    note: str = "",
    principal: Principal,
    now: datetime | None = None,
) -> EvidenceLinkRecord:
    """Link evidence (a run, finding, mitigation, policy or document) to a practice, pinning
    its digests as they are now. It supersedes the practice's earlier link on the same subject
    (the same task on the same model spec, the same policy file, a document of the same name),
    which is how changed evidence is pinned again. New evidence for a signed independent
    evaluation withdraws the signature: it must be signed again."""
    use_case = store.governance.use_case(use_case_ref)
    marking = marking_of(use_case)
    require(principal, Action.PRACTICE_UPDATE, marking)
    practice = find_practice(store, use_case, code)
    pinned = pin_evidence(store, kind, ref, principal)
    if not marking.dominates(pinned.marking):
        raise GovernanceError(
            f"{kind} {pinned.ref} is marked {pinned.marking.banner()}, above use case "
            f"{use_case.id}'s {marking.banner()}; raise the use case's marking before relying "
            "on it"
        )
    subject = subject_of(pinned.kind, pinned.pins)
    replaced = [
        link
        for link in store.governance.evidence(practice_id=practice.id)
        if link.subject == subject and link.superseded_by is None
    ]
    at = moment(now)
    with store.unit_of_work(actor_of(principal)) as uow:
        link: EvidenceLinkRecord = store.evidence_links.add(
            uow,
            action="evidence.link",
            now=at,
            fields={
                "practice_id": practice.id,
                "use_case_id": use_case.id,
                "kind": pinned.kind,
                "ref": pinned.ref,
                "pinned": pinned.pins,
                "subject": subject,
                "superseded_by": None,
                "note": note,
                **marking_fields(marking),
            },
        )
        for old in replaced:
            store.evidence_links.change(
                uow,
                old.id,
                action="evidence.supersede",
                changes={"superseded_by": link.id},
            )
        if practice.status == "not_started":
            # Evidence is work begun; the practice's next step (`next_step`) is now open.
            store.practices.change(
                uow,
                practice.id,
                action="practice.update",
                changes={"status": "in_progress", "updated_at": at, "updated_by": uow.actor},
            )
        elif practice.signed_by is not None:
            # The signer vouched for the evidence as it was: new evidence needs a new signature.
            store.practices.change(
                uow,
                practice.id,
                action="practice.unsign",
                changes={
                    "status": "in_progress",
                    "signed_by": None,
                    "signed_at": None,
                    "sign_recorded_at": None,
                    "updated_at": at,
                    "updated_by": uow.actor,
                },
            )
    return link


def link_document_file(
    store: Store,
    use_case_ref: str,
    code: str,
    path: str | Path,
    *,
    note: str = "",
    principal: Principal,
    now: datetime | None = None,
) -> EvidenceLinkRecord:
    """Upload the file at ``path`` as a document marked as its use case is, and link it to the
    practice: what ``practice link --document FILE`` does in one step."""
    use_case = store.governance.use_case(use_case_ref)
    require(principal, Action.PRACTICE_UPDATE, marking_of(use_case))
    document = add_document(
        store, path, description=note, marking=marking_of(use_case), principal=principal, now=now
    )
    return link_evidence(
        store, use_case.id, code, "document", document.id, note=note, principal=principal, now=now
    )


def next_step(store: Store, use_case_id: str, code: str) -> str:
    """What to do once evidence is linked to practice ``code``, as the command to type."""
    if _is_independent(store, code):
        return (
            f"sign it: `clearance practice sign {use_case_id} {code}` (by someone who did not "
            "develop the use)"
        )
    return (
        f"once the evidence shows it is in place: `clearance practice update {use_case_id} "
        f"{code} --status implemented`"
    )


def sign_independent_evaluation(
    store: Store,
    use_case_ref: str,
    code: str = "independent-evaluation",
    *,
    note: str = "",
    signed_at: datetime | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> PracticeRecord:
    """Sign a use case's independent evaluation, which marks it implemented. The signer must
    hold ``practice.sign_independent_evaluation`` and not be one of the use case's developers;
    the evaluation's evidence must be linked first. ``signed_at`` is when the signer says they
    signed, between the practice's newest evidence and now; the store's time of recording is
    kept beside it (``sign_recorded_at``)."""
    use_case = use_case_for(
        store, use_case_ref, principal, Action.PRACTICE_SIGN_INDEPENDENT_EVALUATION
    )
    require_named_person(principal)
    practice = find_practice(store, use_case, code)
    if not _is_independent(store, practice.code):
        raise GovernanceError(
            f"practice {practice.code} is not an independent evaluation; set its status with "
            "`clearance practice update`"
        )
    developers = list(use_case.intake.get("developers", []))
    actor = actor_of(principal)
    for identity in dict.fromkeys((principal.id, actor)):
        DEVELOPER_CANNOT_SIGN_INDEPENDENT_EVALUATION.require_not_in(identity, developers)
    _check_not_made_by_developer(store, principal, developers)
    if not store.governance.evidence(practice_id=practice.id):
        raise GovernanceError(
            f"link the evaluation's evidence to {practice.code} before signing it: "
            f"`clearance practice link {use_case.id} {practice.code} --run RUN` (or --finding, "
            "--mitigation, --document)"
        )
    at = moment(now)
    newest = max(link.created_at for link in store.governance.evidence(practice_id=practice.id))
    stated = stated_time(signed_at, now=at, since=newest, since_what="its newest linked evidence")
    with store.unit_of_work(actor) as uow:
        record: PracticeRecord = store.practices.change(
            uow,
            practice.id,
            action="practice.sign_independent_evaluation",
            changes={
                "status": "implemented",
                "signed_by": actor,
                "signed_at": stated,
                "sign_recorded_at": at,
                "reviewer": practice.reviewer or actor,
                "notes": _noted(practice.notes, note, actor, at),
                "updated_at": at,
                "updated_by": actor,
            },
        )
    return record
