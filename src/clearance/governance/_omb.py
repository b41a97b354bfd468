"""The 2024 OMB AI use-case inventory's columns and allowed values, pinned in a packaged data
file (``inventory/omb-2024-fields.yaml``), and a check of a CSV against them."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from clearance.spreadsheet import BannerError, without_banners

OMB_FIELDS_FILE = "omb-2024-fields.yaml"


class OmbField(BaseModel):
    """One column of the inventory."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: Literal["text", "date", "enum", "enum_list"]
    required: bool
    allowed: tuple[str, ...] = ()


class OmbSpec(BaseModel):
    """The inventory's columns, in order, with the version and digest of the file they are in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    date_format: str
    list_separator: str
    fields: tuple[OmbField, ...]
    digest: str = ""

    @property
    def columns(self) -> list[str]:
        """The column names, in order."""
        return [f.name for f in self.fields]

    def field(self, name: str) -> OmbField:
        """The column called ``name``."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"the OMB inventory has no column {name!r}")


@cache
def omb_spec() -> OmbSpec:
    """The pinned column list and allowed values (``clearance inventory fields`` prints it)."""
    content = (
        resources.files("clearance.governance").joinpath("inventory", OMB_FIELDS_FILE).read_bytes()
    )
    data = yaml.safe_load(content)
    return OmbSpec.model_validate({**data, "digest": hashlib.sha256(content).hexdigest()})


def topic_areas() -> tuple[str, ...]:
    """The inventory's topic areas."""
    return omb_spec().field("Topic Area").allowed


def check_value(spec: OmbSpec, field: OmbField, value: str) -> str | None:
    """Why ``value`` is not allowed in column ``field``, or None when it is."""
    if value == "":
        return "is required but empty" if field.required else None
    if field.kind == "enum" and value not in field.allowed:
        return f"{value!r} is not allowed; allowed: {' | '.join(field.allowed)}"
    if field.kind == "enum_list":
        parts = [part.strip() for part in value.split(spec.list_separator.strip())]
        unknown = [part for part in parts if part not in field.allowed]
        if unknown:
            return (
                f"{', '.join(map(repr, unknown))} not allowed; allowed (joined by "
                f"{spec.list_separator!r}): {' | '.join(field.allowed)}"
            )
    if field.kind == "date":
        try:
            datetime.strptime(value, spec.date_format)
        except ValueError:
            return f"{value!r} is not a date written {spec.date_format}"
    return None


def validate_omb_csv(text: str) -> list[str]:
    """Every problem with an inventory CSV: missing, extra or misordered columns, empty required
    cells, values outside the allowed ones, malformed dates, an opening banner row that does not
    close the file. Empty when it conforms. Rows are numbered from the header row (row 1),
    whether or not a banner row stands above it."""
    spec = omb_spec()
    try:
        _, table = without_banners(text)
    except BannerError as error:
        return [str(error)]
    rows = list(csv.reader(io.StringIO(table)))
    if not rows:
        return ["the file is empty: expected a header row of the inventory's columns"]
    header, body = rows[0], rows[1:]
    problems = _header_problems(spec, header)
    if problems:
        return problems
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            problems.append(f"row {line}: {len(row)} cells, expected {len(header)}")
            continue
        for field, value in zip(spec.fields, row, strict=True):
            problem = check_value(spec, field, value)
            if problem is not None:
                problems.append(f"row {line}, column {field.name!r}: {problem}")
    return problems


def _header_problems(spec: OmbSpec, header: list[str]) -> list[str]:
    expected = spec.columns
    if header == expected:
        return []
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    problems = [f"missing column {c!r}" for c in missing]
    problems += [f"unknown column {c!r} (not in {spec.name} {spec.version})" for c in extra]
    if not problems:
        problems.append("the columns are out of order; write them in the order of the spec")
    return problems
