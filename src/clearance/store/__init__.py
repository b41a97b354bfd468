"""The store: SQLAlchemy tables, migrations, and the unit of work that ledgers every write."""

from clearance.store._assess import (
    AssessmentNotFoundError,
    AssessmentRecord,
    FindingRecord,
    FindingStore,
    MitigationRecord,
    MitigationStore,
    ModelRecord,
)
from clearance.store._engine import StoreError, clearance_home, create_store_engine, database_url
from clearance.store._governance import (
    ClassificationRecord,
    DecisionRecord,
    DocumentRecord,
    EvidenceLinkRecord,
    GovernanceNotFoundError,
    GovernanceStore,
    IncidentRecord,
    PracticeRecord,
    UseCaseRecord,
    WaiverRecord,
    WaiverReportRecord,
)
from clearance.store._ids import new_record_id
from clearance.store._ledger import RECORD_TABLES, LedgerReader, MalformedEntryError
from clearance.store._principals import (
    ApiTokenRecord,
    AuthenticationError,
    PrincipalExistsError,
    PrincipalNotFoundError,
    PrincipalRecord,
    PrincipalStore,
    actor_of,
)
from clearance.store._records import RunRecord, SampleRecord
from clearance.store._runs import (
    RunNotFoundError,
    RunStore,
    SampleNotFoundError,
    SampleQuery,
    model_id_for,
)
from clearance.store._store import Store, local_actor
from clearance.store._uow import UnitOfWork

__all__ = [
    "RECORD_TABLES",
    "ApiTokenRecord",
    "AssessmentNotFoundError",
    "AssessmentRecord",
    "AuthenticationError",
    "ClassificationRecord",
    "DecisionRecord",
    "DocumentRecord",
    "EvidenceLinkRecord",
    "FindingRecord",
    "FindingStore",
    "GovernanceNotFoundError",
    "GovernanceStore",
    "IncidentRecord",
    "LedgerReader",
    "MalformedEntryError",
    "MitigationRecord",
    "MitigationStore",
    "ModelRecord",
    "PracticeRecord",
    "PrincipalExistsError",
    "PrincipalNotFoundError",
    "PrincipalRecord",
    "PrincipalStore",
    "RunNotFoundError",
    "RunRecord",
    "RunStore",
    "SampleNotFoundError",
    "SampleQuery",
    "SampleRecord",
    "Store",
    "StoreError",
    "UnitOfWork",
    "UseCaseRecord",
    "WaiverRecord",
    "WaiverReportRecord",
    "actor_of",
    "clearance_home",
    "create_store_engine",
    "database_url",
    "local_actor",
    "model_id_for",
    "new_record_id",
]
