"""Any input to the dataset readers, the task-file loader, the policy loader and the intake
parser gives a valid object or the loader's own user error naming where, never another
exception (a traceback for the user). Inputs: raw bytes, random YAML documents, and valid files
with random edits, which reach deeper than random bytes do."""

from __future__ import annotations

import json
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.assess import PolicyError, parse_policy
from clearance.datasets import DatasetError, load_dataset
from clearance.governance import IntakeError, parse_intake, read_intake_file
from clearance.tasks import TaskFileError, load_task

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=25,
)
garbage = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


def _edits(base: str) -> st.SearchStrategy[bytes]:
    """``base`` with a random slice replaced by random text (or bytes)."""

    @st.composite
    def edit(draw: st.DrawFn) -> bytes:
        data = base.encode()
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 40)))
        insert = draw(st.one_of(st.binary(max_size=30), st.text(max_size=30).map(str.encode)))
        return data[:start] + insert + data[end:]

    return edit()


def _yaml_of(value: Any) -> bytes:
    try:
        return yaml.safe_dump(value, allow_unicode=True).encode("utf-8", "surrogatepass")
    except (yaml.YAMLError, ValueError):
        return b"{}"


def _attempt(load: Callable[[], Any], *errors: type[Exception]) -> Any:
    """What ``load`` returned, or the user error it raised (any other exception propagates and
    fails the test)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # repeated choices warn; they are not errors
        try:
            return load()
        except errors as exc:
            return exc


def _in_temp(name: str, content: bytes) -> tuple[tempfile.TemporaryDirectory[str], Path]:
    folder = tempfile.TemporaryDirectory()
    path = Path(folder.name) / name
    path.write_bytes(content)
    return folder, path


# -- dataset readers ----------------------------------------------------------------------

ROWS = "".join(
    json.dumps({"id": f"q{i}", "q": "2+2?", "choices": ["3", "4"], "a": "B"}) + "\n"
    for i in range(3)
)
FIELDS = {"id": "id", "input": "q", "choices": "choices", "target": "a"}


def _check_dataset(name: str, content: bytes) -> None:
    folder, path = _in_temp(name, content)
    with folder:
        outcome = _attempt(lambda: load_dataset(path, FIELDS), DatasetError)
    if isinstance(outcome, DatasetError):
        assert outcome.path == str(path)
        assert str(path) in str(outcome)
    else:
        assert len(outcome) >= 1


@FUZZ
@given(
    name=st.sampled_from(["d.jsonl", "d.json", "d.csv", "d.parquet", "d.jsonl.gz"]),
    content=garbage,
)
def test_dataset_readers_on_arbitrary_bytes(name: str, content: bytes) -> None:
    _check_dataset(name, content)


@FUZZ
@given(content=_edits(ROWS))
def test_dataset_readers_on_edited_jsonl(content: bytes) -> None:
    _check_dataset("d.jsonl", content)


@FUZZ
@given(rows=st.lists(values, max_size=4))
def test_dataset_readers_on_arbitrary_json_records(rows: list[Any]) -> None:
    lines = "".join(json.dumps(r, allow_nan=True) + "\n" for r in rows)
    _check_dataset("d.jsonl", lines.encode("utf-8", "surrogatepass"))


# -- task files ---------------------------------------------------------------------------

TASK = (
    "name: fuzz\ndescription: a task\ndataset:\n  path: data.jsonl\n"
    "  fields: {id: id, input: q, choices: choices, target: a}\n"
    "solver: multiple_choice\nscorer: choice\nconfig:\n  temperature: 0\n  max_tokens: 16\n"
    "epochs: 1\n"
)


def _check_task(content: bytes) -> None:
    folder, path = _in_temp("task.yaml", content)
    (path.parent / "data.jsonl").write_text(ROWS)
    with folder:
        outcome = _attempt(lambda: load_task(str(path)), TaskFileError, DatasetError)
    if isinstance(outcome, TaskFileError):
        assert outcome.path in (path, path.resolve())
        assert path.name in str(outcome)
    elif isinstance(outcome, DatasetError):
        assert outcome.path
    else:
        assert outcome.name


@FUZZ
@given(content=_edits(TASK))
def test_task_loader_on_edited_task_files(content: bytes) -> None:
    _check_task(content)


@FUZZ
@given(content=st.one_of(garbage, values.map(_yaml_of)))
def test_task_loader_on_arbitrary_documents(content: bytes) -> None:
    _check_task(content)


# -- policies -----------------------------------------------------------------------------

POLICY = """\
name: p
version: 1
thresholds:
  - id: t1
    domain: cyber
    metric: accuracy
    direction: above
    threshold: 0.5
    severity: high
    rationale: A threshold drawn here for a reason written out in full.
"""


def _check_policy(content: bytes) -> None:
    outcome = _attempt(lambda: parse_policy(content, "p.yaml"), PolicyError)
    if isinstance(outcome, PolicyError):
        assert outcome.source == "p.yaml"
        assert str(outcome).startswith("p.yaml")
    else:
        assert outcome.policy.thresholds


@FUZZ
@given(content=_edits(POLICY))
def test_policy_loader_on_edited_policies(content: bytes) -> None:
    _check_policy(content)


@FUZZ
@given(content=st.one_of(garbage, values.map(_yaml_of)))
def test_policy_loader_on_arbitrary_documents(content: bytes) -> None:
    _check_policy(content)


# -- intake -------------------------------------------------------------------------------

INTAKE = """\
name: Foreign news translation
agency: Department of Defense
office: Defense Intelligence Agency
purpose_and_benefits: Translates open-source foreign news for analysts to skim.
outputs: English translations of foreign-language articles.
stage: operation_and_maintenance
principal_basis: false
decision_domain: intelligence_analysis
functions: [translation]
affected: [no_individuals]
human_oversight: {level: human_decides, description: Analysts read them.}
omb: {date_initiated: 2023-01-01, date_retired: 2024-01-01}
"""


def _check_intake(name: str, content: bytes) -> None:
    folder, path = _in_temp(name, content)
    with folder:
        outcome = _attempt(lambda: parse_intake(read_intake_file(path), str(path)), IntakeError)
    if isinstance(outcome, IntakeError):
        assert str(path) in str(outcome)
    else:
        assert outcome.name


@FUZZ
@given(content=_edits(INTAKE))
def test_intake_parser_on_edited_intakes(content: bytes) -> None:
    _check_intake("uc.yaml", content)


@FUZZ
@given(
    name=st.sampled_from(["uc.yaml", "uc.json"]), content=st.one_of(garbage, values.map(_yaml_of))
)
def test_intake_parser_on_arbitrary_documents(name: str, content: bytes) -> None:
    _check_intake(name, content)
