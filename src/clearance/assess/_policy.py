"""Threshold policies: a versioned YAML file of what a result must not reach, and why.

A policy names, per benchmark or per domain, the metric it reads, the direction of concern, the
threshold, a severity tier and the rationale. Its digest (SHA-256 of the file's bytes, so
``sha256sum`` agrees) is recorded with every finding and mitigation that used it.
"""

from __future__ import annotations

import difflib
import hashlib
import math
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from clearance.errors import ClearanceError
from clearance.suites import benchmarks
from clearance.tasks import is_proportion
from clearance.vocabulary import DOMAINS, Direction, Domain
from clearance.yamldoc import YamlDocument, YamlSyntaxError, oversized

""""above": exceeding means the interval lies wholly above the threshold (a hazard capability);
"below": wholly below it (a refusal rate that should stay high)."""
Severity = Literal["low", "moderate", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)

DEFAULT_POLICY_NAME = "default.yaml"


class PolicyError(ClearanceError, ValueError):
    """A policy that cannot be used; the message names the file, line and field."""

    def __init__(self, source: str, line: int | None, field: str | None, message: str) -> None:
        where = source + (f" line {line}" if line else "")
        what = f"field '{field}': " if field else ""
        super().__init__(f"{where}: {what}{message}")
        self.source, self.line, self.field = source, line, field


