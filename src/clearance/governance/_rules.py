"""Classification rules: a versioned, declarative YAML file of the Framework's prohibited uses,
high-impact and federal-personnel-impacting presumptions, the minimum practices each class
requires, and the terms of waivers. Each rule, practice and waiver term quotes the clause it
implements and names its place in the text.

A classification pins the file's version and SHA-256, lists every rule that fired with the
intake facts that made it fire, and every rule that was checked and did not fire with the
facts that kept it from firing: a use case learns why it is *not* prohibited as well as why
it is high-impact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from clearance.access import Marking, MarkingError
from clearance.governance._errors import RulesError
from clearance.governance._intake import UseCaseIntake, allowed_values, field_kind
from clearance.ledger import change_digest
from clearance.yamldoc import YamlDocument, YamlSyntaxError

RiskClass = Literal["prohibited", "high_impact", "federal_personnel_impacting"]
RISK_CLASSES: tuple[RiskClass, ...] = ("prohibited", "high_impact", "federal_personnel_impacting")
DEFAULT_RULES_NAME = "framework-2024.yaml"
OmbImpact = Literal["rights", "safety", "by_activity"]

_OPS = ("equals", "not_equals", "in", "not_in", "contains", "contains_any")
_OPS_BY_KIND: dict[str, tuple[str, ...]] = {
    "bool": ("equals", "not_equals"),
    "enum": ("equals", "not_equals", "in", "not_in"),
    "text": ("equals", "not_equals", "in", "not_in"),
    "enum_list": ("contains", "contains_any"),
}


@dataclass(frozen=True)
class Leaf:
    """One test of one intake field."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Group:
    """``all`` or ``any`` of several conditions."""

    op: Literal["all", "any"]
    items: tuple[Leaf | Group, ...]


Condition = Leaf | Group


def one_line(value: Any) -> Any:
    """Folded YAML text as one line: quotes are compared word for word, not line by line."""
    return " ".join(value.split()) if isinstance(value, str) else value


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


M = TypeVar("M", bound=BaseModel)
C = TypeVar("C", bound="CheckedRule")


class PracticeSpec(_Frozen):
    """A minimum practice and the classes that require it."""

    code: str = Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=64)
    title: str = Field(min_length=1, max_length=256)
    applies_to: tuple[RiskClass, ...] = Field(min_length=1)
    citation: str = Field(min_length=1)
    quote: str = Field(min_length=1)
    """The clause's exact words."""
    contents: tuple[str, ...] = ()
    """What the text says the practice's record must cover, in its words."""
    note: str = ""
    independent: bool = False
    """Must be signed by someone who is not a developer of the use case."""
    requires_verified_signature: bool = False
    """Implemented only with a verified signature of the model's weights linked as evidence (an
    agency that treats its weights as critical technical artifacts sets this in its rules)."""

    @field_validator("title", "citation", "quote", "note", mode="before")
    @classmethod
    def _single_line(cls, value: Any) -> Any:
        return one_line(value)

    @field_validator("contents", mode="before")
    @classmethod
    def _single_lines(cls, value: Any) -> Any:
        return [one_line(v) for v in value] if isinstance(value, list) else value


class WaiverCategory(_Frozen):
    """A justification the Framework accepts for waiving a practice."""

    code: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    text: str = Field(min_length=1)
    """The ground, in the Framework's words."""

    @field_validator("text", mode="before")
    @classmethod
    def _single_line(cls, value: Any) -> Any:
        return one_line(value)


class WaiverTerms(_Frozen):
    """How long a waiver may last, how soon it must be reported, and on what grounds."""

    max_days: int = Field(gt=0, le=365)
    report_within_days: int = Field(gt=0)
    citation: str = Field(min_length=1)
    quote: str = Field(min_length=1)
    categories: tuple[WaiverCategory, ...] = Field(min_length=1)

    @field_validator("quote", mode="before")
    @classmethod
    def _single_line(cls, value: Any) -> Any:
        return one_line(value)

    def category(self, code: str) -> WaiverCategory:
        """The category ``code``; the error lists the allowed ones."""
        for category in self.categories:
            if category.code == code:
                return category
        allowed = ", ".join(c.code for c in self.categories)
        raise RulesError(f"unknown waiver category {code!r}; allowed: {allowed}")


