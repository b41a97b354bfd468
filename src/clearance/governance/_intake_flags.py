"""Intake fields given one at a time (command-line flags, form fields), laid over an intake file.

Which flag sets which intake field is the governance layer's knowledge, not a front end's: the
CLI and the web forms hand over what the user typed and get back the intake changes to apply.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from clearance.governance._errors import GovernanceError
from clearance.governance._intake import IntakeFile, merge_intake

_FIELDS: dict[str, str] = {
    "name": "name",
    "agency": "agency",
    "office": "office",
    "purpose": "purpose_and_benefits",
    "outputs": "outputs",
    "stage": "stage",
    "principal_basis": "principal_basis",
    "domain": "decision_domain",
    "functions": "functions",
    "affected": "affected",
    "oversight": "human_oversight.level",
    "developers": "developers",
    "risk_owner": "risk_owner",
    "significant_risk": "significant_risk",
    "personal_data": "data.personal_data",
    "biometrics": "data.biometrics",
    "us_person_data": "data.us_person_data",
}
"""Each flag's intake field; ``section.field`` sets a field of a nested section."""


class IntakeFlags(BaseModel):
    """Intake fields as a user gives them one by one; ``None`` (or an empty list) means "not
    given", so only what was typed changes the intake."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    agency: str | None = None
    office: str | None = None
    purpose: str | None = None
    outputs: str | None = None
    stage: str | None = None
    principal_basis: bool | None = None
    domain: str | None = None
    functions: list[str] | None = None
    affected: list[str] | None = None
    oversight: str | None = None
    developers: list[str] | None = None
    risk_owner: str | None = None
    significant_risk: bool | None = None
    personal_data: bool | None = None
    biometrics: bool | None = None
    us_person_data: bool | None = None
    models: list[str] | None = None
    """Model specs the use relies on, as run: each becomes one of the intake's AI systems."""
    settings: list[str] | None = None
    """Any intake field as ``FIELD=VALUE`` (dotted for nested ones); values read as YAML."""

    def changes(self) -> dict[str, Any]:
        """The intake fields these flags set, nested as the intake holds them."""
        given = {
            field: getattr(self, flag)
            for flag, field in _FIELDS.items()
            if getattr(self, flag) not in (None, [])
        } | _settings(self.settings)
        nested: dict[str, Any] = {}
        for field, value in given.items():
            section, _, name = field.partition(".")
            if name:
                nested.setdefault(section, {})[name] = value
            else:
                nested[field] = value
        if self.models:
            nested["ai_systems"] = [{"name": spec, "model": spec} for spec in self.models]
        return nested


def _settings(pairs: list[str] | None) -> dict[str, Any]:
    """``FIELD=VALUE`` pairs as intake changes; values are read as YAML scalars or lists."""
    changes: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise GovernanceError(
                f"--set takes FIELD=VALUE, e.g. --set real_time=true; got {pair!r}"
            )
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            raise GovernanceError(
                f"--set {key}: {raw!r} is not a value (true, false, a word, or [a, b])"
            ) from None
        changes[key.strip()] = value
    return changes


def intake_changes(intake_file: IntakeFile | None, flags: IntakeFlags) -> dict[str, Any]:
    """The intake file's fields (if a file is given) with the flags on top: flags win, nested
    sections merge. Not yet validated: :func:`parse_intake` or the edit service does that."""
    data: dict[str, Any] = dict(intake_file.data) if intake_file else {}
    return merge_intake(data, flags.changes())
