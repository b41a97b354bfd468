"""CyberMetric: multiple-choice questions on cybersecurity knowledge across nine areas (disaster
recovery, identity and access management, IoT, cryptography, wireless, network and cloud
security, penetration testing, compliance and audit), written with retrieval-augmented
generation and checked by human experts.

Upstream: https://github.com/cybermetric/CyberMetric (paper: arXiv 2402.07688); see the
repository for its licence terms. Four files of 80, 500, 2,000 and 10,000 questions, e.g.
https://raw.githubusercontent.com/cybermetric/CyberMetric/main/CyberMetric-80-v1.json, each
``{"questions": [{"question", "answers": {"A": ..., "B": ..., ...}, "solution": "A"}]}``. None
is in this environment to pin by SHA-256, so the benchmark has no ``Source`` and takes
``--data FILE``. Questions have no ids upstream, so a sample's id is its 1-based position in
``questions``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

from clearance.datasets import DatasetError, Sample
from clearance.suites._catalogue import Benchmark, register
from clearance.suites._knowledge_formats import check_limit, dataset_from, mc_task
from clearance.tasks import MAX_CHOICES, Task, letter_for

_SHAPE = '{"questions": [{"question": ..., "answers": {"A": ..., "B": ...}, "solution": "A"}]}'


def _error(path: Path, message: str, field: str | None = None) -> NoReturn:
    raise DatasetError(f"{path}: {message}", path=str(path), field=field)


def load_cybermetric(data: Path, limit: int | None = None) -> list[Sample]:
    """Samples from a CyberMetric JSON file (the first ``limit`` questions)."""
    check_limit(limit, str(data))
    questions = _questions(data)
    kept = questions if limit is None else questions[:limit]
    return [_sample(data, number, item) for number, item in enumerate(kept, start=1)]


def _questions(path: Path) -> list[Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read the file ({exc})", path=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"{path} line {exc.lineno}: not valid JSON ({exc.msg})", path=str(path), line=exc.lineno
        ) from exc
    questions = document.get("questions") if isinstance(document, dict) else None
    if not isinstance(questions, list) or not questions:
        _error(path, f"expected a non-empty questions list: {_SHAPE}", "questions")
    return questions


def _sample(path: Path, number: int, item: Any) -> Sample:
    where = f"questions[{number - 1}]"
    if not isinstance(item, dict):
        _error(path, f"{where} must be an object: {_SHAPE}")
    question, answers, solution = item.get("question"), item.get("answers"), item.get("solution")
    if not isinstance(question, str) or not question.strip():
        _error(path, f"{where}.question must be a non-empty string", "question")
    letters = _answer_letters(path, where, answers)
    if not isinstance(solution, str) or solution.strip().upper() not in letters:
        _error(path, f"{where}.solution {solution!r} is not one of {letters}", "solution")
    assert isinstance(answers, dict)
    return Sample(
        id=str(number),
        input=question.strip(),
        target=solution.strip().upper(),
        choices=tuple(str(answers[letter]).strip() for letter in letters),
    )


def _answer_letters(path: Path, where: str, answers: Any) -> list[str]:
    """The answers' keys, which must be the letters A, B, ... in order, with text values."""
    if not isinstance(answers, dict) or len(answers) < 2:
        _error(path, f"{where}.answers must map 2 or more letters to texts: {_SHAPE}", "answers")
    expected = [letter_for(i) for i in range(min(len(answers), MAX_CHOICES))]
    if list(answers) != expected or not all(
        isinstance(v, str) and v.strip() for v in answers.values()
    ):
        _error(
            path,
            f"{where}.answers must have the keys {', '.join(expected)} in order, each with a "
            f"non-empty text; got keys {list(answers)}",
            "answers",
        )
    return expected


def build_cybermetric(data: Path, limit: int | None) -> Task:
    """The CyberMetric task from one of the upstream JSON files."""
    samples = load_cybermetric(data, limit)
    dataset = dataset_from("cybermetric", samples, path=str(data.resolve()), fmt="cybermetric-json")
    return mc_task("cybermetric", dataset)


CYBERMETRIC = register(
    Benchmark(
        name="cybermetric",
        domain="cyber",
        title="CyberMetric",
        description="Cybersecurity knowledge questions in nine areas (80 to 10,000 per file). "
        "Needs --data FILE (github.com/cybermetric/CyberMetric).",
        build=build_cybermetric,
        tags=("multiple-choice", "knowledge"),
    )
)