class Rule(_Frozen):
    """One prohibition or presumption, with its citation and the condition that fires it."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=32)
    risk_class: RiskClass = Field(alias="class")
    title: str = Field(min_length=1)
    citation: str = Field(min_length=1)
    """Where the clause stands: Pillar, list, item."""
    quote: str = Field(min_length=1)
    """The clause's exact words (an agency category quotes the agency's own list)."""
    note: str = ""
    omb_impact: OmbImpact
    """How the 2024 OMB inventory's rights/safety question reads this rule (``by_activity``:
    as the intake's M-24-10 Appendix I activities say)."""
    when: Any
    agency: str | None = None
    """The agency that added this category; None for the Framework's own."""
    annex: str | None = None
    """For an agency category kept off the public list: the marking of the classified annex
    that lists it, e.g. ``SECRET``."""

    @field_validator("title", "citation", "quote", "note", mode="before")
    @classmethod
    def _single_line(cls, value: Any) -> Any:
        return one_line(value)


class RuleSet(_Frozen):
    """A rules file, as read."""

    name: str = Field(min_length=1)
    version: str = Field(min_length=1, max_length=64)
    source: str = ""
    classes: dict[RiskClass, str]
    rules: tuple[Rule, ...] = Field(min_length=1)
    practices: tuple[PracticeSpec, ...] = Field(min_length=1)
    waivers: WaiverTerms

    def practice(self, code: str) -> PracticeSpec:
        """The practice ``code``; the error lists the practices."""
        for spec in self.practices:
            if spec.code == code:
                return spec
        known = ", ".join(p.code for p in self.practices)
        raise RulesError(f"unknown practice {code!r}; practices: {known}")


@dataclass(frozen=True)
class LoadedRules:
    """A rules file with its parsed conditions, where it came from and its SHA-256."""

    rules: RuleSet
    conditions: Mapping[str, Condition]
    source: str
    digest: str


class CheckedRule(BaseModel):
    """A rule that was checked and did not fire, and the intake facts that kept it quiet."""

    id: str
    risk_class: RiskClass
    title: str
    citation: str
    reasons: list[str]
    annex: str | None = None
    """The marking of the classified annex that lists this agency category, if it does."""


class FiredRule(CheckedRule):
    """A rule that fired, and the intake facts that made it fire."""

    quote: str = ""
    note: str
    omb_impact: OmbImpact


class ClassificationResult(BaseModel):
    """What the rules say about one intake."""

    classes: list[RiskClass]
    fired: list[FiredRule]
    not_fired: list[CheckedRule] = []
    """Every other rule, with why it did not fire."""
    rules_name: str
    rules_version: str
    rules_digest: str
    inputs_digest: str

    @property
    def label(self) -> str:
        """The classes as a person reads them: ``"high-impact"`` or ``"not high-impact"``."""
        return class_label(self.classes)


def class_label(classes: Sequence[str]) -> str:
    """Classes as words, ``"prohibited"``, ``"high-impact, federal-personnel-impacting"``."""
    if not classes:
        return "not high-impact"
    return ", ".join(c.replace("_", "-") for c in classes)


def inputs_digest(intake: UseCaseIntake) -> str:
    """SHA-256 of the intake's canonical JSON: what a classification and an approval pin."""
    return change_digest(intake.model_dump(mode="json"))


# -- loading ---------------------------------------------------------------------------------


def _parse_condition(raw: Any, where: str) -> Condition:
    if not isinstance(raw, Mapping):
        raise RulesError(f"{where}: a condition must be a mapping, got {raw!r}")
    groups = [key for key in ("all", "any") if key in raw]
    if groups:
        if len(raw) != 1:
            raise RulesError(f"{where}: 'all' or 'any' must stand alone in its condition")
        items = raw[groups[0]]
        if not isinstance(items, list) or not items:
            raise RulesError(f"{where}.{groups[0]}: give a non-empty list of conditions")
        parsed = tuple(
            _parse_condition(item, f"{where}.{groups[0]}[{i}]") for i, item in enumerate(items)
        )
        return Group(op="all" if groups[0] == "all" else "any", items=parsed)
    return _parse_leaf(raw, where)


