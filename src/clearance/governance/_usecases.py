"""Use cases: intake, edits, and classification (with the chief AI officer's override).

Classification is the rules' work, not a person's: intake and every edit that changes the
inputs classify again, in the same transaction, and create the practices the classes require.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from clearance.access import (
    DEVELOPER_CANNOT_LEAVE,
    UNCLASSIFIED_MARKING,
    Action,
    Marking,
    Principal,
    SeparationOfDutiesError,
    actor_of,
    marking_fields,
    marking_of,
    require,
)
from clearance.governance._agency import rules_in_force
from clearance.governance._context import moment, require_chief_ai_officer, use_case_for
from clearance.governance._errors import GovernanceError
from clearance.governance._intake import UseCaseIntake, merge_intake, parse_intake
from clearance.governance._practices import void_independent_sign_off
from clearance.governance._rules import (
    RISK_CLASSES,
    ClassificationResult,
    LoadedRules,
    class_label,
    classify,
    default_rules,
    required_practices,
    withhold_annex,
)
from clearance.store import (
    ClassificationRecord,
    PracticeRecord,
    Store,
    UnitOfWork,
    UseCaseRecord,
)

_MIN_JUSTIFICATION_WORDS = 8


def _intake(intake: UseCaseIntake | Mapping[str, Any]) -> UseCaseIntake:
    return intake if isinstance(intake, UseCaseIntake) else parse_intake(intake)


def add_use_case(
    store: Store,
    intake: UseCaseIntake | Mapping[str, Any],
    *,
    marking: Marking = UNCLASSIFIED_MARKING,
    rules: LoadedRules | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> UseCaseRecord:
    """Register a use case from its intake, classify it, and create its practices."""
    require(principal, Action.USECASE_CREATE, marking)
    checked = _intake(intake)
    _check_developers(store, checked.developers)
    at = moment(now)
    rules = rules or rules_in_force(store)
    result = classify(checked, rules)
    with store.unit_of_work(actor_of(principal)) as uow:
        use_case: UseCaseRecord = store.use_cases.add(
            uow,
            action="use_case.create",
            now=at,
            fields={
                **_identity(checked),
                "intake": checked.model_dump(mode="json"),
                "inputs_digest": result.inputs_digest,
                "revision": 1,
                "updated_at": at,
                "updated_by": uow.actor,
                **marking_fields(marking),
            },
        )
        _record_classification(store, uow, use_case, result, None, at)
        sync_practices(store, uow, use_case, result.classes, rules, at)
    return use_case


def _identity(intake: UseCaseIntake) -> dict[str, str]:
    return {"name": intake.name, "agency": intake.agency, "office": intake.office}


def edit_use_case(
    store: Store,
    ref: str,
    changes: Mapping[str, Any],
    *,
    rules: LoadedRules | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> UseCaseRecord:
    """Change fields of a use case's intake (nested sections merge). A change of inputs
    classifies again: an override made for the old inputs lapses, and any approval needs
    re-review."""
    use_case = use_case_for(store, ref, principal, Action.USECASE_EDIT)
    checked = parse_intake(merge_intake(use_case.intake, changes), f"edit of {use_case.id}")
    before = list(use_case.intake.get("developers", []))
    after = list(checked.developers)
    _check_developers(store, after)
    if principal.id in before and principal.id not in after:
        raise SeparationOfDutiesError(
            DEVELOPER_CANNOT_LEAVE, principal.id, "another editor may remove them"
        )
    at = moment(now)
    rules = rules or rules_in_force(store)
    result = classify(checked, rules)
    if result.inputs_digest == use_case.inputs_digest:
        return use_case
    with store.unit_of_work(actor_of(principal)) as uow:
        edited: UseCaseRecord = store.use_cases.change(
            uow,
            use_case.id,
            action="use_case.edit",
            changes={
                **_identity(checked),
                "intake": checked.model_dump(mode="json"),
                "inputs_digest": result.inputs_digest,
                "revision": use_case.revision + 1,
                "updated_at": at,
                "updated_by": uow.actor,
            },
        )
        _record_classification(store, uow, edited, result, None, at)
        sync_practices(store, uow, edited, result.classes, rules, at)
        if sorted(before) != sorted(after):
            reason = f"sign-off voided: the developers changed ({', '.join(after) or 'none'})"
            void_independent_sign_off(store, uow, edited, reason, at)
    return edited


def _check_developers(store: Store, developers: Sequence[str]) -> None:
    """On a store with users, a use case's developers are users (by id), not free text: a
    name that is nobody could never be held to separation of duties."""
    principals = store.principals
    if not principals.count():
        return
    known = {record.id for record in principals.all()}
    unknown = [developer for developer in developers if developer not in known]
    if unknown:
        raise GovernanceError(
            f"developers {', '.join(unknown)} are not users of this store; list developers by "
            "user id (`clearance user list` shows them)"
        )


def _record_classification(
    store: Store,
    uow: UnitOfWork,
    use_case: UseCaseRecord,
    result: ClassificationResult,
    override: dict[str, Any] | None,
    now: datetime,
) -> ClassificationRecord:
    # The record is marked as its use case: an annex category it may not carry is withheld.
    result = withhold_annex(result, marking_of(use_case))
    record: ClassificationRecord = store.classifications.add(
        uow,
        action="use_case.classify",
        now=now,
        fields={
            "use_case_id": use_case.id,
            "use_case_revision": use_case.revision,
            "inputs_digest": result.inputs_digest,
            "rules_version": result.rules_version,
            "rules_digest": result.rules_digest,
            "rule_classes": list(result.classes),
            "classes": list(override["classes"]) if override else list(result.classes),
            "fired": [f.model_dump(mode="json") for f in result.fired],
            "override": override,
            **marking_fields(marking_of(use_case)),
        },
    )
    return record


def sync_practices(
    store: Store,
    uow: UnitOfWork,
    use_case: UseCaseRecord,
    classes: Sequence[str],
    rules: LoadedRules | None,
    now: datetime,
) -> list[PracticeRecord]:
    """Create the practices ``classes`` require; mark those no longer required as such (their
    history and evidence stay)."""
    wanted = {spec.code: spec for spec in required_practices(classes, rules)}
    existing = {p.code: p for p in store.governance.practices(use_case.id, uow)}
    owner = use_case.intake.get("risk_owner")
    changed: list[PracticeRecord] = []
    for code, spec in wanted.items():
        practice = existing.get(code)
        if practice is None:
            changed.append(
                store.practices.add(
                    uow,
                    action="practice.create",
                    now=now,
                    fields={
                        "use_case_id": use_case.id,
                        "code": code,
                        "title": spec.title,
                        "applies_to": ",".join(spec.applies_to),
                        "required": True,
                        "status": "not_started",
                        "owner": owner,
                        "reviewer": None,
                        "notes": "",
                        "signed_by": None,
                        "signed_at": None,
                        "updated_at": now,
                        "updated_by": uow.actor,
                        **marking_fields(marking_of(use_case)),
                    },
                )
            )
        elif not practice.required:
            changed.append(_set_required(store, uow, practice, True, now))
    for code, practice in existing.items():
        if code not in wanted and practice.required:
            changed.append(_set_required(store, uow, practice, False, now))
    return changed


def _set_required(
    store: Store, uow: UnitOfWork, practice: PracticeRecord, required: bool, now: datetime
) -> PracticeRecord:
    record: PracticeRecord = store.practices.change(
        uow,
        practice.id,
        action="practice.require" if required else "practice.unrequire",
        changes={"required": required, "updated_at": now, "updated_by": uow.actor},
    )
    return record


def classify_use_case(
    store: Store,
    ref: str,
    *,
    override: list[str] | None = None,
    justification: str | None = None,
    rules: LoadedRules | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> ClassificationRecord:
    """Classify a use case again (after a change of rules), or override the rules' classes.

    Overriding a presumption needs the chief AI officer role itself and a written
    justification; a prohibited use cannot be overridden. ``override=[]`` declares the use
    not high-impact. Without an override, a classification identical to the latest (same
    inputs, rules and classes) is returned rather than recorded twice.
    """
    use_case = store.governance.use_case(ref)
    marking = marking_of(use_case)
    at = moment(now)
    rules = rules or rules_in_force(store)
    result = classify(UseCaseIntake.model_validate(use_case.intake), rules)
    latest = _latest(store, use_case.id)
    if override is None:
        require(principal, Action.USECASE_CLASSIFY, marking)
        kept = _kept_override(latest, result)
        if latest is not None and _same(latest, result, kept):
            return latest
    else:
        _check_override_allowed(principal, marking)
        kept = _override(result, override, justification, actor_of(principal), at)
    with store.unit_of_work(actor_of(principal)) as uow:
        record = _record_classification(store, uow, use_case, result, kept, at)
        sync_practices(store, uow, use_case, record.classes, rules, at)
    return record


def _latest(store: Store, use_case_id: str) -> ClassificationRecord | None:
    found = store.governance.classifications(use_case_id)
    return found[0] if found else None


def _kept_override(
    latest: ClassificationRecord | None, result: ClassificationResult
) -> dict[str, Any] | None:
    """An override survives re-classification only while the inputs and rule classes it
    overrode are unchanged."""
    if latest is None or latest.override is None:
        return None
    if latest.inputs_digest != result.inputs_digest:
        return None
    if latest.rule_classes != list(result.classes):
        return None
    return latest.override


def _same(
    latest: ClassificationRecord, result: ClassificationResult, kept: dict[str, Any] | None
) -> bool:
    return (
        latest.inputs_digest == result.inputs_digest
        and latest.rules_digest == result.rules_digest
        and latest.rule_classes == list(result.classes)
        and latest.override == kept
    )


def _check_override_allowed(principal: Principal, marking: Marking) -> None:
    require_chief_ai_officer(
        principal, Action.USECASE_OVERRIDE_CLASSIFICATION, marking, "overriding a classification"
    )


def _override(
    result: ClassificationResult,
    classes: list[str],
    justification: str | None,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    unknown = [c for c in classes if c not in RISK_CLASSES]
    if unknown:
        raise GovernanceError(
            f"unknown class {', '.join(map(repr, unknown))}; allowed: {', '.join(RISK_CLASSES)} "
            "(none of them: not high-impact)"
        )
    if "prohibited" in result.classes and "prohibited" not in classes:
        fired = ", ".join(f.id for f in result.fired if f.risk_class == "prohibited")
        raise GovernanceError(
            f"the use is prohibited ({fired}); a prohibition cannot be overridden. Change the "
            "use itself (and its intake) instead"
        )
    text = " ".join((justification or "").split())
    if len(text.split()) < _MIN_JUSTIFICATION_WORDS:
        raise GovernanceError(
            f"an override needs a written justification of at least {_MIN_JUSTIFICATION_WORDS} "
            "words (--justification): why the presumption does not hold for this use"
        )
    final = [c for c in RISK_CLASSES if c in classes]
    return {
        "classes": final,
        "rule_classes": list(result.classes),
        "removed": [c for c in result.classes if c not in final],
        "added": [c for c in final if c not in result.classes],
        "justification": text,
        "by": actor,
        "at": now.isoformat(),
        "from_label": class_label(result.classes),
        "to_label": class_label(final),
    }


def rules_outdated(classification: ClassificationRecord, rules: LoadedRules | None = None) -> bool:
    """The classification was made under a different rules file than the one in force."""
    return classification.rules_digest != (rules or default_rules()).digest
