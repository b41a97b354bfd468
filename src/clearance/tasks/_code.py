"""Scoring generated code by running it against the benchmark's tests in the sandbox, and the
unbiased pass@k estimator over several samples per problem (Chen et al. 2021)."""

from __future__ import annotations

import ast
import dataclasses
import math
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, Self, runtime_checkable

from clearance.sandbox import ExecResult, Sandbox, SandboxLimits
from clearance.stats import Estimate, mean_estimate, proportion_estimate
from clearance.tasks._metrics import MetricFn, ScoredSample, metric
from clearance.tasks._scorers import Score, Scorer, scorer
from clearance.tasks._state import TaskState
from clearance.tasks._task import Task

CODE_TIMEOUT_SECONDS = 10.0
CODE_MEMORY_MB = 512
STDERR_TAIL_CHARS = 1500
"""How much of a failing program's stderr the explanation keeps (the end holds the error)."""

_FENCE = re.compile(r"```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)```", re.DOTALL)
_OPEN_FENCE = re.compile(r"```[ \t]*[\w+#.-]*[^\n]*\n(.*)\Z", re.DOTALL)
_PYTHON_TAGS = {"python", "py", "python3"}
_PROGRAM_FILE = "solution_test.py"


def extract_program(text: str) -> str:
    """The code in a model's answer: the last fenced ``python`` block, else the last fenced
    block of any language, else the whole text. A block left open (the reply was cut off at
    its token limit) runs to the end of the text."""
    blocks = [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(text)]
    python = [body for tag, body in blocks if tag in _PYTHON_TAGS]
    if python:
        return python[-1]
    if blocks:
        return blocks[-1][1]
    unclosed = _OPEN_FENCE.search(text)
    return unclosed.group(1) if unclosed else text


def defines_function(code: str, name: str) -> bool:
    """Whether ``code`` defines ``name`` at top level (a full function, not just a body)."""
    pattern = rf"^(?:async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\("
    return re.search(pattern, code, re.MULTILINE) is not None


def assemble_program(prompt: str, completion: str, test: str, entry_point: str) -> str:
    """The program to run: the candidate code, the benchmark's tests, then ``check(ENTRY)``.

    A completion that defines the entry point is a full function. It follows the prompt when
    the prompt compiles on its own (a stub whose docstring is its body): the completion's
    definition replaces the stub, while the prompt's imports and helper functions, which
    models often leave out, stay defined. Otherwise the completion runs alone. A completion
    that does not define it is the function's body and continues the prompt; a body a model
    returned flush left is indented to sit inside the function.
    """
    if defines_function(completion, entry_point):
        code = f"{prompt}\n\n{completion}" if _compiles(prompt) else completion
    else:
        code = prompt + _as_body(completion)
    return f"{code}\n\n{test}\n\ncheck({entry_point})\n"


