"""The use-case intake form: its choices come from the intake model, and what it posts becomes
an intake mapping that the service validates exactly as it validates an intake file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData

from clearance.governance import allowed_values

INTAKE_CHOICES: Mapping[str, tuple[str, ...]] = {
    path: allowed_values(path) or ()
    for path in ("stage", "decision_domain", "functions", "affected", "human_oversight.level")
}

_TEXT = (
    "name",
    "agency",
    "office",
    "purpose_and_benefits",
    "outputs",
    "stage",
    "decision_domain",
    "risk_owner",
)
_FLAGS = ("principal_basis", "significant_risk", "lawful_basis_confirmed")


def intake_from_form(form: FormData) -> tuple[dict[str, Any], str]:
    """The intake mapping and the marking text the form posted. Fields left empty are left out,
    so the service names each missing one."""
    intake: dict[str, Any] = {}
    for key in _TEXT:
        value = _text(form, key)
        if value:
            intake[key] = value
    for key in _FLAGS:
        intake[key] = _text(form, key) in ("on", "true", "yes")
    for key in ("functions", "affected"):
        intake[key] = [str(v) for v in form.getlist(key) if str(v)]
    oversight = _text(form, "human_oversight.level")
    if oversight:
        intake["human_oversight"] = {"level": oversight}
    system, model = _text(form, "ai_system.name"), _text(form, "ai_system.model")
    if system:
        intake["ai_systems"] = [{"name": system, **({"model": model} if model else {})}]
    developers = [d.strip() for d in _text(form, "developers").split(",") if d.strip()]
    if developers:
        intake["developers"] = developers
    return intake, _text(form, "marking") or "UNCLASSIFIED"


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""