def _parse_leaf(raw: Mapping[str, Any], where: str) -> Leaf:
    path = raw.get("field")
    ops = [key for key in raw if key != "field"]
    if not isinstance(path, str) or len(ops) != 1 or ops[0] not in _OPS:
        raise RulesError(
            f"{where}: a test is {{field: PATH, OP: VALUE}} with one OP of {', '.join(_OPS)} "
            "(or all/any of such tests)"
        )
    kind = field_kind(path)
    if kind is None:
        known = ", ".join(UseCaseIntake.model_fields)
        raise RulesError(f"{where}: field {path!r} is not an intake field; fields: {known}")
    op, value = ops[0], raw[ops[0]]
    if op not in _OPS_BY_KIND[kind]:
        raise RulesError(
            f"{where}: field {path!r} holds {kind.replace('_', ' ')} values; "
            f"use one of: {', '.join(_OPS_BY_KIND[kind])}"
        )
    _check_values(path, kind, op, value, where)
    return Leaf(field=path, op=op, value=tuple(value) if isinstance(value, list) else value)


def _check_values(path: str, kind: str, op: str, value: Any, where: str) -> None:
    values = value if op in ("in", "not_in", "contains_any") else [value]
    if not isinstance(values, list) or not values:
        raise RulesError(f"{where}: {op} takes a non-empty list of values")
    if kind == "bool":
        if not all(isinstance(v, bool) for v in values):
            raise RulesError(f"{where}: field {path!r} is true or false, got {value!r}")
        return
    allowed = allowed_values(path)
    if allowed is None:
        return
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise RulesError(
            f"{where}: {', '.join(map(repr, unknown))} not allowed for field {path!r}; "
            f"allowed: {', '.join(allowed)}"
        )


def parse_rules(content: bytes, source: str) -> LoadedRules:
    """Read a rules file's bytes; :class:`RulesError` names the rule and field at fault."""
    ruleset = _validated(
        RuleSet, content, source, "a rules file is a mapping with name, version and rules"
    )
    conditions = _conditions(ruleset.rules, source)
    codes = [p.code for p in ruleset.practices]
    if len(set(codes)) != len(codes):
        raise RulesError(f"{source}: practice codes must be unique")
    digest = hashlib.sha256(content).hexdigest()
    return LoadedRules(rules=ruleset, conditions=conditions, source=source, digest=digest)


def _conditions(rules: Sequence[Rule], source: str, offset: int = 0) -> dict[str, Condition]:
    conditions: dict[str, Condition] = {}
    for index, rule in enumerate(rules):
        if rule.id in conditions:
            raise RulesError(f"{source}: rule id {rule.id!r} appears twice; ids must be unique")
        where = f"{source}: rules[{index - offset}] ({rule.id})"
        conditions[rule.id] = _parse_condition(rule.when, where)
    return conditions


