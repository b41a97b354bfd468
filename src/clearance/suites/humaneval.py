"""HumanEval: writing Python functions from their signature and docstring, judged by running
hidden unit tests; and ``starter-code``, the team's own problems in the same format.

HumanEval measures functional correctness of code synthesis: a problem counts as solved when
the model's function passes the problem's ``check`` in the sandbox (no network, a 10 s wall
clock, 512 MB of memory). The prompt asks for the whole function in a ```` ```python ````
block; the ``code_execution`` scorer runs it. One epoch (the default) gives pass@1; with
``--epochs K`` the run also reports the unbiased pass@k (Chen et al. 2021) for k up to K.

Upstream: https://github.com/openai/human-eval (``data/HumanEval.jsonl.gz``, 164 problems),
MIT licence. Each line is ``{"task_id", "prompt", "canonical_solution", "test",
"entry_point"}``; a sample's id is its ``task_id`` (``HumanEval/0`` ... ``HumanEval/163``).
The starter problems (``starter/code.jsonl``, ids ``code-NNN``) have the same fields.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clearance.datasets import Dataset, load_dataset
from clearance.models import GenerateConfig
from clearance.suites._catalogue import Benchmark, Source, register
from clearance.tasks import Task, code_execution, pass_at_ks, solvers

CODE_MAX_TOKENS = 1024
"""Room for a whole function and a sentence or two around it."""
CODE_TIMEOUT_SECONDS = 10.0
CODE_MEMORY_MB = 512

CODE_TEMPLATE = (
    "Complete the following Python function. Reply with the complete function (its signature, "
    "its body and any imports it needs) in a single ```python code block.\n\n"
    "```python\n{prompt}```"
)

SOURCE = Source(
    url="https://github.com/openai/human-eval/raw/master/data/HumanEval.jsonl.gz",
    sha256="b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef",
    filename="HumanEval.jsonl.gz",
    license="MIT",
    homepage="https://github.com/openai/human-eval",
)

_CODE_FIELDS = ("prompt", "test", "entry_point")
_STARTER = Path(__file__).parent / "starter"


def code_task(name: str, dataset: Dataset, *, unsafe_local_exec: bool = False) -> Task:
    """A code-generation task: the function's prompt in, the model's function run against the
    sample's ``test`` with ``check(entry_point)`` in the sandbox. ``unsafe_local_exec`` lets
    the tests run as plain subprocesses where no isolating backend exists."""
    config = GenerateConfig(temperature=0.0, max_tokens=CODE_MAX_TOKENS)
    scorer = code_execution(
        timeout=CODE_TIMEOUT_SECONDS, memory_mb=CODE_MEMORY_MB, allow_unsafe=unsafe_local_exec
    )
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
        solver=(solvers.get("prompt_template")(CODE_TEMPLATE), solvers.get("generate")()),
        scorers=(scorer,),
        definition=definition,
        ref={"name": name, "args": {}},
        config=config,
        extra_metrics=(pass_at_ks(),),
    )


def build_humaneval(data: Path, limit: int | None, *, unsafe_local_exec: bool = False) -> Task:
    """The HumanEval task from ``HumanEval.jsonl.gz`` (or any file with its fields)."""
    fields = {
        "id": "task_id",
        "input": "prompt",
        "target": "canonical_solution",
        "metadata": list(_CODE_FIELDS),
    }
    loaded = load_dataset(data, fields, name="humaneval", limit=limit)
    return code_task("humaneval", loaded, unsafe_local_exec=unsafe_local_exec)


def build_starter_code(data: Path, limit: int | None, *, unsafe_local_exec: bool = False) -> Task:
    """The team's HumanEval-style problems (``format: "code"``)."""
    fields = {
        "id": "id",
        "input": "prompt",
        "target": "canonical_solution",
        "metadata": [*_CODE_FIELDS, "domain", "author"],
    }
    loaded = load_dataset(data, fields, name="starter-code", limit=limit)
    return code_task("starter-code", loaded, unsafe_local_exec=unsafe_local_exec)


HUMANEVAL = register(
    Benchmark(
        name="humaneval",
        domain="code",
        title="HumanEval",
        description="164 Python functions from docstrings, run against hidden unit tests in "
        "the sandbox; pass@1 (pass@k with --epochs K).",
        build=build_humaneval,
        source=SOURCE,
        tags=("code-execution", "pass@k"),
    )
)

STARTER_CODE = register(
    Benchmark(
        name="starter-code",
        domain="code",
        title="Starter code",
        description="The team's small Python functions (strings, arithmetic, lists) in "
        "HumanEval's format, run against their tests in the sandbox.",
        build=build_starter_code,
        packaged=_STARTER / "code.jsonl",
        tags=("starter", "code"),
    )
)
