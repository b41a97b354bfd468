"""Assessments, findings and mitigations in the store, and the evidence reads they need."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from clearance.errors import ClearanceError
from clearance.store._ids import find_row, new_record_id
from clearance.store._records import (
    AssessmentRecord,
    FindingRecord,
    MitigationRecord,
    ModelRecord,
    RunRecord,
)
from clearance.store._schema import AssessmentRow, FindingRow, MitigationRow, ModelRow, RunRow
from clearance.store._uow import UnitOfWork


class AssessmentNotFoundError(ClearanceError, LookupError):
    """No assessment, finding or mitigation (or more than one) matches the id given."""


class FindingStore:
    """Assessments and their findings; reads of the models and runs they rest on."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- writes ------------------------------------------------------------------------------

    def create_assessment(
        self,
        uow: UnitOfWork,
        *,
        assessment: dict[str, Any],
        findings: Sequence[dict[str, Any]],
    ) -> tuple[AssessmentRecord, list[FindingRecord]]:
        """Store an assessment and its findings; one ledger entry each, in ``uow``."""
        now = datetime.now(UTC)
        common = {
            "created_at": now,
            "created_by": uow.actor,
            "marking_level": assessment.pop("marking_level", "UNCLASSIFIED"),
            "marking_compartments": assessment.pop("marking_compartments", []),
        }
        row = AssessmentRow(id=new_record_id("as"), **assessment, **common)
        uow.session.add(row)
        record = uow.record_row("assessment.create", row, AssessmentRecord)
        stored: list[FindingRecord] = []
        for index, fields in enumerate(findings, start=1):
            finding = FindingRow(
                id=f"{row.id}-{index:03d}",
                assessment_id=row.id,
                model_spec=row.model_spec,
                policy_digest=row.policy_digest,
                **fields,
                **common,
            )
            uow.session.add(finding)
            stored.append(uow.record_row("finding.create", finding, FindingRecord))
        return record, stored

    # -- reads -------------------------------------------------------------------------------

    def get_assessment(self, ref: str) -> AssessmentRecord:
        """The assessment whose id is ``ref``, or starts with it when that is unambiguous."""
        with Session(self._engine) as s:
            row = find_row(
                s,
                AssessmentRow,
                ref,
                noun="assessment",
                hint="clearance findings list",
                error=AssessmentNotFoundError,
            )
            return AssessmentRecord.model_validate(row)

    def assessments(self, model_spec: str | None = None) -> list[AssessmentRecord]:
        """Assessments, newest first (of one model spec, when given)."""
        with Session(self._engine) as s:
            stmt = select(AssessmentRow).order_by(
                AssessmentRow.created_at.desc(), AssessmentRow.id.desc()
            )
            if model_spec is not None:
                stmt = stmt.where(AssessmentRow.model_spec == model_spec)
            return [AssessmentRecord.model_validate(r) for r in s.scalars(stmt)]

    def findings(
        self, *, assessment_id: str | None = None, model_spec: str | None = None
    ) -> list[FindingRecord]:
        """Findings, newest assessment first and in assessment order within one."""
        with Session(self._engine) as s:
            stmt = select(FindingRow).order_by(FindingRow.created_at.desc(), FindingRow.id)
            if assessment_id is not None:
                stmt = stmt.where(FindingRow.assessment_id == assessment_id)
            if model_spec is not None:
                stmt = stmt.where(FindingRow.model_spec == model_spec)
            return [FindingRecord.model_validate(r) for r in s.scalars(stmt)]

    def models_matching(self, ref: str) -> list[ModelRecord]:
        """Models whose id is ``ref`` or whose spec is ``ref`` (several versions may share one)."""
        with Session(self._engine) as s:
            stmt = (
                select(ModelRow)
                .where(or_(ModelRow.id == ref, ModelRow.spec == ref))
                .order_by(ModelRow.created_at)
            )
            return [ModelRecord.model_validate(r) for r in s.scalars(stmt)]

    def model_specs(self) -> list[str]:
        """Every model spec in the store, for an error that lists them."""
        with Session(self._engine) as s:
            return sorted(set(s.scalars(select(ModelRow.spec))))

    def completed_runs(self, model_ids: Sequence[str]) -> list[RunRecord]:
        """Completed runs of these models, newest first."""
        with Session(self._engine) as s:
            stmt = (
                select(RunRow)
                .where(RunRow.model_id.in_(list(model_ids)), RunRow.status == "completed")
                .order_by(RunRow.created_at.desc(), RunRow.id.desc())
            )
            return [RunRecord.model_validate(r) for r in s.scalars(stmt)]


class MitigationStore:
    """Mitigations: a baseline run and a mitigated run, with the efficacy measured between them."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, uow: UnitOfWork, **fields: Any) -> MitigationRecord:
        """Store a mitigation; one ledger entry (``mitigation.create``) in ``uow``."""
        row = MitigationRow(
            id=new_record_id("mt"),
            created_at=datetime.now(UTC),
            created_by=uow.actor,
            marking_level=fields.pop("marking_level", "UNCLASSIFIED"),
            marking_compartments=fields.pop("marking_compartments", []),
            **fields,
        )
        uow.session.add(row)
        return uow.record_row("mitigation.create", row, MitigationRecord)

    def resolve(self, ref: str, visible: Callable[[Any], bool] | None = None) -> MitigationRecord:
        """The mitigation whose id is ``ref``, or starts with it when that is unambiguous (among
        the rows ``visible`` accepts, when given: the others are as if absent)."""
        with Session(self._engine) as s:
            row = find_row(
                s,
                MitigationRow,
                ref,
                noun="mitigation",
                hint="clearance mitigation list",
                error=AssessmentNotFoundError,
                visible=visible,
            )
            return MitigationRecord.model_validate(row)

    def newest(self, model_spec: str | None = None) -> list[MitigationRecord]:
        """Mitigations, newest first (applied to one model spec, when given)."""
        with Session(self._engine) as s:
            stmt = select(MitigationRow).order_by(
                MitigationRow.created_at.desc(), MitigationRow.id.desc()
            )
            if model_spec is not None:
                stmt = stmt.where(MitigationRow.model_spec == model_spec)
            return [MitigationRecord.model_validate(r) for r in s.scalars(stmt)]
