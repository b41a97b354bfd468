"""Post-deployment monitoring: monitors of deployed models re-tested on a schedule against the
use case's approved baseline with a sequential test, alarms that open an incident and send the
approval back to review, and ingest of production transcripts (sampled, redacted, scored)."""

from clearance.monitoring._alarms import WEBHOOK_TIMEOUT, deliver_webhook, raise_alarm
from clearance.monitoring._compare import DomainComparison
from clearance.monitoring._errors import MonitoringError
from clearance.monitoring._ingest import (
    IngestSummary,
    Rate,
    WindowSummary,
    ingest_transcripts,
    redact,
    summarise_windows,
)
from clearance.monitoring._looks import DueResult, MonitoringOutcome, run_due, run_monitor
from clearance.monitoring._monitors import (
    MonitorView,
    add_monitor,
    list_monitors,
    parse_every,
    show_monitor,
)
from clearance.monitoring._trends import TrendPoint, monitoring_runs_of, trend_points

__all__ = [
    "WEBHOOK_TIMEOUT",
    "DomainComparison",
    "DueResult",
    "IngestSummary",
    "MonitorView",
    "MonitoringError",
    "MonitoringOutcome",
    "Rate",
    "TrendPoint",
    "WindowSummary",
    "add_monitor",
    "deliver_webhook",
    "ingest_transcripts",
    "list_monitors",
    "monitoring_runs_of",
    "parse_every",
    "raise_alarm",
    "redact",
    "run_due",
    "run_monitor",
    "show_monitor",
    "summarise_windows",
    "trend_points",
]
