"""Finding a task: a YAML task file, or a name registered with ``@task``."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from clearance.datasets import DatasetError, load_dataset
from clearance.errors import ClearanceError
from clearance.models import GenerateConfig
from clearance.registry import UnknownNameError
from clearance.tasks._elicitation import elicit, split_elicitation
from clearance.tasks._metrics import METRICS, REDUCERS, is_rate
from clearance.tasks._registry import Registry, TaskArgumentError
from clearance.tasks._scorers import Scorer, scorers
from clearance.tasks._solvers import Solver, solvers
from clearance.tasks._task import Task
from clearance.vocabulary import DOMAINS
from clearance.yamldoc import YamlDocument, YamlSyntaxError, oversized

TaskFactory = Callable[..., Task]
tasks: Registry[TaskFactory] = Registry("task")


def task(name: str) -> Callable[[TaskFactory], TaskFactory]:
    """Register a task factory under ``name`` so ``clearance eval run NAME`` finds it."""
    return tasks.register(name)


class TaskFileError(ClearanceError, ValueError):
    """A task file that cannot be used; the message names the file, line and field."""

    def __init__(self, path: Path, line: int | None, field: str | None, message: str) -> None:
        where = f"{path}" + (f" line {line}" if line else "")
        what = f"field '{field}': " if field else ""
        super().__init__(f"{where}: {what}{message}")
        self.path, self.line, self.field = path, line, field


Step = str | dict[str, Any]


class _DatasetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    fields: dict[str, Any] | None = None
    split: str | None = None
    limit: int | None = Field(default=None, ge=1)


class _TaskFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str | None = None
    version: str = "1"
    domain: str | None = None
    """The test domain the task measures (science, ..., safety), so assessments can use it."""
    dataset: _DatasetSpec
    solver: Step | list[Step] = "generate"
    scorer: Step | list[Step]
    metrics: list[str] | None = None
    config: GenerateConfig = Field(default_factory=GenerateConfig)
    epochs: int = Field(default=1, ge=1)
    epoch_reducer: str = "mean"

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, v: list[str] | None) -> list[str] | None:
        for m in v or []:
            if m not in METRICS and not is_rate(m):
                raise ValueError(f"unknown metric {m!r}; choose from: {', '.join(METRICS)}")
        return v

    @field_validator("domain")
    @classmethod
    def _known_domain(cls, v: str | None) -> str | None:
        if v is not None and v not in DOMAINS:
            raise ValueError(f"unknown domain {v!r}; choose from: {', '.join(DOMAINS)}")
        return v

    @field_validator("epoch_reducer")
    @classmethod
    def _known_reducer(cls, v: str) -> str:
        if v not in REDUCERS:
            raise ValueError(f"unknown epoch reducer {v!r}; choose from: {', '.join(REDUCERS)}")
        return v


def _parse_yaml(path: Path) -> YamlDocument:
    too_large = oversized(path)
    if too_large is not None:
        raise TaskFileError(path, None, None, too_large)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaskFileError(path, None, None, f"cannot read the file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        line = path.read_bytes().count(b"\n", 0, exc.start) + 1
        raise TaskFileError(
            path,
            line,
            None,
            f"not UTF-8 text (byte {exc.object[exc.start]:#04x}); save it as UTF-8",
        ) from exc
    try:
        doc = YamlDocument.parse(text)
    except YamlSyntaxError as exc:
        raise TaskFileError(path, exc.line, None, str(exc)) from exc
    if not isinstance(doc.data, dict):
        raise TaskFileError(path, 1, None, "a task file must be a mapping with name, dataset, ...")
    return doc


def _steps(spec: Step | list[Step]) -> list[tuple[str, dict[str, Any]]]:
    """``name``, ``{name: {args}}`` or ``{name: NAME, arg: ...}`` -> (name, args) pairs."""
    out: list[tuple[str, dict[str, Any]]] = []
    for item in spec if isinstance(spec, list) else [spec]:
        if isinstance(item, str):
            out.append((item, {}))
        elif "name" in item:
            args = dict(item)
            out.append((str(args.pop("name")), args))
        elif len(item) == 1:
            ((name, args),) = item.items()
            out.append((str(name), dict(args or {})))
        else:
            raise ValueError(f"cannot read step {item!r}: use NAME or {{NAME: {{arg: value}}}}")
    return out


def _build(registry: Registry[Any], spec: Step | list[Step]) -> list[Any]:
    built = []
    for name, args in _steps(spec):
        factory = registry.get(name)
        try:
            built.append(factory(**args))
        except TypeError as exc:
            params = ", ".join(inspect.signature(factory).parameters) or "none"
            raise ValueError(f"{registry.kind} {name!r}: {exc}; its arguments: {params}") from exc
    return built


def load_task_file(
    path: str | Path, *, data: str | Path | None = None, limit: int | None = None
) -> Task:
    """Load a YAML task file. ``data`` overrides the dataset path; ``limit`` the sample count."""
    path = Path(path).resolve()
    doc = _parse_yaml(path)
    try:
        spec = _TaskFile.model_validate(doc.data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc) or None
        message = err["msg"].removeprefix("Value error, ")
        raise TaskFileError(path, doc.line_of(loc), field, message) from exc
    try:
        solver: list[Solver] = _build(solvers, spec.solver)
    except (UnknownNameError, ValueError) as exc:
        raise TaskFileError(path, doc.line_of(("solver",)), "solver", str(exc)) from exc
    try:
        scorer_list: list[Scorer] = _build(scorers, spec.scorer)
    except (UnknownNameError, ValueError) as exc:
        raise TaskFileError(path, doc.line_of(("scorer",)), "scorer", str(exc)) from exc
    data_path = Path(data) if data else (path.parent / spec.dataset.path)
    try:
        dataset = load_dataset(
            data_path,
            spec.dataset.fields,
            name=spec.name,
            split=spec.dataset.split,
            limit=limit or spec.dataset.limit,
        )
    except DatasetError:
        raise
    except (ValueError, TypeError) as exc:
        raise TaskFileError(path, doc.line_of(("dataset",)), "dataset", str(exc)) from exc
    # The solver, scorers and settings enter the digest as built (Task.described), not as the
    # file spelled them; the data path is the dataset's, which has its own digest.
    components = {"solver", "scorer", "metrics", "config", "epochs", "epoch_reducer"}
    definition = spec.model_dump(
        mode="json", exclude={"dataset": {"path"}, **dict.fromkeys(components, True)}
    )
    return Task(
        name=spec.name,
        dataset=dataset,
        solver=tuple(solver),
        scorers=tuple(scorer_list),
        definition={"kind": "file", **definition},
        domain=spec.domain,
        ref={"file": str(path), "data": str(data) if data else None},
        config=spec.config,
        epochs=spec.epochs,
        epoch_reducer=spec.epoch_reducer,
        metrics=tuple(spec.metrics) if spec.metrics else None,
    )


def load_task(
    ref: str,
    *,
    data: str | Path | None = None,
    limit: int | None = None,
    args: Mapping[str, Any] | None = None,
) -> Task:
    """A task file path (``.yaml``/``.yml``) or a registered task name."""
    path = Path(ref)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        if args:
            raise TaskArgumentError("task arguments (-T) apply to registered tasks, not task files")
        if not path.exists():
            raise TaskFileError(path, None, None, "no such task file")
        return load_task_file(path, data=data, limit=limit)
    try:
        factory = tasks.get(ref)
    except UnknownNameError as exc:
        raise UnknownNameError(f"{exc}. A task file path must end in .yaml or .yml") from None
    own, overrides = split_elicitation(args or {})
    kwargs: dict[str, Any] = dict(own)
    if data is not None:
        kwargs["data"] = str(data)
    if limit is not None:
        kwargs["limit"] = limit
    # overrides apply after the task is built, so every registered task takes them alike
    return elicit(factory(**kwargs), overrides)
