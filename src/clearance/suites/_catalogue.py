"""The benchmark catalogue: what each benchmark measures, where its data comes from, and the
suites that group them by the memorandum's test domains."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from clearance.errors import ClearanceError
from clearance.registry import DuplicateNameError, Registry
from clearance.settings import settings
from clearance.tasks import Task, TaskArgumentError
from clearance.vocabulary import AREAS, DOMAINS, Domain, domains_in

SUITES: dict[str, tuple[Domain, ...]] = {
    **{area: domains_in(area) for area in AREAS},
    "nsm": tuple(DOMAINS),
}


class NoDataError(ClearanceError, FileNotFoundError):
    """A benchmark whose data is neither given nor fetched."""


@dataclass(frozen=True)
class Source:
    """Where a benchmark's canonical data lives, and what it must hash to."""

    url: str
    sha256: str
    filename: str
    license: str
    homepage: str = ""


TaskBuilder = Callable[..., Task]
"""``build(data_path, limit, **task_args)``: the benchmark's task from local data, an optional
sample limit, and any task arguments the benchmark takes (``-T KEY=VALUE`` on the CLI)."""


@dataclass(frozen=True)
class Benchmark:
    """One catalogue entry. ``build`` turns local data into a task; starter benchmarks carry
    their data in the package and need no ``source``."""

    name: str
    domain: Domain
    title: str
    description: str
    build: TaskBuilder
    source: Source | None = None
    packaged: Path | None = None
    """Data shipped inside Clearance (the team's starter items)."""
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_starter(self) -> bool:
        return self.packaged is not None

    def cached_path(self) -> Path | None:
        """Where ``clearance data fetch`` puts the data (None for packaged data)."""
        if self.source is None:
            return None
        return data_cache() / self.name / self.source.filename

    def data_path(self, data: str | Path | None = None) -> Path:
        """The data to use: ``data`` if given, else packaged, else fetched; or a clear error."""
        if data is not None:
            path = Path(data).expanduser()
            if not path.exists():
                raise NoDataError(f"{self.name}: no such data path {path}")
            return path
        if self.packaged is not None:
            return self.packaged
        cached = self.cached_path()
        if cached is not None and cached.exists():
            return cached
        if self.source is None:
            raise NoDataError(
                f"{self.name} has no data here: pass --data PATH (the upstream data is described "
                f"in `clearance data list`)"
            )
        raise NoDataError(
            f"{self.name} has no data here: run `clearance data fetch {self.name}` "
            f"or pass --data PATH"
        )

    def has_data(self) -> bool:
        try:
            self.data_path()
        except NoDataError:
            return False
        return True

    def task(
        self, data: str | Path | None = None, limit: int | None = None, **args: object
    ) -> Task:
        self.check_args(args)
        # The task carries the benchmark's domain, so a run records it as it was tagged then.
        return replace(self.build(self.data_path(data), limit, **args), domain=self.domain)

    def arg_names(self) -> list[str]:
        """The task arguments this benchmark takes beyond data and limit."""
        params = list(inspect.signature(self.build).parameters.values())[2:]
        return [p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]

    def check_args(self, args: Mapping[str, object]) -> None:
        unknown = sorted(set(args) - set(self.arg_names()))
        if unknown:
            takes = ", ".join(self.arg_names()) or "none"
            raise TaskArgumentError(
                f"{self.name} takes no task argument {', '.join(map(repr, unknown))}; "
                f"its arguments: {takes}"
            )


def data_cache() -> Path:
    """``$CLEARANCE_HOME/data``: fetched benchmark files, one folder per benchmark."""
    return settings().data


_CATALOGUE: Registry[Benchmark] = Registry("benchmark")


def register(benchmark: Benchmark) -> Benchmark:
    """Add a benchmark to the catalogue and make it runnable as a task by its name."""
    from clearance.tasks import task

    # Stricter than the registry's own check: even an equal entry may not take a name twice.
    if _CATALOGUE.find(benchmark.name) is not None:
        raise DuplicateNameError(f"benchmark {benchmark.name!r} is registered twice")
    if benchmark.domain not in DOMAINS:
        raise ValueError(f"benchmark {benchmark.name!r}: unknown domain {benchmark.domain!r}")
    _CATALOGUE.register(benchmark.name)(benchmark)

    def factory(data: str | None = None, limit: int | None = None, **args: object) -> Task:
        built = benchmark.task(data, limit, **args)
        ref: dict[str, object] = {**built.ref, "name": benchmark.name, "args": args, "data": data}
        ref.pop("file", None)
        return replace(built, ref=ref)

    factory.__name__ = benchmark.name.replace("-", "_")
    task(benchmark.name)(factory)
    return benchmark


def benchmarks(domain: Domain | None = None) -> list[Benchmark]:
    """The catalogue (optionally one domain's), starter benchmarks last within a domain."""
    found = [b for b in _CATALOGUE.entries() if domain is None or b.domain == domain]
    order = list(DOMAINS)
    return sorted(found, key=lambda b: (order.index(b.domain), b.is_starter, b.name))


def catalogue_identity(task_ref: Mapping[str, object]) -> str | None:
    """The catalogue benchmark a task was loaded as, from the ``ref`` its runs record: the name
    when it was loaded by name from the catalogue; None for a task file or any other task,
    whatever it is called (a file named like a benchmark is not that benchmark)."""
    if "file" in task_ref:
        return None
    name = task_ref.get("name")
    return name if isinstance(name, str) and _CATALOGUE.find(name) is not None else None


def get_benchmark(name: str) -> Benchmark:
    found = _CATALOGUE.find(name)
    if found is None:
        known = ", ".join(_CATALOGUE.names())
        raise LookupError(f"no benchmark {name!r}; the catalogue has: {known}")
    return found


def suite_plan(suite: str) -> list[Benchmark]:
    """What ``clearance suite run SUITE`` runs: in each domain, every benchmark whose data is
    here; a domain with none falls back to its starter items (``starter-DOMAIN``), so every
    domain gets a score."""
    try:
        domains = SUITES[suite]
    except KeyError:
        raise LookupError(f"no suite {suite!r}; suites: {', '.join(SUITES)}") from None
    plan: list[Benchmark] = []
    for domain in domains:
        in_domain = benchmarks(domain)
        full = [b for b in in_domain if not b.is_starter and b.has_data()]
        plan.extend(full or [b for b in in_domain if b.name == f"starter-{domain}"])
    return plan
