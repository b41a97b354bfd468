"""Shared builders for the knowledge formats: multiple-choice and numeric-answer tasks, and the
team's starter benchmarks in those formats (``format: "mc"`` and ``format: "numeric"`` in
``starter/README.md``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from clearance.datasets import Dataset, DatasetError, Sample, load_dataset
from clearance.models import GenerateConfig
from clearance.suites._catalogue import Benchmark, TaskBuilder, register
from clearance.tasks import MetricFn, Task, scorers, solvers
from clearance.vocabulary import Domain

STARTER_DIR = Path(__file__).parent / "starter"

MC_MAX_TOKENS = 16
"""A letter answer needs a few tokens; a short cap keeps slow local models quick."""
NUMERIC_MAX_TOKENS = 512
"""Room for brief working before the final 'ANSWER: N' line."""
COT_MAX_TOKENS = 1024
"""Room for step-by-step reasoning (GSM8K, BIG-Bench Hard)."""

NUMERIC_TEMPLATE = (
    "Solve the following problem. Show your working briefly, then give the final answer as a "
    "plain number on the last line in the form 'ANSWER: N'.\n\n{prompt}"
)

_MC_FIELDS = {
    "id": "id",
    "input": "question",
    "choices": "choices",
    "target": "answer",
    "metadata": ["domain", "author"],
}
_NUMERIC_FIELDS = {
    "id": "id",
    "input": "question",
    "target": "answer",
    "metadata": ["domain", "author"],
}


def mc_task(
    name: str,
    dataset: Dataset,
    *,
    shuffle: bool = False,
    max_tokens: int = MC_MAX_TOKENS,
    version: str = "1",
    extra_metrics: Sequence[MetricFn] = (),
) -> Task:
    """A multiple-choice task: lettered options (shuffled under the run's seed when
    ``shuffle``), the reply's letter scored against the target letter."""
    config = GenerateConfig(temperature=0.0, max_tokens=max_tokens)
    return Task(
        name=name,
        dataset=dataset,
        solver=(solvers.get("multiple_choice")(shuffle=shuffle),),
        scorers=(scorers.get("choice")(),),
        definition=_definition(name, version),
        ref={"name": name, "args": {}},
        config=config,
        extra_metrics=tuple(extra_metrics),
    )


def numeric_task(
    name: str,
    dataset: Dataset,
    *,
    template: str = NUMERIC_TEMPLATE,
    max_tokens: int = NUMERIC_MAX_TOKENS,
    version: str = "1",
) -> Task:
    """A numeric-answer task: the prompt asks for 'ANSWER: N'; the number is compared exactly
    (18 and 18.00 are equal)."""
    config = GenerateConfig(temperature=0.0, max_tokens=max_tokens)
    return Task(
        name=name,
        dataset=dataset,
        solver=(solvers.get("prompt_template")(template), solvers.get("generate")()),
        scorers=(scorers.get("numeric")(),),
        definition=_definition(name, version),
        ref={"name": name, "args": {}},
        config=config,
    )


def _definition(name: str, version: str) -> dict[str, Any]:
    # The solver, scorer and settings are recorded by the registries and the task itself.
    return {"kind": "benchmark", "benchmark": name, "version": version}


def dataset_from(name: str, samples: Iterable[Sample], *, path: str = "", fmt: str = "") -> Dataset:
    """Samples built in code (converted from an upstream format) as a dataset named ``name``;
    ``path`` and ``fmt`` record the file they came from."""
    return Dataset.from_samples(name, samples, path=path, format=fmt or "memory")


def check_limit(limit: int | None, where: str) -> None:
    """A limit is a positive integer or None."""
    if limit is not None and (isinstance(limit, bool) or limit < 1):
        raise DatasetError(
            f"{where}: limit must be a positive integer, got {limit!r}; leave it unset to load "
            "every record",
            path=where,
        )


# --- the team's starter items ----------------------------------------------------------------


def starter_mc(domain: Domain, title: str, description: str) -> Benchmark:
    """Register ``starter-DOMAIN`` for a multiple-choice starter file (no shuffling: the team
    rotated the correct position by hand)."""
    name = f"starter-{domain}"

    def build(data: Path, limit: int | None) -> Task:
        loaded = load_dataset(data, _MC_FIELDS, name=name, limit=limit)
        return mc_task(name, loaded)

    return _register_starter(domain, title, description, build, "mc")


def starter_numeric(domain: Domain, title: str, description: str) -> Benchmark:
    """Register ``starter-DOMAIN`` for a numeric-answer starter file."""
    name = f"starter-{domain}"

    def build(data: Path, limit: int | None) -> Task:
        loaded = load_dataset(data, _NUMERIC_FIELDS, name=name, limit=limit)
        return numeric_task(name, loaded)

    return _register_starter(domain, title, description, build, "numeric")


def _register_starter(
    domain: Domain, title: str, description: str, build: TaskBuilder, fmt: str
) -> Benchmark:
    return register(
        Benchmark(
            name=f"starter-{domain}",
            domain=domain,
            title=title,
            description=description,
            build=build,
            packaged=STARTER_DIR / f"{domain}.jsonl",
            tags=("starter", fmt),
        )
    )
