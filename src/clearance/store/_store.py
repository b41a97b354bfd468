"""The store: one engine, its repositories, and units of work."""

from __future__ import annotations

from sqlalchemy import Engine

from clearance.access import local_actor
from clearance.store._approvals import ReportApprovalStore
from clearance.store._assess import FindingStore, MitigationStore
from clearance.store._engine import create_store_engine
from clearance.store._governance import GovernanceStore
from clearance.store._monitoring import MonitoringStore
from clearance.store._principals import PrincipalStore
from clearance.store._records import (
    AlertRecord,
    ClassificationRecord,
    CriticalArtifactRecord,
    CriticalNodeRecord,
    CustodyEntryRecord,
    DecisionRecord,
    DocumentRecord,
    EvidenceLinkRecord,
    IncidentRecord,
    ModelSignatureRecord,
    MonitoringRunRecord,
    MonitorRecord,
    PracticeRecord,
    RedTeamAttemptRecord,
    RedTeamCampaignRecord,
    RedTeamSessionRecord,
    RedTeamTurnRecord,
    TranscriptRecord,
    UseCaseRecord,
    WaiverRecord,
    WaiverReportRecord,
)
from clearance.store._redteam import RedTeamStore
from clearance.store._repositories import Repository
from clearance.store._runs import RunStore
from clearance.store._schema import (
    AlertRow,
    ClassificationRow,
    CriticalArtifactRow,
    CriticalNodeRow,
    CustodyEntryRow,
    DecisionRow,
    DocumentRow,
    EvidenceLinkRow,
    IncidentRow,
    ModelSignatureRow,
    MonitoringRunRow,
    MonitorRow,
    PracticeRow,
    RedTeamAttemptRow,
    RedTeamCampaignRow,
    RedTeamSessionRow,
    RedTeamTurnRow,
    TranscriptRow,
    UseCaseRow,
    WaiverReportRow,
    WaiverRow,
)
from clearance.store._supplychain import SupplyChainStore
from clearance.store._uow import UnitOfWork


class Store:
    """Everything Clearance keeps, behind one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.runs = RunStore(engine)
        self.findings = FindingStore(engine)
        self.mitigations = MitigationStore(engine)
        self.principals = PrincipalStore(engine)
        self.governance = GovernanceStore(engine)
        # One typed repository per governance record type: services write through these.
        self.use_cases = Repository(self.governance, UseCaseRow, UseCaseRecord)
        self.classifications = Repository(self.governance, ClassificationRow, ClassificationRecord)
        self.practices = Repository(self.governance, PracticeRow, PracticeRecord)
        self.documents = Repository(self.governance, DocumentRow, DocumentRecord)
        self.evidence_links = Repository(self.governance, EvidenceLinkRow, EvidenceLinkRecord)
        self.decisions = Repository(self.governance, DecisionRow, DecisionRecord)
        self.waivers = Repository(self.governance, WaiverRow, WaiverRecord)
        self.waiver_reports = Repository(self.governance, WaiverReportRow, WaiverReportRecord)
        self.incidents = Repository(self.governance, IncidentRow, IncidentRecord)
        self.approvals = ReportApprovalStore(engine)
        self.redteam = RedTeamStore(engine)
        self.redteam_campaigns = Repository(
            self.governance, RedTeamCampaignRow, RedTeamCampaignRecord
        )
        self.redteam_sessions = Repository(self.governance, RedTeamSessionRow, RedTeamSessionRecord)
        self.redteam_turns = Repository(self.governance, RedTeamTurnRow, RedTeamTurnRecord)
        self.redteam_attempts = Repository(self.governance, RedTeamAttemptRow, RedTeamAttemptRecord)

        self.monitoring = MonitoringStore(engine)
        self.monitors = Repository(self.governance, MonitorRow, MonitorRecord)
        self.monitoring_runs = Repository(self.governance, MonitoringRunRow, MonitoringRunRecord)
        self.alerts = Repository(self.governance, AlertRow, AlertRecord)
        self.transcripts = Repository(self.governance, TranscriptRow, TranscriptRecord)
        # The supply chain: reads on one store, writes through one repository per type.
        self.supply_chain = SupplyChainStore(engine)
        self.signatures = Repository(self.governance, ModelSignatureRow, ModelSignatureRecord)
        self.artifacts = Repository(self.governance, CriticalArtifactRow, CriticalArtifactRecord)
        self.custody = Repository(self.governance, CustodyEntryRow, CustodyEntryRecord)
        self.critical_nodes = Repository(self.governance, CriticalNodeRow, CriticalNodeRecord)

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Open and migrate the store (default ``$CLEARANCE_DATABASE_URL``, else SQLite)."""
        return cls(create_store_engine(url))

    def unit_of_work(self, actor: str | None = None) -> UnitOfWork:
        return UnitOfWork(self.engine, actor or local_actor())

    def close(self) -> None:
        self.engine.dispose()
