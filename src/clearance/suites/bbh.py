"""BIG-Bench Hard (BBH): 27 reasoning tasks from BIG-Bench on which language models once trailed
the average human rater: boolean logic, date and temporal reasoning, deduction, object tracking,
arithmetic, word sorting, bracket matching and more.

Upstream: https://github.com/suzgunmirac/BIG-Bench-Hard, MIT licence. The repository's ``bbh/``
folder holds one JSON file per task, ``{"canary": ..., "examples": [{"input", "target"}]}``.
A sample's id is ``TASKNAME-INDEX`` (the task file's name without ``.json``, then the example's
0-based index in ``examples``); its metadata keeps ``bbh_task``; samples cluster by task (when
more than one task is loaded), and the run reports accuracy per task (``bbh_task=NAME/accuracy``).

Data: there is no single upstream file to fetch and pin by SHA-256 (GitHub's archives of the
repository are generated on request and are not byte-stable), so the benchmark has no
``Source``. Pass ``--data DIR`` with a folder of task files (a clone's ``bbh/`` folder, or the
raw files from https://raw.githubusercontent.com/suzgunmirac/BIG-Bench-Hard/main/bbh/NAME.json)
or ``--data FILE`` for one task. ``--limit N`` keeps the first N examples in task-file order.

Scoring (zero-shot chain of thought; the reply ends with ``ANSWER: ...``), chosen per example
from its target and task:

- targets like ``(A)`` (17 tasks): the options listed after ``Options:`` in the input become the
  sample's choices and the option letter the model gives is compared with the target letter;
- integer targets (``multistep_arithmetic_two``, ``object_counting``): the number is compared;
- ``dyck_languages``: the closing brackets are compared, ignoring spaces;
- ``word_sorting``: the sequence of words is compared, ignoring case, spaces and commas;
- everything else (True/False, Yes/No, valid/invalid, and three upstream items whose target is
  an option's text rather than its letter): the stated answer equals the target after
  normalisation (case, surrounding punctuation, articles).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from clearance.datasets import DatasetError, Sample
from clearance.models import GenerateConfig
from clearance.suites._catalogue import Benchmark, register
from clearance.suites._knowledge_formats import COT_MAX_TOKENS, check_limit, dataset_from
from clearance.tasks import (
    Score,
    Scorer,
    Task,
    TaskState,
    accuracy_by,
    extract_choice,
    extract_number,
    index_for,
    normalize_text,
    numbers_equal,
    scorer,
    solvers,
)

AnswerKind = Literal["choice", "number", "sequence", "words", "text"]

TASK_ANSWER_KINDS: dict[str, AnswerKind] = {
    "dyck_languages": "sequence",
    "word_sorting": "words",
}
"""Tasks whose free-form answers need their own comparison."""

_LETTER_TARGET = re.compile(r"\(([A-Z])\)")
_INTEGER_TARGET = re.compile(r"-?\d+")
_OPTION_LINE = re.compile(r"^\(([A-Z])\)\s?(.*)$")
_STATED = re.compile(r"\banswer\s*(?:is|:)\s*[:*_\s]*(?P<answer>[^\n]*)", re.IGNORECASE)
_BRACKETS = re.compile(r"[^()\[\]{}<>]")
_WORD_SEPARATORS = re.compile(r"[\s,]+")


def answer_kind(task: str, target: str) -> AnswerKind:
    """How an example's answer is compared, from its task and target."""
    if task in TASK_ANSWER_KINDS:
        return TASK_ANSWER_KINDS[task]
    if _LETTER_TARGET.fullmatch(target):
        return "choice"
    if _INTEGER_TARGET.fullmatch(target):
        return "number"
    return "text"


def options_of(text: str) -> tuple[str, ...] | None:
    """The option texts listed as ``(A) ...`` lines after ``Options:``, in letter order."""
    _, marker, tail = text.rpartition("Options:")
    if not marker:
        return None
    options: list[str] = []
    for line in tail.strip().splitlines():
        match = _OPTION_LINE.match(line.strip())
        if match is None or index_for(match[1]) != len(options):
            break
        options.append(match[2].strip())
    return tuple(options) if len(options) >= 2 else None


# --- loading ---------------------------------------------------------------------------------


def task_files(data: Path) -> list[Path]:
    """The task files at ``data``: the file itself, or a folder's ``*.json`` files by name."""
    if data.is_file():
        return [data]
    files = sorted(p for p in data.glob("*.json") if p.is_file())
    if not files:
        raise DatasetError(
            f"{data}: no BIG-Bench Hard task files (*.json) in this folder. Pass the folder that "
            "holds boolean_expressions.json, date_understanding.json, ... (upstream's bbh/).",
            path=str(data),
        )
    return files


def load_bbh(data: Path, limit: int | None = None) -> list[Sample]:
    """Samples from a folder of BBH task files or one task file (first ``limit`` overall)."""
    check_limit(limit, str(data))
    samples: list[Sample] = []
    for path in task_files(data):
        for sample in _task_samples(path):
            samples.append(sample)
            if len(samples) == limit:
                break
        if len(samples) == limit:
            break
    if len({s.cluster for s in samples}) == 1:
        # One cluster leaves a clustered standard error undefined; the items are then treated
        # as independent, as any single-task benchmark's are.
        samples = [s.model_copy(update={"cluster": None}) for s in samples]
    return samples