class Threshold(BaseModel):
    """One line the policy draws: a metric of a benchmark (or of every benchmark in a domain)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    domain: Domain | None = None
    benchmark: str | None = None
    metric: str = Field(min_length=1)
    """A key of the run's metrics, e.g. ``accuracy`` or ``refusal/accuracy``."""
    direction: Direction
    threshold: float
    severity: Severity
    rationale: str = Field(min_length=20)
    """Why this line is drawn here, in words a reader of the annual report can weigh."""

    @field_validator("threshold")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("the threshold must be a finite number such as 0.6")
        return value

    @field_validator("benchmark")
    @classmethod
    def _known_benchmark(cls, value: str | None) -> str | None:
        if value is None:
            return value
        names = [b.name for b in benchmarks()]
        if value not in names:
            close = difflib.get_close_matches(value, names, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "`clearance suite list`"
            raise ValueError(f"no benchmark {value!r} in the catalogue; {hint}")
        return value

    @field_validator("rationale")
    @classmethod
    def _written(cls, value: str) -> str:
        if len(value.split()) < 4:
            raise ValueError("write the rationale as a sentence or more: why this threshold")
        return value.strip()

    @model_validator(mode="after")
    def _in_range(self) -> Threshold:
        # A proportion (accuracy, any *_rate) lies in [0, 1]: a threshold of 7 could never be
        # crossed, so every finding would read "below" whatever the model did.
        if is_proportion(self.metric) and not 0.0 <= self.threshold <= 1.0:
            raise ValueError(
                f"{self.metric} is a proportion from 0 to 1, so a threshold of "
                f"{self.threshold:g} can never be crossed; write it as a fraction, e.g. 0.6"
            )
        return self

    @model_validator(mode="after")
    def _one_scope(self) -> Threshold:
        if (self.domain is None) == (self.benchmark is None):
            raise ValueError(
                "give exactly one of 'domain' (one of: "
                f"{', '.join(DOMAINS)}) or 'benchmark' (a catalogue benchmark name)"
            )
        return self

    @property
    def scope(self) -> str:
        """``domain cyber`` or ``benchmark wmdp-cyber``: what the threshold applies to."""
        return f"domain {self.domain}" if self.domain else f"benchmark {self.benchmark}"

    @property
    def better(self) -> Literal["lower", "higher"]:
        """Which way a mitigation should move the metric: away from the threshold's concern."""
        return "lower" if self.direction == "above" else "higher"


class AdequacyLimits(BaseModel):
    """When a method's figures are flagged as a weakness of the assessment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_error_rate: float = Field(default=0.05, ge=0, le=1)
    max_extraction_failure_rate: float = Field(default=0.05, ge=0, le=1)
    max_detectable_effect: float = Field(default=0.10, gt=0, le=1)
    """A sample that cannot detect a true difference this large from the threshold is too small."""
    min_kappa: float = Field(default=0.6, ge=-1, le=1)
    """Cohen's kappa below this means a model-graded scorer disagrees with people too often."""


class Policy(BaseModel):
    """A versioned set of thresholds, with the significance and power its statistics use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    description: str | None = None
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    """Significance level for mitigation efficacy (after Holm's correction)."""
    power: float = Field(default=0.8, ge=0.5, lt=1)
    """Target power for the minimum detectable effect and the sample sizes advised."""
    adequacy: AdequacyLimits = Field(default_factory=AdequacyLimits)
    thresholds: list[Threshold] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        # YAML reads `version: 2025.1` as a float; the version is a label, so keep its text.
        return (
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )

    def for_domain(self, domain: str) -> list[Threshold]:
        """Thresholds scoped to ``domain`` as a whole."""
        return [t for t in self.thresholds if t.domain == domain]

    def for_benchmark(self, benchmark: str) -> list[Threshold]:
        """Thresholds scoped to one benchmark by name."""
        return [t for t in self.thresholds if t.benchmark == benchmark]

    def get(self, threshold_id: str) -> Threshold:
        """The threshold with this id; the error lists the ids there are."""
        for t in self.thresholds:
            if t.id == threshold_id:
                return t
        known = ", ".join(t.id for t in self.thresholds)
        raise LookupError(f"policy {self.name} has no threshold {threshold_id!r}; it has: {known}")


class LoadedPolicy(BaseModel):
    """A policy with where it came from and the digest of its exact bytes."""

    model_config = ConfigDict(frozen=True)

    policy: Policy
    source: str
    digest: str
    """SHA-256 (hex) of the policy file's bytes."""


def _field_name(loc: tuple[int | str, ...], data: Any) -> str:
    """``thresholds[2].metric`` (with the threshold's id when it has one)."""
    parts: list[str] = []
    for key in loc:
        if isinstance(key, int):
            parts[-1] += f"[{key}]"
        else:
            parts.append(str(key))
    name = ".".join(parts)
    if len(loc) >= 2 and loc[0] == "thresholds" and isinstance(loc[1], int):
        items = data.get("thresholds") if isinstance(data, dict) else None
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            name += f" (threshold {item['id']!r})"
    return name


def _validation_error(source: str, exc: ValidationError, doc: YamlDocument) -> PolicyError:
    err = exc.errors()[0]
    # Model-level checks report under a synthetic location; strip pydantic's markers.
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    message = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "not a policy field; check the spelling (fields: see `clearance policy show`)"
    return PolicyError(source, doc.line_of(loc), _field_name(loc, doc.data) or None, message)


def _duplicate_ids(source: str, policy: Policy, doc: YamlDocument) -> None:
    seen: dict[str, int] = {}
    for index, t in enumerate(policy.thresholds):
        if t.id in seen:
            loc: tuple[int | str, ...] = ("thresholds", index, "id")
            raise PolicyError(
                source,
                doc.line_of(loc),
                f"thresholds[{index}].id",
                f"id {t.id!r} is already used by thresholds[{seen[t.id]}]; give each its own id",
            )
        seen[t.id] = index


def parse_policy(content: bytes, source: str) -> LoadedPolicy:
    """Read policy YAML ``content``; errors name ``source``, the line and the field."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(source, None, None, f"not UTF-8 text ({exc.reason})") from exc
    try:
        doc = YamlDocument.parse(text)
    except YamlSyntaxError as exc:
        raise PolicyError(source, exc.line, None, str(exc)) from exc
    data = doc.data
    if not isinstance(data, dict):
        raise PolicyError(
            source, 1, None, "a policy must be a mapping with name, version and thresholds"
        )
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(source, exc, doc) from exc
    _duplicate_ids(source, policy, doc)
    return LoadedPolicy(policy=policy, source=source, digest=hashlib.sha256(content).hexdigest())


def load_policy(path: str | Path | None = None) -> LoadedPolicy:
    """The policy in the YAML file at ``path``, or the packaged default policy when None."""
    if path is None:
        return default_policy()
    path = Path(path).expanduser()
    too_large = oversized(path)
    if too_large is not None:
        raise PolicyError(str(path), None, None, too_large)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError(str(path), None, None, "no such policy file") from None
    except OSError as exc:
        raise PolicyError(str(path), None, None, f"cannot read the file: {exc.strerror}") from exc
    return parse_policy(content, str(path))


def default_policy() -> LoadedPolicy:
    """The policy shipped with Clearance (``clearance policy show`` prints it)."""
    resource = resources.files("clearance.assess").joinpath("policies", DEFAULT_POLICY_NAME)
    return parse_policy(resource.read_bytes(), f"<default policy {DEFAULT_POLICY_NAME}>")
