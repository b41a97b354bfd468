"""Reads of the supply chain's records: signatures of weights, critical technical artifacts and
their custody, and critical nodes. Writes go through the typed repositories on :class:`Store`
(``store.signatures``, ``store.artifacts``, ``store.custody``, ``store.critical_nodes``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, desc, select
from sqlalchemy.orm import Session

from clearance.store._governance import GovernanceNotFoundError, Visible
from clearance.store._ids import find_row
from clearance.store._records import (
    CriticalArtifactRecord,
    CriticalNodeRecord,
    CustodyEntryRecord,
    ModelRecord,
    ModelSignatureRecord,
)
from clearance.store._schema import (
    CriticalArtifactRow,
    CriticalNodeRow,
    CustodyEntryRow,
    ModelRow,
    ModelSignatureRow,
)


class SupplyChainStore:
    """The supply chain's tables, read."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def signatures(
        self, *, weights_sha256: str | None = None, model_id: str | None = None
    ) -> list[ModelSignatureRecord]:
        """Signatures made or checked (of one weights digest or model, when given), newest
        first."""
        stmt = select(ModelSignatureRow).order_by(
            desc(ModelSignatureRow.created_at), desc(ModelSignatureRow.id)
        )
        if weights_sha256 is not None:
            stmt = stmt.where(ModelSignatureRow.weights_sha256 == weights_sha256)
        if model_id is not None:
            stmt = stmt.where(ModelSignatureRow.model_id == model_id)
        with Session(self._engine) as s:
            return [ModelSignatureRecord.model_validate(r) for r in s.scalars(stmt)]

    def local_models(self) -> list[ModelRecord]:
        """Models loaded from local weights (gguf, hf), oldest first."""
        stmt = (
            select(ModelRow)
            .where(ModelRow.provider.in_(("gguf", "hf")))
            .order_by(ModelRow.created_at, ModelRow.id)
        )
        with Session(self._engine) as s:
            return [ModelRecord.model_validate(r) for r in s.scalars(stmt)]

    def signature(self, ref: str, visible: Visible | None = None) -> ModelSignatureRecord:
        """The signature record whose id is ``ref``, or starts with it."""
        row = self._find(ModelSignatureRow, ref, "signature record",
                         "clearance supply-chain report", visible, None)  # fmt: skip
        return ModelSignatureRecord.model_validate(row)

    def artifacts(self, weights_sha256: str | None = None) -> list[CriticalArtifactRecord]:
        """Critical technical artifacts (with one weights digest, when given), oldest first."""
        stmt = select(CriticalArtifactRow).order_by(
            CriticalArtifactRow.created_at, CriticalArtifactRow.id
        )
        if weights_sha256 is not None:
            stmt = stmt.where(CriticalArtifactRow.weights_sha256 == weights_sha256)
        with Session(self._engine) as s:
            return [CriticalArtifactRecord.model_validate(r) for r in s.scalars(stmt)]

    def artifact(self, ref: str, visible: Visible | None = None) -> CriticalArtifactRecord:
        """The artifact whose id is ``ref``, starts with it, or whose name it is."""
        row = self._find(CriticalArtifactRow, ref, "critical artifact", "clearance cta list",
                         visible, CriticalArtifactRow.name)  # fmt: skip
        return CriticalArtifactRecord.model_validate(row)

    def custody(self, artifact_id: str | None = None) -> list[CustodyEntryRecord]:
        """Custody entries (of one artifact, when given), in the order they happened."""
        stmt = select(CustodyEntryRow).order_by(
            CustodyEntryRow.occurred_at, CustodyEntryRow.created_at, CustodyEntryRow.id
        )
        if artifact_id is not None:
            stmt = stmt.where(CustodyEntryRow.artifact_id == artifact_id)
        with Session(self._engine) as s:
            return [CustodyEntryRecord.model_validate(r) for r in s.scalars(stmt)]

    def nodes(self) -> list[CriticalNodeRecord]:
        """Every critical node, by review date."""
        stmt = select(CriticalNodeRow).order_by(CriticalNodeRow.review_due, CriticalNodeRow.id)
        with Session(self._engine) as s:
            return [CriticalNodeRecord.model_validate(r) for r in s.scalars(stmt)]

    def node(self, ref: str, visible: Visible | None = None) -> CriticalNodeRecord:
        """The node whose id is ``ref``, starts with it, or whose name it is."""
        row = self._find(CriticalNodeRow, ref, "critical node", "clearance supply-chain node list",
                         visible, CriticalNodeRow.name)  # fmt: skip
        return CriticalNodeRecord.model_validate(row)

    def _find(
        self, row_type: Any, ref: str, noun: str, hint: str, visible: Visible | None, name: Any
    ) -> Any:
        with Session(self._engine) as s:
            return find_row(
                s, row_type, ref, noun=noun, hint=hint, error=GovernanceNotFoundError,
                name_column=name, visible=visible,
            )  # fmt: skip