def _validated(model: type[M], content: bytes, source: str, what: str) -> M:
    try:
        doc = YamlDocument.parse(content.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RulesError(f"{source}: not UTF-8 text ({exc.reason})") from exc
    except YamlSyntaxError as exc:
        raise RulesError(f"{source} line {exc.line}: {exc}") from exc
    if not isinstance(doc.data, dict):
        raise RulesError(f"{source}: {what}")
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        line = doc.line_of(tuple(first["loc"]))
        raise RulesError(f"{source} line {line}: field '{where}': {first['msg']}") from None


class AgencyRules(_Frozen):
    """An agency's rules file: the categories its Department Head added to the Framework's
    lists, layered over the Framework's rules (``extends``)."""

    name: str = Field(min_length=1, max_length=64)
    version: str = Field(min_length=1, max_length=64)
    agency: str = Field(min_length=1)
    extends: str = Field(min_length=1)
    """The Framework rules file it adds to, by name (``framework-2024``)."""
    source: str = Field(min_length=1)
    """The agency's own issuance that lists the categories."""
    rules: tuple[Rule, ...] = Field(min_length=1)
    practices: tuple[PracticeSpec, ...] = ()
    """Minimum practices the agency adds for its context-specific risks (Pillar II: "including
    by adding minimum risk management practices")."""


def layer_agency_rules(content: bytes, source: str, base: LoadedRules | None = None) -> LoadedRules:
    """The Framework's rules with an agency's added categories after them. The layered file
    pins both: its version is ``<framework>+<agency>`` and its digest covers both files."""
    under = base or default_rules()
    agency = _validated(
        AgencyRules, content, source, "an agency rules file is a mapping with name and rules"
    )
    if agency.extends != under.rules.name:
        raise RulesError(
            f"{source}: extends {agency.extends!r}, but the rules in use are "
            f"{under.rules.name!r}; set extends: {under.rules.name}"
        )
    for rule in agency.rules:
        if rule.annex is not None:
            try:
                Marking.parse(rule.annex)
            except MarkingError as exc:
                raise RulesError(f"{source}: rule {rule.id}: annex: {exc}") from None
    added = tuple(r.model_copy(update={"agency": agency.agency}) for r in agency.rules)
    clash = {r.id for r in added} & {r.id for r in under.rules.rules}
    if clash:
        raise RulesError(
            f"{source}: rule ids {', '.join(sorted(clash))} are the Framework's; "
            "give agency categories their own ids (e.g. A-1)"
        )
    combined = under.rules.rules + added
    conditions = _conditions(combined, source, offset=len(under.rules.rules))
    taken = {p.code for p in under.rules.practices} & {p.code for p in agency.practices}
    if taken:
        raise RulesError(
            f"{source}: practice codes {', '.join(sorted(taken))} are the Framework's; "
            "give added practices their own codes"
        )
    ruleset = under.rules.model_copy(
        update={
            "name": f"{under.rules.name}+{agency.name}",
            "version": f"{under.rules.version}+{agency.version}",
            "source": f"{under.rules.source}; {agency.source}",
            "rules": combined,
            "practices": under.rules.practices + agency.practices,
        }
    )
    digest = hashlib.sha256(under.digest.encode() + hashlib.sha256(content).digest()).hexdigest()
    return LoadedRules(rules=ruleset, conditions=conditions, source=source, digest=digest)


def load_rules(path: str | Path | None = None) -> LoadedRules:
    """The rules file at ``path``, or the packaged Framework rules when None."""
    if path is None:
        return default_rules()
    path = Path(path).expanduser()
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the rules file: {exc.strerror}") from exc
    return parse_rules(content, str(path))


@cache
def default_rules() -> LoadedRules:
    """The packaged rules, ``rules/framework-2024.yaml``."""
    resource = resources.files("clearance.governance").joinpath("rules", DEFAULT_RULES_NAME)
    return parse_rules(resource.read_bytes(), f"<rules {DEFAULT_RULES_NAME}>")


# -- evaluation ------------------------------------------------------------------------------


def _value_at(document: Mapping[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        value = value[part]
    return value


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _listed(values: Any) -> str:
    return ", ".join(map(repr, values))


def _test(leaf: Leaf, actual: Any) -> tuple[bool, str]:
    """Whether ``leaf`` holds for ``actual``, and the fact that decided it, either way."""
    name, expected = leaf.field, leaf.value
    if leaf.op in ("equals", "not_equals"):
        same = actual == expected
        return (same if leaf.op == "equals" else not same, f"{name} is {_shown(actual)}")
    if leaf.op in ("in", "not_in"):
        inside = actual in expected
        held = inside if leaf.op == "in" else not inside
        relation = "one of" if inside else "none of"
        return (held, f"{name} is {_shown(actual)} ({relation} {', '.join(map(str, expected))})")
    if leaf.op == "contains":
        if expected in actual:
            return (True, f"{name} includes {expected!r}")
        return (False, f"{name} does not include {expected!r}")
    hits = [v for v in expected if v in actual]
    if hits:
        return (True, f"{name} includes {_listed(hits)}")
    shown = _listed(expected) if len(expected) <= 6 else f"any of its {len(expected)} listed values"
    return (False, f"{name} includes none of {shown}")


def explain(condition: Condition, document: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """Whether ``condition`` holds for the intake ``document``, with the facts that decided it:
    when it holds, the facts that made it hold; when not, the facts that kept it from holding."""
    if isinstance(condition, Leaf):
        held, reason = _test(condition, _value_at(document, condition.field))
        return (held, [reason])
    results = [explain(item, document) for item in condition.items]
    if condition.op == "all":
        held = all(h for h, _ in results)
        chosen = results if held else [r for r in results if not r[0]]
    else:
        held = any(h for h, _ in results)
        chosen = [r for r in results if r[0]] if held else results
    return (held, _unique(reason for _, reasons in chosen for reason in reasons))


def _unique(reasons: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(reasons))


def evaluate(condition: Condition, document: Mapping[str, Any]) -> list[str] | None:
    """The reasons ``condition`` holds for the intake ``document``, or None when it does not."""
    held, reasons = explain(condition, document)
    return reasons if held else None


def classify(intake: UseCaseIntake, rules: LoadedRules | None = None) -> ClassificationResult:
    """Which rules fire for ``intake``, and the classes they give, with the reasons; and for
    every rule that does not fire, the facts that kept it from firing."""
    loaded = rules or default_rules()
    document = intake.model_dump(mode="json")
    fired: list[FiredRule] = []
    checked: list[CheckedRule] = []
    for rule in loaded.rules.rules:
        held, reasons = explain(loaded.conditions[rule.id], document)
        named: dict[str, object] = {"id": rule.id, "risk_class": rule.risk_class}
        named |= {"title": rule.title, "citation": rule.citation, "reasons": reasons}
        named["annex"] = rule.annex
        if held:
            extra: dict[str, object] = {
                "quote": rule.quote,
                "note": rule.note,
                "omb_impact": rule.omb_impact,
            }
            fired.append(FiredRule.model_validate(named | extra))
        else:
            checked.append(CheckedRule.model_validate(named))
    present = {f.risk_class for f in fired}
    return ClassificationResult(
        classes=[c for c in RISK_CLASSES if c in present],
        fired=fired,
        not_fired=checked,
        rules_name=loaded.rules.name,
        rules_version=loaded.rules.version,
        rules_digest=loaded.digest,
        inputs_digest=inputs_digest(intake),
    )


def withhold_annex(result: ClassificationResult, cleared: Marking) -> ClassificationResult:
    """``result`` with the words of every classified-annex category that ``cleared`` does not
    cover withheld: its title, place, quote and the facts it turned on would tell a reader what
    the annex lists. The rule's id and class stay, so a prohibition still reads as one."""

    def shown(rule: C) -> C:
        if rule.annex is None or cleared.dominates(Marking.parse(rule.annex)):
            return rule
        hidden = (
            f"a category in the agency's classified annex ({Marking.parse(rule.annex).banner()})"
        )
        words: dict[str, object] = {"title": hidden, "citation": "classified annex"}
        words["reasons"] = ["withheld: listed in a classified annex"]
        if isinstance(rule, FiredRule):
            words |= {"quote": "", "note": ""}
        return rule.model_copy(update=words)

    return result.model_copy(
        update={
            "fired": [shown(f) for f in result.fired],
            "not_fired": [shown(c) for c in result.not_fired],
        }
    )


def practice_rank(code: str, rules: LoadedRules | None = None) -> int:
    """Where practice ``code`` comes in the rules file (unknown codes last): the order in which
    practices are listed."""
    codes = [p.code for p in (rules or default_rules()).rules.practices]
    return codes.index(code) if code in codes else len(codes)


def required_practices(
    classes: Sequence[str], rules: LoadedRules | None = None
) -> list[PracticeSpec]:
    """The practices ``classes`` require: none for a prohibited use (it cannot proceed)."""
    loaded = rules or default_rules()
    if "prohibited" in classes:
        return []
    wanted = set(classes)
    return [p for p in loaded.rules.practices if wanted.intersection(p.applies_to)]
