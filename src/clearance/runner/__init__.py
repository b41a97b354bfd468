"""The evaluation engine: concurrency, rate limits, retries, cache, journal and resume."""

from clearance.runner._engine import Interrupted, Progress, RunError, resume_run, run_task
from clearance.runner._journal import Journal
from clearance.runner._lease import observed_status
from clearance.runner._limit import AdaptiveLimit
from clearance.runner._options import RunOptions, RunSummary

__all__ = [
    "AdaptiveLimit",
    "Interrupted",
    "Journal",
    "Progress",
    "RunError",
    "RunOptions",
    "RunSummary",
    "observed_status",
    "resume_run",
    "run_task",
]
