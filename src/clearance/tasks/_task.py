"""A Task: dataset + solver + scorers + metrics, with a digest of its definition."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from clearance.datasets import Dataset
from clearance.models import GenerateConfig
from clearance.tasks._metrics import MetricFn, check_reducer
from clearance.tasks._registry import spec_of
from clearance.tasks._scorers import Scorer
from clearance.tasks._solvers import Solver, generate_solver


@dataclass(frozen=True)
class Task:
    """Everything needed to evaluate a model on one benchmark."""

    name: str
    dataset: Dataset
    solver: tuple[Solver, ...]
    scorers: tuple[Scorer, ...]
    definition: dict[str, Any]
    """What the task is beyond its components (kind, benchmark, version, headline metric…):
    the digest covers it with the components' own recorded specs, which it must not restate."""
    ref: dict[str, Any]
    """How to load this task again (``{"file": PATH}`` or ``{"name": NAME, "args": {...}}``)."""
    config: GenerateConfig = field(default_factory=GenerateConfig)
    domain: str | None = None
    """The test domain it measures (a catalogue benchmark's tag, a task file's ``domain``);
    a run records it, so re-tagging later does not move old runs."""
    epochs: int = 1
    epoch_reducer: str = "mean"
    metrics: tuple[str, ...] | None = None
    """Metrics for every scorer; None keeps each scorer's defaults."""
    extra_metrics: tuple[MetricFn, ...] = ()
    """Task-specific metrics over all scored samples (bias scores, per-type rates)."""

    def __post_init__(self) -> None:
        if not self.scorers:
            raise ValueError(f"task {self.name!r} has no scorer")
        if self.epochs < 1:
            raise ValueError(f"task {self.name!r}: epochs must be at least 1, got {self.epochs}")
        check_reducer(self.epoch_reducer)
        if not any(s.generates for s in self.solver):
            object.__setattr__(self, "solver", (*self.solver, generate_solver()))

    def described(self) -> dict[str, Any]:
        """The task as its digest covers it: the definition, then every component as its
        registry recorded it (name, bound arguments, rules' versions), then the settings."""
        return {
            "definition": self.definition,
            "solver": [spec_of(s).model_dump(mode="json") for s in self.solver],
            "scorers": [spec_of(s).model_dump(mode="json") for s in self.scorers],
            "metrics": list(self.metrics) if self.metrics is not None else None,
            "extra_metrics": [spec_of(m).model_dump(mode="json") for m in self.extra_metrics],
            "config": self.config.model_dump(mode="json"),
            "epochs": self.epochs,
            "epoch_reducer": self.epoch_reducer,
        }

    @property
    def digest(self) -> str:
        """SHA-256 of :meth:`described` (not the data, which has its own digest)."""
        text = json.dumps(self.described(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def scorer_specs(self) -> list[dict[str, Any]]:
        """Each scorer's recorded spec with its digest: what a run's provenance keeps."""
        return [
            {**spec_of(s).model_dump(mode="json"), "digest": spec_of(s).digest}
            for s in self.scorers
        ]

    def scorer_metrics(self) -> list[tuple[str, tuple[str, ...]]]:
        return [(s.name, self.metrics or s.metrics) for s in self.scorers]
