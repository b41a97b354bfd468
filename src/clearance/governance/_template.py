"""The intake as a commented YAML file to fill in: every field, with the plain-language question
it answers, what values it allows, and its default. ``clearance usecase template`` prints it."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from clearance.governance._intake import (
    APPENDIX_I,
    FUNCTION_MEANINGS,
    AISystem,
    UseCaseIntake,
    allowed_values,
)

_WIDTH = 96
_MEANINGS: dict[str, dict[str, str]] = {
    "functions": FUNCTION_MEANINGS,
    "appendix_i_activities": APPENDIX_I,
}
_HEADER = """\
# A use-case intake for `clearance usecase add --file FILE`. Answer each question below the
# line that asks it; classification under the Framework reads the answers, and
# `clearance usecase classify` says which answers decided each rule. Fields marked (required)
# have no default. Lists take several values: [a, b].
"""


def _comment(text: str, indent: str, hanging: str = "") -> list[str]:
    width = _WIDTH - len(indent) - 2
    return [f"{indent}# {line}" for line in textwrap.wrap(text, width, subsequent_indent=hanging)]


def _value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, tuple | list):
        return json.dumps(list(value))
    return json.dumps(value) if isinstance(value, str | bool | int | float) else str(value)


def _allowed(path: str, indent: str) -> list[str]:
    values = allowed_values(path)
    if values is None:
        return []
    meanings = _MEANINGS.get(path)
    if meanings is None:
        return _comment(f"one of: {', '.join(values)}", indent)
    lines = [f"{indent}# values:"]
    for value in values:
        meaning = meanings.get(value)
        described = f"- {value}" + (f": {meaning}" if meaning else "")
        lines += _comment(described, indent, hanging="    ")
    return lines


def _field_lines(name: str, field: FieldInfo, path: str, indent: str) -> list[str]:
    annotation = field.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        lines = [*_comment(annotation.__doc__ or name, indent), f"{indent}{name}:"]
        return lines + _model_lines(annotation, f"{path}.", indent + "  ")
    required = field.default is PydanticUndefined and field.default_factory is None
    question = (field.description or name) + (" (required)" if required else "")
    lines = _comment(question, indent) + _allowed(path, indent)
    if name == "ai_systems":
        example = ", ".join(f"{key}: …" for key in AISystem.model_fields)
        lines += _comment(f"each: {{{example}}}", indent)
    default = None if required else field.get_default(call_default_factory=True)
    return [*lines, f"{indent}{name}: {_value(default)}"]


def _model_lines(model: type[BaseModel], prefix: str, indent: str) -> list[str]:
    lines: list[str] = []
    for name, field in model.model_fields.items():
        lines += _field_lines(name, field, f"{prefix}{name}", indent)
    return lines


def intake_template() -> str:
    """Every intake field as commented YAML, each under the question it answers."""
    body: list[str] = []
    for name, field in UseCaseIntake.model_fields.items():
        body += ["", *_field_lines(name, field, name, "")]
    return _HEADER + "\n".join(body) + "\n"
