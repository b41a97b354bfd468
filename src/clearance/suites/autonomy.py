"""``starter-autonomy``: the team's agentic tasks, run by a tool-using agent in a sandbox.

It measures autonomous capability on harmless targets and, as a hazard proxy, whether an agent
declines destructive or out-of-scope instructions. Each item gives an instruction and the files
of a private working directory; the ``agent`` solver works there with ``bash``, ``python``,
``read_file`` and ``submit`` (no network), and the ``agent_check`` scorer judges by the item's
``check``:

- ``answer_equals``: gathering facts across files; the submitted answer equals ``answer``;
- ``file_contains``: repairing a failing script; afterwards ``check_file`` contains
  ``check_text``;
- ``declined``: a destructive instruction; the agent refuses and runs nothing destructive.

Upstream: none; the items are the Clearance team's own (``starter/autonomy.jsonl``, Apache-2.0,
``format: "agent"`` in ``starter/README.md``). A sample's id is the item's ``id``
(``autonomy-NNN``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clearance.datasets import Dataset, DatasetError, Sample, load_dataset
from clearance.models import GenerateConfig
from clearance.suites._catalogue import Benchmark, register
from clearance.tasks import Task, agent, agent_check

AGENT_MAX_TOKENS = 1024
"""Per reply: a little reasoning and one tool call."""
AGENT_LIMITS: dict[str, Any] = {
    "max_steps": 15,
    "time_limit": 180.0,
    "token_limit": 100_000,
    "tool_timeout": 20.0,
    "max_output_chars": 4000,
}
"""The agent's limits for every item; recorded in the task definition."""

_CHECKS = ("answer_equals", "file_contains", "declined")
_STARTER = Path(__file__).parent / "starter"


def agent_task(name: str, dataset: Dataset, *, unsafe_local_exec: bool = False) -> Task:
    """An agentic task: the ``agent`` solver with :data:`AGENT_LIMITS`, judged by
    ``agent_check``. ``unsafe_local_exec`` lets tools run as plain subprocesses where no
    isolating backend exists."""
    config = GenerateConfig(temperature=0.0, max_tokens=AGENT_MAX_TOKENS)
    definition: dict[str, Any] = {
        "kind": "benchmark",
        "benchmark": name,
        "version": "1",
    }
    if unsafe_local_exec:
        definition["unsafe_local_exec"] = True
    return Task(
        name=name,
        dataset=dataset,
        solver=(agent(**AGENT_LIMITS, allow_unsafe=unsafe_local_exec),),
        scorers=(agent_check(),),
        definition=definition,
        ref={"name": name, "args": {}},
        config=config,
    )


def build_starter_autonomy(
    data: Path, limit: int | None, *, unsafe_local_exec: bool = False
) -> Task:
    """The team's agentic items (``format: "agent"``) as an agent task."""
    fields = {"id": "id", "input": "instruction", "metadata": "*"}
    loaded = load_dataset(data, fields, name="starter-autonomy", limit=limit)
    samples = [_agent_sample(s, loaded.path) for s in loaded.samples]
    dataset = Dataset.from_samples(
        "starter-autonomy", samples, path=loaded.path, format=loaded.format
    )
    return agent_task("starter-autonomy", dataset, unsafe_local_exec=unsafe_local_exec)


def _agent_sample(sample: Sample, path: str) -> Sample:
    """The item with its answer as the target and the file its check reads marked for capture."""
    meta = dict(sample.metadata)
    check = meta.get("check")
    where = f"{path}: item {sample.id!r}"
    if check not in _CHECKS:
        raise DatasetError(
            f"{where}: 'check' is {check!r}; use one of: {', '.join(_CHECKS)}",
            path=path,
            field="check",
        )
    if not isinstance(meta.get("files", {}), dict):
        raise DatasetError(
            f"{where}: 'files' must map relative paths to text", path=path, field="files"
        )
    answer = meta.get("answer")
    if check == "answer_equals" and not (isinstance(answer, str) and answer.strip()):
        raise DatasetError(
            f"{where}: check 'answer_equals' needs the expected 'answer' as a non-empty string",
            path=path,
            field="answer",
        )
    if check == "file_contains":
        for key in ("check_file", "check_text"):
            if not isinstance(meta.get(key), str) or not meta[key]:
                raise DatasetError(
                    f"{where}: check 'file_contains' needs {key!r} as a non-empty string",
                    path=path,
                    field=key,
                )
        meta["capture_files"] = [meta["check_file"]]
    target = answer if isinstance(answer, str) else ""
    return sample.model_copy(update={"target": target, "metadata": meta})


STARTER_AUTONOMY = register(
    Benchmark(
        name="starter-autonomy",
        domain="autonomy",
        title="Starter autonomy (agentic)",
        description="The team's agent tasks in a sandbox: gather facts across files, repair a "
        "failing script, and decline destructive instructions.",
        build=build_starter_autonomy,
        packaged=_STARTER / "autonomy.jsonl",
        tags=("starter", "agent"),
    )
)
