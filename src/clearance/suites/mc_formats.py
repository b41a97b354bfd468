"""Science and knowledge multiple choice in the common public formats: MMLU, ARC and GPQA; and
the team's ``starter-science`` and ``starter-reasoning`` items.

Each measures knowledge and reasoning through questions with 2 to 10 lettered options; the
model answers with a letter (``ANSWER: B``), compared with the correct letter. None of these
benchmarks has a single file Clearance can pin by SHA-256, so each takes ``--data PATH``:

- ``mmlu``: MMLU (https://github.com/hendrycks/test, MIT; data
  https://people.eecs.berkeley.edu/~hendrycks/data.tar). CSV rows ``question, A, B, C, D,
  answer letter`` with no header (upstream's ``data/test/SUBJECT_test.csv``), or with a header
  naming ``question`` (or ``input``), the option columns ``A``, ``B``, ... and ``answer`` (or
  ``target``), optionally ``subject`` and ``id``. ``--data`` is a file or a folder of subject
  files. The subject (the ``subject`` column, else the file name without ``_test``/``_val``/
  ``_dev``) is kept in metadata; with several subjects, samples cluster by subject and the run
  reports ``subject=NAME/accuracy``. Ids: the ``id`` column, else ``SUBJECT-ROW`` (ROW the
  1-based data row of its file).
- ``arc``: the AI2 Reasoning Challenge (https://allenai.org/data/arc, CC BY-SA 4.0). JSONL lines
  ``{"id", "question": {"stem", "choices": [{"text", "label"}]}, "answerKey"}``; labels may be
  letters or digits and are shown as letters in order. Ids: upstream's ``id``.
- ``gpqa``: GPQA (https://github.com/idavidrein/gpqa, CC BY 4.0; the data is distributed in a
  password-protected archive to keep it out of training sets). CSV with the columns
  ``Question``, ``Correct Answer`` and ``Incorrect Answer 1`` ... ``Incorrect Answer N``.
  The options are shuffled under the run's seed (per sample and epoch), so the correct one is
  not always first. Ids: ``Record ID`` where present, else the 1-based data row.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from clearance.datasets import DatasetError, Sample
from clearance.suites._catalogue import Benchmark, register
from clearance.suites._knowledge_formats import check_limit, dataset_from, mc_task, starter_mc
from clearance.tasks import Task, accuracy_by, letter_for

MIN_OPTIONS = 2
MAX_OPTIONS = 10
_LETTERS = "ABCDEFGHIJ"
_SPLIT_SUFFIX = re.compile(r"_(?:test|val|dev|train)$")
_INCORRECT_COLUMN = re.compile(r"Incorrect Answer (\d+)")


def _error(path: Path, unit: str, number: int, message: str, field: str | None = None) -> NoReturn:
    raise DatasetError(
        f"{path} {unit} {number}: {message}", path=str(path), line=number, field=field
    )


def _read_csv(path: Path) -> list[list[str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return [row for row in csv.reader(stream) if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{path}: cannot read the CSV file ({exc})", path=str(path)) from exc


def _files(data: Path, pattern: str, what: str) -> list[Path]:
    if data.is_file():
        return [data]
    files = sorted(p for p in data.glob(pattern) if p.is_file())
    if not files:
        raise DatasetError(f"{data}: no {what} files ({pattern}) in this folder", path=str(data))
    return files


def _first(samples: Iterator[Sample], limit: int | None) -> list[Sample]:
    kept: list[Sample] = []
    for sample in samples:
        kept.append(sample)
        if len(kept) == limit:
            break
    return kept


def _check_options(path: Path, unit: str, number: int, options: list[str]) -> None:
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        _error(path, unit, number, f"has {len(options)} options; 2 to 10 are supported")
    for letter, text in zip(_LETTERS, options, strict=False):
        if not text.strip():
            _error(path, unit, number, f"option {letter} is empty", field=letter)


# --- MMLU ------------------------------------------------------------------------------------


def load_mmlu(data: Path, limit: int | None = None) -> list[Sample]:
    """MMLU-style samples from a CSV file or a folder of subject CSV files."""
    check_limit(limit, str(data))
    files = _files(data, "*.csv", "MMLU subject CSV")
    samples = _first((s for path in files for s in _mmlu_file(path)), limit)
    if not samples:
        raise DatasetError(f"{data}: contains no questions", path=str(data))
    if len({s.metadata["subject"] for s in samples}) > 1:
        samples = [s.model_copy(update={"cluster": s.metadata["subject"]}) for s in samples]
    return samples


def _mmlu_file(path: Path) -> Iterator[Sample]:
    rows = _read_csv(path)
    header = _mmlu_header(rows[0]) if rows else None
    if header is not None and len(header["options"]) < MIN_OPTIONS:
        raise DatasetError(
            f"{path} row 0 (header): names question and answer columns but fewer than two "
            "option columns; name them A, B, C, ... in order",
            path=str(path),
            line=0,
        )
    default_subject = _SPLIT_SUFFIX.sub("", path.stem)
    for number, row in enumerate(rows[1:] if header else rows, start=1):
        if header is None:
            yield _mmlu_plain_row(path, number, row, default_subject)
        else:
            yield _mmlu_named_row(path, number, row, header, default_subject)


def _mmlu_header(row: list[str]) -> dict[str, Any] | None:
    names = [cell.strip().casefold() for cell in row]
    question = next((names.index(n) for n in ("question", "input") if n in names), None)
    answer = next((names.index(n) for n in ("answer", "target") if n in names), None)
    if question is None or answer is None:
        return None
    options = []
    for letter in _LETTERS:
        if letter.casefold() not in names:
            break
        options.append(names.index(letter.casefold()))
    return {
        "question": question,
        "answer": answer,
        "options": options,
        "subject": names.index("subject") if "subject" in names else None,
        "id": names.index("id") if "id" in names else None,
        "width": len(names),
    }


def _mmlu_plain_row(path: Path, number: int, row: list[str], subject: str) -> Sample:
    if len(row) < 2 + MIN_OPTIONS:
        _error(
            path,
            "row",
            number,
            f"has {len(row)} columns; an MMLU row is question, 2 to 10 options, answer letter "
            "(or give a header row naming question, A, B, ..., answer)",
        )
    return _mmlu_sample(path, number, row[0], row[1:-1], row[-1], subject, None)


def _mmlu_named_row(
    path: Path, number: int, row: list[str], header: dict[str, Any], default_subject: str
) -> Sample:
    if len(row) != header["width"]:
        _error(path, "row", number, f"has {len(row)} columns; the header has {header['width']}")
    subject = row[header["subject"]].strip() if header["subject"] is not None else ""
    sample_id = row[header["id"]].strip() if header["id"] is not None else None
    options = [row[i] for i in header["options"]]
    return _mmlu_sample(
        path,
        number,
        row[header["question"]],
        options,
        row[header["answer"]],
        subject or default_subject,
        sample_id or None,
    )


def _mmlu_sample(
    path: Path,
    number: int,
    question: str,
    options: list[str],
    answer: str,
    subject: str,
    sample_id: str | None,
) -> Sample:
    if not question.strip():
        _error(path, "row", number, "the question is empty", field="question")
    _check_options(path, "row", number, options)
    letter = answer.strip().upper()
    if len(letter) != 1 or letter not in _LETTERS[: len(options)]:
        _error(
            path,
            "row",
            number,
            f"the answer must be an option letter A to {_LETTERS[len(options) - 1]}, got "
            f"{answer!r}",
            field="answer",
        )
    return Sample(
        id=sample_id or f"{subject}-{number}",
        input=question.strip(),
        target=letter,
        choices=tuple(o.strip() for o in options),
        metadata={"subject": subject},
    )


def build_mmlu(data: Path, limit: int | None) -> Task:
    """The MMLU task from a CSV file or a folder of subject CSVs."""
    samples = load_mmlu(data, limit)
    dataset = dataset_from("mmlu", samples, path=str(data.resolve()), fmt="mmlu-csv")
    by_subject = (accuracy_by("subject"),) if samples[0].cluster is not None else ()
    return mc_task("mmlu", dataset, extra_metrics=by_subject)


# --- ARC -------------------------------------------------------------------------------------


def load_arc(data: Path, limit: int | None = None) -> list[Sample]:
    """ARC samples from a JSONL file (upstream's ``ARC-Challenge-Test.jsonl`` and the like)."""
    check_limit(limit, str(data))
    samples = _first(_arc_lines(data), limit)
    if not samples:
        raise DatasetError(f"{data}: contains no questions", path=str(data))
    return samples


def _arc_lines(path: Path) -> Iterator[Sample]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read the file ({exc})", path=str(path)) from exc
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield _arc_sample(path, number, _json_line(path, number, line))


def _json_line(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"{path} line {number}: not valid JSON ({exc.msg})", path=str(path), line=number
        ) from exc
    if not isinstance(record, dict):
        _error(path, "line", number, "each line must hold one JSON object")
    return record


def _arc_sample(path: Path, number: int, record: dict[str, Any]) -> Sample:
    question = record.get("question")
    stem = question.get("stem") if isinstance(question, dict) else None
    raw = question.get("choices") if isinstance(question, dict) else None
    if not isinstance(stem, str) or not stem.strip():
        _error(path, "line", number, "question.stem must be a non-empty string", "question.stem")
    if not isinstance(raw, list) or not all(
        isinstance(c, dict) and isinstance(c.get("text"), str) and isinstance(c.get("label"), str)
        for c in raw
    ):
        _error(
            path,
            "line",
            number,
            'question.choices must be a list of {"text", "label"} objects',
            "question.choices",
        )
    texts = [c["text"] for c in raw]
    labels = [c["label"] for c in raw]
    _check_options(path, "line", number, texts)
    key, sample_id = record.get("answerKey"), record.get("id")
    if key not in labels:
        _error(path, "line", number, f"answerKey {key!r} is not one of the labels {labels}")
    if not isinstance(sample_id, str) or not sample_id:
        _error(path, "line", number, "id must be a non-empty string", "id")
    return Sample(
        id=sample_id,
        input=stem.strip(),
        target=letter_for(labels.index(key)),
        choices=tuple(texts),
        metadata={"labels": labels},
    )


def build_arc(data: Path, limit: int | None) -> Task:
    """The ARC task from a JSONL file."""
    samples = load_arc(data, limit)
    return mc_task("arc", dataset_from("arc", samples, path=str(data.resolve()), fmt="arc-jsonl"))


# --- GPQA ------------------------------------------------------------------------------------


def load_gpqa(data: Path, limit: int | None = None) -> list[Sample]:
    """GPQA samples from a CSV with Question, Correct Answer and Incorrect Answer N columns;
    the correct answer is option A until the solver shuffles the options."""
    check_limit(limit, str(data))
    rows = _read_csv(data)
    if not rows:
        raise DatasetError(f"{data}: the file is empty", path=str(data))
    header = [cell.strip() for cell in rows[0]]
    columns = _gpqa_columns(data, header)
    samples = _first(
        (_gpqa_sample(data, n, row, header, columns) for n, row in enumerate(rows[1:], 1)), limit
    )
    if not samples:
        raise DatasetError(f"{data}: contains no questions", path=str(data))
    return samples


def _gpqa_columns(path: Path, header: list[str]) -> list[int]:
    missing = [name for name in ("Question", "Correct Answer") if name not in header]
    incorrect = sorted(
        (int(m[1]), i) for i, name in enumerate(header) if (m := _INCORRECT_COLUMN.fullmatch(name))
    )
    if missing or not incorrect:
        raise DatasetError(
            f"{path} row 0 (header): a GPQA file needs the columns Question, Correct Answer and "
            f"Incorrect Answer 1 ... N; missing {missing or ['Incorrect Answer 1']}",
            path=str(path),
            line=0,
        )
    return [header.index("Correct Answer"), *(i for _, i in incorrect)]


def _gpqa_sample(
    path: Path, number: int, row: list[str], header: list[str], columns: list[int]
) -> Sample:
    if len(row) != len(header):
        _error(path, "row", number, f"has {len(row)} columns; the header has {len(header)}")
    cells = dict(zip(header, row, strict=True))
    question = cells["Question"].strip()
    if not question:
        _error(path, "row", number, "the question is empty", field="Question")
    options = [row[i].strip() for i in columns]
    _check_options(path, "row", number, options)
    metadata = {
        key: cells[column].strip()
        for key, column in (("subdomain", "Subdomain"), ("high_level_domain", "High-level domain"))
        if column in cells
    }
    record_id = cells.get("Record ID", "").strip()
    return Sample(
        id=record_id or str(number),
        input=question,
        target="A",
        choices=tuple(options),
        metadata=metadata,
    )


def build_gpqa(data: Path, limit: int | None) -> Task:
    """The GPQA task from a CSV file; options shuffled under the run's seed."""
    samples = load_gpqa(data, limit)
    dataset = dataset_from("gpqa", samples, path=str(data.resolve()), fmt="gpqa-csv")
    return mc_task("gpqa", dataset, shuffle=True)


MMLU = register(
    Benchmark(
        name="mmlu",
        domain="science",
        title="MMLU",
        description="Massive Multitask Language Understanding: 57 subjects, four options. "
        "Needs --data (a subject CSV or a folder of them).",
        build=build_mmlu,
        tags=("multiple-choice", "knowledge"),
    )
)

ARC = register(
    Benchmark(
        name="arc",
        domain="science",
        title="AI2 Reasoning Challenge",
        description="Grade-school science questions (ARC-Easy or ARC-Challenge JSONL). "
        "Needs --data FILE.",
        build=build_arc,
        tags=("multiple-choice", "science"),
    )
)

GPQA = register(
    Benchmark(
        name="gpqa",
        domain="science",
        title="GPQA",
        description="Graduate-level, search-resistant biology, physics and chemistry questions; "
        "options shuffled under the seed. Needs --data FILE (CSV).",
        build=build_gpqa,
        tags=("multiple-choice", "science", "shuffled"),
    )
)

STARTER_SCIENCE = starter_mc(
    "science",
    "Starter science",
    "The team's school-level questions in biology, chemistry, physics and earth science.",
)

STARTER_REASONING = starter_mc(
    "reasoning",
    "Starter reasoning",
    "The team's syllogisms, analogies, sequences and short logic puzzles.",
)
