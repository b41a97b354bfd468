"""The field mapping, and turning one source record into a `Sample` through it."""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, field_validator

from clearance.datasets._errors import RecordProblem, type_name
from clearance.datasets._sample import Sample
from clearance.models import ChatMessage, Role

_ROLES: tuple[str, ...] = get_args(Role)
_LETTERS = string.ascii_uppercase
_FIX = "Fix the record or the dataset's `fields` mapping."


class FieldMap(BaseModel):
    """Which source field fills each part of a `Sample`.

    Each value names a field of the source record; a dotted name (``"answer.text"``) reaches
    into nested objects when the record has no field by that exact name. ``None`` leaves the
    part unset: with no ``id`` the record number (JSONL line, CSV row not counting the
    header, 1-based) becomes the id. ``choices`` is either one field holding a list of
    strings or a list of fields (``["A", "B", "C", "D"]``) whose texts are the choices in
    that order. ``metadata`` lists fields to keep as they are, or ``"*"`` for every
    top-level field not mapped to something else.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str | None = None
    input: str = "input"
    target: str | None = None
    choices: str | tuple[str, ...] | None = None
    cluster: str | None = None
    metadata: Literal["*"] | tuple[str, ...] = ()

    @field_validator("id", "input", "target", "cluster")
    @classmethod
    def _name_not_empty(cls, name: str | None) -> str | None:
        if name is not None and not name:
            raise ValueError("a field name must not be empty; use None to leave the part unset")
        return name

    @field_validator("choices")
    @classmethod
    def _choices_names(cls, names: str | tuple[str, ...] | None) -> str | tuple[str, ...] | None:
        if isinstance(names, tuple):
            if len(names) < 2:
                raise ValueError("a list of choice fields needs at least 2 names")
            _check_names(names)
        elif names == "":
            raise ValueError("a field name must not be empty; use None to leave choices unset")
        return names

    @field_validator("metadata")
    @classmethod
    def _metadata_names(
        cls, names: Literal["*"] | tuple[str, ...]
    ) -> Literal["*"] | tuple[str, ...]:
        if isinstance(names, tuple):
            _check_names(names)
        return names


def _check_names(names: tuple[str, ...]) -> None:
    if any(not name for name in names):
        raise ValueError("field names must not be empty")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"field names must not repeat: {', '.join(repeated)}")


class RecordMapper:
    """Builds samples from records through one `FieldMap`."""

    def __init__(self, fields: FieldMap) -> None:
        self.fields = fields
        self._choice_fields = fields.choices if isinstance(fields.choices, tuple) else None
        mapped = [fields.id, fields.input, fields.target, fields.cluster]
        if isinstance(fields.choices, tuple):
            mapped += fields.choices
        else:
            mapped.append(fields.choices)
        names = {name for name in mapped if name is not None}
        # A dotted mapping consumes its top-level object too, so "*" does not copy it again.
        self._mapped_top_level = names | {name.split(".", 1)[0] for name in names}

    def sample(self, record: Mapping[str, Any], number: int) -> Sample:
        """The sample for one record; `number` is its 1-based record number.

        Raises `RecordProblem` when the record does not fit the mapping.
        """
        fields = self.fields
        choices = self._choices(record)
        sample_id = str(number) if fields.id is None else self._id(record, fields.id)
        given = self._input(record, fields.input)
        target = "" if fields.target is None else self._target(record, fields.target, choices)
        if choices is not None:
            _check_choices(choices, target, fields)
        return Sample(
            id=sample_id,
            input=given,
            target=target,
            choices=choices,
            cluster=None if fields.cluster is None else self._cluster(record, fields.cluster),
            metadata=self._metadata(record),
        )

    def _id(self, record: Mapping[str, Any], name: str) -> str:
        value = lookup(record, name, "id")
        if isinstance(value, str) and value:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        got = "an empty string" if value == "" else type_name(value)
        raise RecordProblem(
            name,
            f"field {name!r} (mapped to id) must be a non-empty string or an integer, got {got}",
            _FIX,
        )

    def _input(self, record: Mapping[str, Any], name: str) -> str | tuple[ChatMessage, ...]:
        value = lookup(record, name, "input")
        if isinstance(value, str):
            if not value.strip():
                raise RecordProblem(name, f"field {name!r} (mapped to input) is empty", _FIX)
            return value
        if isinstance(value, list):
            return messages(value, name)
        raise RecordProblem(
            name,
            f"field {name!r} (mapped to input) must be a string or a list of "
            f"{{role, content}} messages, got {type_name(value)}",
            _FIX,
        )

    def _target(
        self, record: Mapping[str, Any], name: str, choices: tuple[str, ...] | None
    ) -> str | tuple[str, ...]:
        value = lookup(record, name, "target")
        if isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value) if choices is None else choice_letter(value, choices, name)
        if isinstance(value, float) and math.isfinite(value):
            return str(value)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return tuple(value)
        raise RecordProblem(
            name,
            f"field {name!r} (mapped to target) must be a string, a finite number or a list "
            f"of strings, got {_describe(value)}",
            _FIX,
        )

    def _choices(self, record: Mapping[str, Any]) -> tuple[str, ...] | None:
        if self._choice_fields is not None:
            return tuple(self._choice_text(record, name) for name in self._choice_fields)
        name = self.fields.choices
        if not isinstance(name, str):
            return None
        value = lookup(record, name, "choices")
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise RecordProblem(
                name,
                f"field {name!r} (mapped to choices) must be a list of strings, "
                f"got {_describe(value)}",
                _FIX,
            )
        if len(value) < 2:
            raise RecordProblem(
                name,
                f"field {name!r} (mapped to choices) must hold at least 2 choices, "
                f"got {len(value)}",
                _FIX,
            )
        return tuple(value)

    def _choice_text(self, record: Mapping[str, Any], name: str) -> str:
        value = lookup(record, name, "choices")
        if isinstance(value, str):
            return value
        raise RecordProblem(
            name,
            f"field {name!r} (mapped to choices) must be a string, got {type_name(value)}",
            _FIX,
        )

    def _cluster(self, record: Mapping[str, Any], name: str) -> str | None:
        value = lookup(record, name, "cluster")
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        raise RecordProblem(
            name,
            f"field {name!r} (mapped to cluster) must be a string, an integer or null, "
            f"got {type_name(value)}",
            _FIX,
        )

    def _metadata(self, record: Mapping[str, Any]) -> dict[str, Any]:
        names = self.fields.metadata
        if names == "*":
            return {k: v for k, v in record.items() if k not in self._mapped_top_level}
        return {name: lookup(record, name, "metadata") for name in names}


def lookup(record: Mapping[str, Any], name: str, part: str) -> Any:
    """The value of field `name` (exact, else dotted) that the mapping sends to `part`."""
    try:
        return record[name]
    except KeyError:
        pass
    role = "in metadata" if part == "metadata" else f"mapped to {part}"
    if "." not in name:
        raise RecordProblem(
            name,
            f"field {name!r} ({role}) is missing; the record has fields: {_field_list(record)}",
            _FIX,
        )
    node: Any = record
    parts = name.split(".")
    for depth, key in enumerate(parts):
        parent = ".".join(parts[:depth])
        if not isinstance(node, Mapping):
            raise RecordProblem(
                name,
                f"field {name!r} ({role}) is missing: {parent!r} is a {type_name(node)}, "
                "not an object",
                _FIX,
            )
        if key not in node:
            where = f"{parent!r} has fields: " if parent else "the record has fields: "
            raise RecordProblem(
                name,
                f"field {name!r} ({role}) is missing; {where}{_field_list(node)}",
                _FIX,
            )
        node = node[key]
    return node


def messages(value: list[Any], name: str) -> tuple[ChatMessage, ...]:
    """A list of ``{"role": ..., "content": ...}`` objects as chat messages."""
    if not value:
        raise RecordProblem(name, f"field {name!r} (mapped to input) is an empty list", _FIX)
    turns = []
    for position, item in enumerate(value, start=1):
        where = f"field {name!r} (mapped to input) message {position}"
        if not isinstance(item, Mapping):
            problem = f"{where} must be an object with role and content, got {type_name(item)}"
            raise RecordProblem(name, problem, _FIX)
        role, content = item.get("role"), item.get("content")
        if role not in _ROLES:
            problem = f"{where} has role {role!r}; a role is one of {', '.join(_ROLES)}"
            raise RecordProblem(name, problem, _FIX)
        if not isinstance(content, str):
            problem = f"{where} must have string content, got {type_name(content)}"
            raise RecordProblem(name, problem, _FIX)
        turns.append(ChatMessage(role=role, content=content))
    return tuple(turns)


def _check_choices(
    choices: tuple[str, ...], target: str | tuple[str, ...], fields: FieldMap
) -> None:
    """Choices are lettered A to Z, and a one-letter target must name one of them: caught at
    load, not as a failed sample at run time."""
    name = fields.choices if isinstance(fields.choices, str) else ", ".join(fields.choices or ())
    if len(choices) > len(_LETTERS):
        raise RecordProblem(
            name,
            f"field {name!r} (mapped to choices) holds {len(choices)} choices; at most "
            f"{len(_LETTERS)} can be lettered A to Z",
            "Split the question, or drop choices.",
        )
    letter = isinstance(target, str) and len(target) == 1 and target in _LETTERS
    if letter and _LETTERS.index(str(target)) >= len(choices):
        raise RecordProblem(
            fields.target,
            f"field {fields.target!r} (mapped to target) is the letter {target}, but there "
            f"are only {len(choices)} choices (A to {_LETTERS[len(choices) - 1]})",
            "Fix the record's answer letter or its choices.",
        )


def repeated_choice(choices: tuple[str, ...] | None) -> str | None:
    """The first choice text that appears twice, if any (two identical options make the
    question ambiguous, though it can still be scored)."""
    seen: set[str] = set()
    for choice in choices or ():
        key = choice.strip()
        if key in seen:
            return choice
        seen.add(key)
    return None


def choice_letter(index: int, choices: tuple[str, ...], name: str) -> str:
    """The letter ("A" for 0) of a 0-based index into `choices`."""
    if 0 <= index < min(len(choices), len(_LETTERS)):
        return _LETTERS[index]
    raise RecordProblem(
        name,
        f"field {name!r} (mapped to target) is the choice index {index}, but there are "
        f"{len(choices)} choices (valid indexes 0 to {min(len(choices), len(_LETTERS)) - 1})",
        "Fix the record, or map `target` to a field holding the answer letter or text.",
    )


def _describe(value: Any) -> str:
    if isinstance(value, list):
        kinds = sorted({type_name(item) for item in value if not isinstance(item, str)})
        return f"a list holding {', '.join(kinds)}" if kinds else "list"
    if isinstance(value, float):
        return f"the non-finite number {value}"
    return type_name(value)


def _field_list(node: Mapping[str, Any]) -> str:
    return ", ".join(str(key) for key in node) or "(none)"