def _task_samples(path: Path) -> Iterator[Sample]:
    task = path.stem
    for index, example in enumerate(_examples(path)):
        where = f"{path} examples[{index}]"
        text, target = _example_fields(example, where, str(path))
        kind = answer_kind(task, target)
        choices = None
        if kind == "choice":
            choices, target = _choice_target(text, target)
        yield Sample(
            id=f"{task}-{index}",
            input=text,
            target=target,
            choices=choices,
            cluster=task,
            metadata={"bbh_task": task, "answer_kind": kind},
        )


def _examples(path: Path) -> list[Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read the file ({exc})", path=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"{path} line {exc.lineno}: not valid JSON ({exc.msg}). A BBH task file is one JSON "
            'object {"canary": ..., "examples": [{"input": ..., "target": ...}]}.',
            path=str(path),
            line=exc.lineno,
        ) from exc
    examples = document.get("examples") if isinstance(document, dict) else None
    if not isinstance(examples, list) or not examples:
        raise DatasetError(
            f'{path}: expected an object with a non-empty "examples" list, as in upstream\'s '
            "bbh/*.json task files.",
            path=str(path),
            field="examples",
        )
    return examples


def _example_fields(example: Any, where: str, path: str) -> tuple[str, str]:
    if not isinstance(example, dict):
        raise DatasetError(f"{where}: must be an object with input and target", path=path)
    text, target = example.get("input"), example.get("target")
    for name, value in (("input", text), ("target", target)):
        if not isinstance(value, str) or not value.strip():
            raise DatasetError(
                f"{where}: field {name!r} must be a non-empty string, got {value!r}",
                path=path,
                field=name,
            )
    assert isinstance(text, str)
    assert isinstance(target, str)
    return text, target.strip()


def _choice_target(text: str, target: str) -> tuple[tuple[str, ...] | None, str]:
    """The options and the target letter. An input whose option list does not reach the target
    letter (upstream's snarks example 88 lists only "(A) The NB") keeps no choices; its letter
    is still read from the reply."""
    letter = target[1]
    options = options_of(text)
    if options is None or index_for(letter) >= len(options):
        return None, letter
    return options, letter


# --- scoring ---------------------------------------------------------------------------------


def stated_answer(text: str) -> str:
    """What a reply gives as its answer: after its last 'ANSWER:' (or 'the answer is'), else
    its last non-empty line."""
    stated = [m["answer"].strip() for m in _STATED.finditer(text) if m["answer"].strip()]
    if stated:
        return stated[-1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _same_answer(kind: AnswerKind, got: str, target: str) -> bool:
    if kind == "sequence":
        wanted = _BRACKETS.sub("", target)
        return bool(wanted) and _BRACKETS.sub("", got) == wanted
    if kind == "words":
        return _WORD_SEPARATORS.split(normalize_text(got)) == target.casefold().split()
    return normalize_text(got) == normalize_text(target)


class BBHScorer:
    """Scores each BBH sample by its ``answer_kind`` (see the module docstring)."""

    name: str = "bbh"
    metrics: tuple[str, ...] = ("accuracy",)

    async def __call__(self, state: TaskState) -> Score:
        kind: AnswerKind = state.sample.metadata["answer_kind"]
        target = state.targets[0]
        if kind == "choice":
            choices = state.choices
            n = len(choices) if choices else max(2, index_for(target) + 1)
            letter = extract_choice(state.output_text, n, choices)
            return _score(letter == target, letter, kind)
        if kind == "number":
            number = extract_number(state.output_text)
            ok = number is not None and numbers_equal(number, Decimal(target))
            return _score(ok, None if number is None else str(number), kind)
        got = stated_answer(state.output_text)
        return _score(bool(got) and _same_answer(kind, got, target), got or None, kind)


def _score(ok: bool, answer: str | None, kind: AnswerKind) -> Score:
    return Score(
        value=1.0 if ok else 0.0,
        answer=answer,
        metadata={"answer_kind": kind, "extracted": answer is not None},
    )


@scorer("bbh")
def bbh_scorer() -> Scorer:
    """BBH's answer check: a choice letter, a number or the stated answer, by the task's kind."""
    return BBHScorer()


def build_bbh(data: Path, limit: int | None) -> Task:
    """The BBH task from a folder of task files or one task file."""
    samples = load_bbh(data, limit)
    fmt = "bbh-dir" if data.is_dir() else "bbh-json"
    dataset = dataset_from("bbh", samples, path=str(data.resolve()), fmt=fmt)
    config = GenerateConfig(temperature=0.0, max_tokens=COT_MAX_TOKENS)
    return Task(
        name="bbh",
        dataset=dataset,
        solver=(solvers.get("chain_of_thought")(), solvers.get("generate")()),
        scorers=(bbh_scorer(),),
        definition={
            "kind": "benchmark",
            "benchmark": "bbh",
            "version": "1",
            "task_answer_kinds": dict(TASK_ANSWER_KINDS),
        },
        ref={"name": "bbh", "args": {}},
        config=config,
        extra_metrics=(accuracy_by("bbh_task"),),
    )


BBH = register(
    Benchmark(
        name="bbh",
        domain="reasoning",
        title="BIG-Bench Hard",
        description="27 hard BIG-Bench reasoning tasks (6,511 examples); chain-of-thought, "
        "accuracy per task. Needs --data DIR (upstream's bbh/ folder).",
        build=build_bbh,
        tags=("chain-of-thought", "per-task"),
    )
)
