"""Evidence from other harnesses in, Clearance evidence out: Inspect and lm-eval importers and
exporters, and signed evidence bundles between stores."""

from clearance.interop._bundle import (
    SHARING_DAYS,
    CreatedBundle,
    ImportedBundle,
    SharingDue,
    VerifiedBundle,
    create_bundle,
    import_bundle,
    read_public_key,
    sharing_due,
    verify_bundle,
)
from clearance.interop._errors import BundleRejected, InteropError
from clearance.interop._export import export_run, inspect_log
from clearance.interop._imported import IMPORTER_VERSION, ImportedRun, MetricCheck
from clearance.interop._importing import (
    IMPORT_KEY,
    ImportResult,
    TaskMapping,
    import_runs,
    imported_run_id,
)
from clearance.interop._inspect import inspect_logs, inspect_run, read_inspect_log
from clearance.interop._lmeval import lmeval_runs

__all__ = [
    "IMPORTER_VERSION",
    "IMPORT_KEY",
    "SHARING_DAYS",
    "BundleRejected",
    "CreatedBundle",
    "ImportResult",
    "ImportedBundle",
    "ImportedRun",
    "InteropError",
    "MetricCheck",
    "SharingDue",
    "TaskMapping",
    "VerifiedBundle",
    "create_bundle",
    "export_run",
    "import_bundle",
    "import_runs",
    "imported_run_id",
    "inspect_log",
    "inspect_logs",
    "inspect_run",
    "lmeval_runs",
    "read_inspect_log",
    "read_public_key",
    "sharing_due",
    "verify_bundle",
]
