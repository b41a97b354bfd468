"""Loading the task a command names: a task file or a registered name, with its arguments."""

from __future__ import annotations

from typing import Any

from clearance.cli._errors import fail


def parse_task_args(pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; values read as YAML scalars (true, 3, 0.5, text)."""
    import yaml

    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"task argument {pair!r} is not KEY=VALUE (e.g. -T judge=openai/gpt-4o)")
        out[key.strip()] = yaml.safe_load(value) if value else ""
    return out


def load_task_lazily(task: str, **kwargs: Any) -> Any:
    """The task, loading the benchmark catalogue (which registers its tasks, scorers and
    metrics by name as it is imported: a third of a second) only when the task needs it."""
    from clearance.errors import ClearanceError
    from clearance.tasks import load_task

    if task.endswith((".yaml", ".yml")):
        try:
            return load_task(task, **kwargs)
        except ClearanceError:
            pass  # perhaps a scorer or metric of the catalogue's: tried again with it below
    import clearance.suites  # noqa: F401

    return load_task(task, **kwargs)