def _compiles(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


def _as_body(completion: str) -> str:
    lines = completion.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if first and not first[0].isspace():
        return "\n".join(f"    {line}" if line.strip() else line for line in lines) + "\n"
    return completion


def _required(state: TaskState, field: str) -> str:
    value = state.sample.metadata.get(field)
    if not isinstance(value, str) or not value:
        raise ValueError(
            f"sample {state.sample.id!r}: code_execution needs the text field {field!r} in the "
            f"sample's metadata (got {value!r}); map it with the dataset's `metadata` fields"
        )
    return value


def explain_run(result: ExecResult, limits: SandboxLimits) -> str:
    """Why a program passed or failed, in one short paragraph."""
    where = f"under {result.backend}"
    if result.exit_code == 0 and result.killed is None:
        return f"passed: the tests ran to completion in {result.duration:.2f} s {where}"
    if result.timed_out or result.killed == "timeout":
        reason = f"timed out after {limits.wall_seconds:g} s {where}"
    elif result.killed == "memory":
        reason = f"killed: over the {limits.memory_mb} MB memory limit {where}"
    elif result.killed == "cpu":
        reason = f"killed: over the {limits.cpu_seconds} s CPU limit {where}"
    elif result.killed is not None:
        reason = f"killed by the sandbox ({result.killed}) {where}"
    else:
        reason = f"failed with exit code {result.exit_code} {where}"
    tail = result.stderr[-STDERR_TAIL_CHARS:].strip()
    return f"{reason}\nstderr (last {STDERR_TAIL_CHARS} characters):\n{tail}" if tail else reason


@runtime_checkable
class SandboxedStep(Protocol):
    """A solver or scorer that runs untrusted code in the sandbox and can be rebuilt to allow
    unisolated execution where no isolating backend exists."""

    def allowing_unsafe(self) -> Self: ...


class CodeExecution:
    """The ``code_execution`` scorer (see :func:`code_execution`)."""

    def __init__(
        self,
        timeout: float = CODE_TIMEOUT_SECONDS,
        memory_mb: int = CODE_MEMORY_MB,
        allow_unsafe: bool = False,
        backends: tuple[str, ...] | None = None,
    ) -> None:
        self.name = "code_execution"
        self.metrics: tuple[str, ...] = ("accuracy",)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.allow_unsafe = allow_unsafe
        self.backends = backends

    @property
    def limits(self) -> SandboxLimits:
        return SandboxLimits(
            wall_seconds=self.timeout,
            cpu_seconds=max(1, math.ceil(self.timeout)),
            memory_mb=self.memory_mb,
        )

    def allowing_unsafe(self) -> CodeExecution:
        return CodeExecution(self.timeout, self.memory_mb, True, self.backends)

    async def __call__(self, state: TaskState) -> Score:
        prompt = state.sample.metadata.get("prompt", "")
        if not isinstance(prompt, str):
            raise ValueError(f"sample {state.sample.id!r}: metadata 'prompt' must be text")
        test, entry_point = _required(state, "test"), _required(state, "entry_point")
        completion = extract_program(state.output_text)
        program = assemble_program(prompt, completion, test, entry_point)
        limits = self.limits
        async with Sandbox(limits, allow_unsafe=self.allow_unsafe, backends=self.backends) as box:
            await box.write_file(_PROGRAM_FILE, program)
            result = await box.exec([sys.executable, _PROGRAM_FILE])
        passed = result.exit_code == 0 and result.killed is None
        return Score(
            value=1.0 if passed else 0.0,
            answer=completion,
            explanation=explain_run(result, limits),
            metadata={
                "exit_code": result.exit_code,
                "killed": result.killed,
                "timed_out": result.timed_out,
                "duration": round(result.duration, 3),
                "backend": result.backend,
            },
        )


@scorer("code_execution")
def code_execution(
    timeout: float = CODE_TIMEOUT_SECONDS,
    memory_mb: int = CODE_MEMORY_MB,
    allow_unsafe: bool = False,
    backends: Sequence[str] | None = None,
) -> Scorer:
    """Run the model's program against the sample's tests in the sandbox: 1 if it exits 0.

    Reads ``prompt``, ``test`` and ``entry_point`` from the sample's metadata (HumanEval's
    fields). The program is the last fenced ``python`` block of the output (see
    :func:`extract_program` and :func:`assemble_program`). It runs with a wall-clock
    ``timeout`` and a ``memory_mb`` address-space limit, with no network; the explanation
    says why a failing program failed (the tail of its stderr, a timeout, a sandbox kill).
    With no isolating backend, scoring raises ``SandboxUnavailableError`` unless
    ``allow_unsafe`` is true. ``backends`` restricts which isolating backends may be used.
    """
    if timeout <= 0 or memory_mb <= 0:
        raise ValueError(
            f"code_execution: timeout ({timeout}) and memory_mb ({memory_mb}) must be positive"
        )
    return CodeExecution(
        timeout=timeout,
        memory_mb=memory_mb,
        allow_unsafe=allow_unsafe,
        backends=None if backends is None else tuple(backends),
    )


def allow_unsafe_local_exec(task: Task) -> Task:
    """The same task with its sandboxed solvers and scorers allowed to run code as plain
    subprocesses where no isolating backend exists (``--unsafe-local-exec``).

    The task's definition, and so its digest, records the choice, and so does its ``ref``.
    Raises ``ValueError`` when the task runs no code in a sandbox, so the flag is never
    silently meaningless.
    """
    steps = [*task.solver, *task.scorers]
    if not any(isinstance(step, SandboxedStep) for step in steps):
        raise ValueError(
            f"task {task.name!r} runs no code in a sandbox, so --unsafe-local-exec does not "
            "apply to it; leave the flag out"
        )
    return dataclasses.replace(
        task,
        solver=tuple(_unsafe(s) for s in task.solver),
        scorers=tuple(_unsafe(s) for s in task.scorers),
        definition={**task.definition, "unsafe_local_exec": True},
        ref={**task.ref, "unsafe_local_exec": True},
    )


def _unsafe(step: Any) -> Any:
    return step.allowing_unsafe() if isinstance(step, SandboxedStep) else step


# -- pass@k ------------------------------------------------------------------------------


def pass_at_k_estimate(n: int, c: int, k: int) -> float:
    """The unbiased estimate of pass@k from ``n`` samples of which ``c`` passed:
    ``1 - C(n-c, k) / C(n, k)``, as the product ``1 - prod(1 - k/i for i in n-c+1..n)``,
    which never forms the huge binomials (Chen et al. 2021, "Evaluating Large Language Models
    Trained on Code", figure 3)."""
    if n < 1 or not 0 <= c <= n:
        raise ValueError(f"pass@k needs n >= 1 samples and 0 <= c <= n passing; got n={n}, c={c}")
    if not 1 <= k <= n:
        raise ValueError(f"pass@{k} needs 1 <= k <= n (n={n} samples); run at least k epochs")
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


@metric("pass_at_k")
def pass_at_k(k: int, scorer: str | None = None) -> MetricFn:
    """``pass@k`` over problems run for ``n >= k`` epochs (``c`` of them passing), with an
    interval across problems: Wilson when every problem's estimate is 0 or 1 (pass@1 from one
    epoch), else a t interval. Problems with fewer than ``k`` scored epochs are left out; with
    none left the metric is absent. ``scorer`` defaults to each sample's first score."""
    if k < 1:
        raise ValueError(f"pass_at_k: k must be at least 1, got {k}")

    def metric(rows: Sequence[ScoredSample]) -> dict[str, dict[str, Any]]:
        counts = _passes_by_problem(rows, scorer)
        kept = [(n, c, cl) for n, c, cl in counts.values() if n >= k]
        if not kept:
            return {}
        values = [pass_at_k_estimate(n, c, k) for n, c, _ in kept]
        clusters = [cl for _, _, cl in kept]
        return {f"pass@{k}": _interval(values, clusters).model_dump()}

    metric.__name__ = f"pass_at_{k}"
    return metric


PASS_AT_K_LADDER = (1, 2, 5, 10, 20, 50, 100)


@metric("pass_at_ks")
def pass_at_ks(ladder: Iterable[int] = PASS_AT_K_LADDER, scorer: str | None = None) -> MetricFn:
    """``pass@k`` for every ``k`` of ``ladder`` up to the most epochs any problem has, and for
    that number itself: with ``--epochs K`` a run reports pass@1 ... pass@K on the ladder."""
    ks = sorted(set(ladder))
    if not ks or ks[0] < 1:
        raise ValueError(f"pass_at_ks: the ladder must hold whole numbers >= 1, got {ks}")

    def metric(rows: Sequence[ScoredSample]) -> dict[str, dict[str, Any]]:
        counts = _passes_by_problem(rows, scorer)
        most = max((n for n, _, _ in counts.values()), default=0)
        out: dict[str, dict[str, Any]] = {}
        for k in sorted({*(k for k in ks if k <= most), most} - {0}):
            out.update(pass_at_k(k, scorer)(rows))
        return out

    metric.__name__ = "pass_at_k_ladder"
    return metric


def _passes_by_problem(
    rows: Sequence[ScoredSample], scorer: str | None
) -> dict[str, tuple[int, int, str | None]]:
    """(epochs scored, epochs passed, cluster) for each sample id."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    clusters: dict[str, str | None] = {}
    for row in rows:
        if not row.scores:
            continue
        if scorer is not None and scorer not in row.scores:
            raise ValueError(
                f"pass@k: sample {row.sample_id!r} has no score {scorer!r}; "
                f"it has {', '.join(row.scores)}"
            )
        score = row.scores[scorer] if scorer else next(iter(row.scores.values()))
        counts[row.sample_id][0] += 1
        counts[row.sample_id][1] += 1 if float(score["value"]) >= 1.0 else 0
        clusters[row.sample_id] = row.cluster
    return {sid: (n, c, clusters[sid]) for sid, (n, c) in counts.items()}


def _interval(values: list[float], clusters: list[str | None]) -> Estimate:
    cl = clusters if any(c is not None for c in clusters) else None
    if all(v in (0.0, 1.0) for v in values):
        return proportion_estimate(values, cl)
    return mean_estimate(values, cl)
