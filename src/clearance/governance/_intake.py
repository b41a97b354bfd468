"""Use-case intake: what an agency tells Clearance about one use of AI.

The fields draw on the Framework (what classification needs: the functions performed, whether
the output is a principal basis for decisions or controls or significantly influences them, who
is affected, the data used, the human oversight, and the facts single clauses turn on, such as
the two conditions of the collateral-damage prohibition) and on the 2024 federal AI use-case
inventory (name, agency and office, purpose and benefits, outputs, stage of development, and the
``omb`` details the inventory asks for).

Every field carries the plain-language question ``clearance usecase template`` prints beside it:
a person answers questions, and the rules read the answers.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from clearance.governance._errors import IntakeError, Location
from clearance.governance._omb import topic_areas
from clearance.yamldoc import YamlDocument, YamlSyntaxError, oversized

Stage = Literal[
    "initiated",
    "acquisition_and_development",
    "implementation_and_assessment",
    "operation_and_maintenance",
    "retired",
]
"""The 2024 inventory's stages of development."""

DecisionDomain = Literal[
    "intelligence_analysis",
    "military_operations",
    "law_enforcement",
    "counterterrorism",
    "counterintelligence_and_insider_threat",
    "immigration_and_border",
    "cybersecurity",
    "critical_infrastructure",
    "cbrn",
    "nuclear_command_and_control",
    "personnel_management",
    "security_clearance",
    "health_and_medical",
    "logistics_and_maintenance",
    "administrative",
    "research_and_development",
    "other",
]

Function = Literal[
    # functions the prohibitions and presumptions turn on
    "profiling_by_protected_activity",
    "speech_or_counsel_restriction",
    "adverse_decision_on_protected_characteristic",
    "emotion_inference",
    "sensitive_attribute_inference",
    "biometric_identification",
    "real_time_tracking",
    "threat_designation",
    "immigration_determination",
    "nuclear_employment_support",
    "intelligence_production",
    "cbrn_materials_handling",
    "cbrn_data_sources",
    "malicious_software_operation",
    "critical_infrastructure_control",
    "collateral_damage_estimation",
    "hiring_or_pay",
    "promotion_demotion_or_termination",
    "job_performance_determination",
    "security_clearance_determination",
    "workplace_monitoring",
    "discipline",
    "fitness_or_medical_determination",
    # everyday functions, for a complete description
    "bias_measurement",
    "translation",
    "summarization",
    "search_and_retrieval",
    "object_detection",
    "anomaly_detection",
    "forecasting",
    "code_generation",
    "document_processing",
    "other",
]
"""What the AI does. Pick every one that applies: classification reads them."""

FUNCTION_MEANINGS: dict[str, str] = {
    "profiling_by_protected_activity": "profiles, targets or tracks people because they speak, "
    "associate, assemble or otherwise exercise protected rights",
    "speech_or_counsel_restriction": "suppresses or burdens free speech or access to counsel",
    "adverse_decision_on_protected_characteristic": "disadvantages a person because of "
    "ethnicity, national origin, race, sex, gender, gender identity, sexual orientation, "
    "disability status or religion",
    "emotion_inference": "detects, measures or infers a person's emotional state",
    "sensitive_attribute_inference": "infers religion, ethnicity, race, sexual orientation, "
    "disability status, gender identity or political identity",
    "biometric_identification": "identifies people from biometrics (face, voice, gait, iris…)",
    "real_time_tracking": "tracks people as they move, in real time",
    "threat_designation": "classifies a person as a known or suspected terrorist, insider "
    "threat or other national security threat",
    "immigration_determination": "determines immigration classification, refuge, asylum, "
    "entry or admission to the United States",
    "nuclear_employment_support": "informs or executes decisions to initiate or terminate "
    "nuclear weapons employment",
    "intelligence_production": "produces or disseminates intelligence reports or analysis",
    "cbrn_materials_handling": "designs, develops, tests, manages or decommissions sensitive "
    "chemical, biological, radiological or nuclear materials, devices or systems",
    "cbrn_data_sources": "manages chemical or biological data sources that could be at risk of "
    "being unintentionally weaponizable",
    "malicious_software_operation": "operates or deploys malicious software (offensive cyber "
    "tools)",
    "critical_infrastructure_control": "controls safety-critical functions of critical "
    "infrastructure (grids, dams, water, transit…)",
    "collateral_damage_estimation": "estimates collateral damage or casualties, including "
    "identifying noncombatants, before kinetic action",
    "hiring_or_pay": "makes hiring decisions, including pay or benefits packages",
    "promotion_demotion_or_termination": "decides whether to promote, demote or terminate",
    "job_performance_determination": "determines job performance of government personnel",
    "security_clearance_determination": "determines eligibility for a security clearance or "
    "access to classified information",
    "workplace_monitoring": "monitors staff at work (time on task, keystrokes, surveillance)",
    "discipline": "recommends or decides disciplinary action",
    "fitness_or_medical_determination": "determines physical or mental health diagnoses or "
    "outcomes (fitness for duty) of government personnel",
}
"""What the functions the Framework's clauses turn on mean, in the words a template shows."""

Affected = Literal[
    "general_public",
    "us_persons",
    "non_us_persons",
    "service_members",
    "federal_employees",
    "job_applicants",
    "employment_offerees",
    "contractors",
    "no_individuals",
]

OversightLevel = Literal["human_decides", "human_reviews_before_action", "human_monitors", "none"]
"""``human_decides``: a person makes each decision, the AI informs it; ``human_reviews_before
_action``: a person reviews each output before anything is done with it; ``human_monitors``: a
person watches and can intervene, but outputs take effect unreviewed; ``none``."""

EmotionPurpose = Literal["none", "health_of_consenting_personnel", "other_lawful_and_justified"]

DevelopmentMethod = Literal["in_house", "contracted", "both"]

AppendixIActivity = Literal[
    # M-24-10 Appendix I, 1: purposes presumed to be safety-impacting
    "safety_critical_infrastructure_functions",
    "elections_and_voting_infrastructure",
    "robot_movement",
    "kinetic_force_or_agent_delivery",
    "autonomous_vehicle_movement",
    "hazardous_chemicals_or_biological_agents",
    "industrial_emissions_and_environment",
    "medical_device_functions",
    "weapon_or_violence_detection",
    "summoning_first_responders",
    "facility_access_and_security",
    "sanctions_and_export_enforcement",
    # M-24-10 Appendix I, 2: purposes presumed to be rights-impacting
    "limiting_protected_speech",
    "law_enforcement_assessments",
    "immigration_asylum_or_detention_assessments",
    "public_biometric_identification",
    "emotion_thought_impairment_or_deception_detection",
    "likeness_or_voice_replication",
    "education_decisions",
    "housing_decisions",
    "employment_terms_and_conditions",
    "medical_and_health_decisions",
    "financial_and_credit_decisions",
    "government_benefits_and_services",
    "binding_translation_or_interpretation",
    "child_welfare_and_custody",
]
"""The activities of OMB Memorandum M-24-10, Appendix I, which the Framework's fourth
high-impact presumption adopts. M-24-10 is not among ``../shared/references``: the labels in
:data:`APPENDIX_I` summarise its list and are not quotations."""

APPENDIX_I: dict[str, str] = {
    "safety_critical_infrastructure_functions": "safety-critical functions of dams, emergency "
    "services, electrical grids, energy, fire safety, food safety, traffic and transit, water "
    "and wastewater, or nuclear reactors, materials and waste",
    "elections_and_voting_infrastructure": "the integrity of elections and voting infrastructure",
    "robot_movement": "physical movements of robots in a workplace, school, housing, transport, "
    "medical or law-enforcement setting",
    "kinetic_force_or_agent_delivery": "applying kinetic force, delivering biological or "
    "chemical agents, or damaging electromagnetic impulses",
    "autonomous_vehicle_movement": "autonomously or semi-autonomously moving vehicles",
    "hazardous_chemicals_or_biological_agents": "the transport, safety, design or development "
    "of hazardous chemicals or biological agents",
    "industrial_emissions_and_environment": "industrial emissions and environmental impacts",
    "medical_device_functions": "medically relevant functions of medical devices",
    "weapon_or_violence_detection": "detecting dangerous weapons or a violent act",
    "summoning_first_responders": "choosing to summon first responders to an emergency",
    "facility_access_and_security": "access to or security of government facilities",
    "sanctions_and_export_enforcement": "enforcement of sanctions, trade or export controls",
    "limiting_protected_speech": "blocking, removing, hiding or limiting protected speech",
    "law_enforcement_assessments": "law-enforcement risk assessments, suspect identification, "
    "crime forecasting, surveillance, forensics, sentencing, parole or bail",
    "immigration_asylum_or_detention_assessments": "immigration, asylum or detention decisions "
    "and risk assessments, border access, migration forecasting",
    "public_biometric_identification": "one-to-many biometric identification in publicly "
    "accessible spaces",
    "emotion_thought_impairment_or_deception_detection": "detecting or measuring emotions, "
    "thought, impairment or deception",
    "likeness_or_voice_replication": "replicating a person's likeness or voice without consent",
    "education_decisions": "education: cheating detection, admissions, monitoring, discipline, "
    "access, student aid",
    "housing_decisions": "tenant screening or monitoring, home valuation, mortgages, insurance",
    "employment_terms_and_conditions": "terms or conditions of employment, screening, pay, "
    "promotion, performance, discipline, time-on-task tracking, workplace surveillance",
    "medical_and_health_decisions": "medical diagnosis or treatment, health-risk assessments, "
    "access to medication or care",
    "financial_and_credit_decisions": "loans, credit, financial-system access, audits, "
    "insurance, interest rates, financial penalties",
    "government_benefits_and_services": "access to, eligibility for or revocation of critical "
    "government services or benefits, fraud detection, penalties",
    "binding_translation_or_interpretation": "legally binding translation, or interpretation "
    "without a competent interpreter for an interaction that informs an agency decision",
    "child_welfare_and_custody": "adoption matching, child protection, custody",
}

_SAFETY_IMPACTING = frozenset(get_args(AppendixIActivity)[:12])


def appendix_i_impact(activity: str) -> Literal["safety", "rights"]:
    """Whether M-24-10 Appendix I lists ``activity`` among safety- or rights-impacting
    purposes."""
    return "safety" if activity in _SAFETY_IMPACTING else "rights"


MalwareCapability = Literal[
    "writes_or_rewrites_code_without_human_oversight",
    "spreads_autonomously",
    "damages_or_disrupts_critical_infrastructure",
]
"""What the Framework's malicious-software presumption lists."""

DemographicFeature = Literal[
    "race_ethnicity",
    "sex_gender",
    "age",
    "religious_affiliation",
    "socioeconomic_status",
    "disability_status",
    "sexual_orientation",
    "other",
]


TEXT_LIMIT = 20_000
"""The longest text an intake field takes (about ten pages): enough for any description, and a
bound on what a pasted file or a script's runaway value can put into the record."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=TEXT_LIMIT)


class AISystem(_Strict):
    """An AI system the use case relies on, with the model under test behind it."""

    name: str = Field(min_length=1, max_length=256, description="The system's name.")
    model: str | None = Field(
        default=None,
        max_length=512,
        description="The model spec as run by `clearance eval run --model SPEC`, if tested.",
    )
    """The model spec as recorded by ``clearance eval run --model SPEC``: approvals pin what it
    resolves to, and lapse when it resolves to a different model (new weights or version)."""
    vendor: str | None = Field(None, description="Who supplies it, if bought?")
    description: str = Field("", description="What it does for this use.")


class DataUse(_Strict):
    """The data the use case takes in."""

    personal_data: bool = Field(False, description="Does it take in data about individuals?")
    biometrics: bool = Field(
        False, description="Does it take in biometric data (faces, voices, fingerprints, gait)?"
    )
    biometrics_only: bool = Field(
        False, description="Do its outputs about a person rest on biometric data alone?"
    )
    us_person_data: bool = Field(False, description="Does it take in data about U.S. persons?")
    protected_characteristics_as_features: bool = Field(
        False,
        description="Does it use protected characteristics (race, sex, religion…) as inputs?",
    )
    demographic_features: tuple[DemographicFeature, ...] = Field(
        (), description="Which demographic features does it use, if any?"
    )
    description: str = Field("", description="Describe the data in a sentence or two.")


class HumanOversight(_Strict):
    """The human oversight in place."""

    level: OversightLevel = Field(
        description="Who acts on each output? human_decides: a person decides, the AI informs; "
        "human_reviews_before_action: a person reviews each output before it is used; "
        "human_monitors: outputs take effect unless a person intervenes; none."
    )
    description: str = Field("", description="Describe the oversight in a sentence or two.")


class OmbDetails(_Strict):
    """What the 2024 OMB use-case inventory asks beyond the Framework's intake."""

    topic_area: str = Field(
        "Mission-Enabling (internal agency support)",
        description="Which of the inventory's topic areas (`clearance inventory fields`)?",
    )
    date_initiated: date | None = Field(None, description="When was it initiated?")
    date_acquisition_began: date | None = Field(
        None, description="When did acquisition or development begin?"
    )
    date_implemented: date | None = Field(None, description="When was it put into use?")
    date_retired: date | None = Field(None, description="When was it retired?")
    development_method: DevelopmentMethod = Field(
        "in_house", description="Was it built in house, under contract, or both?"
    )
    contract_piids: tuple[str, ...] = Field(
        (), description="The contracts' procurement identifiers (PIIDs), if any."
    )
    supports_hisp_service: bool = Field(
        False, description="Does it support a High Impact Service Provider's public service?"
    )
    disseminates_to_public: bool = Field(
        False, description="Does it disseminate information to the public?"
    )
    saop_assessed: bool = Field(
        False, description="Has the Senior Agency Official for Privacy assessed it?"
    )
    custom_code: bool = Field(False, description="Does it involve custom-developed code?")
    has_ato: bool = Field(False, description="Does its system have an authority to operate?")
    system_name: str | None = Field(None, description="The system it is part of, if any.")

    @model_validator(mode="after")
    def _dates_in_order(self) -> OmbDetails:
        steps = [
            ("date_initiated", self.date_initiated),
            ("date_acquisition_began", self.date_acquisition_began),
            ("date_implemented", self.date_implemented),
            ("date_retired", self.date_retired),
        ]
        given = [(name, day) for name, day in steps if day is not None]
        for (before, earlier), (after, later) in itertools.pairwise(given):
            if later < earlier:
                raise ValueError(
                    f"{after} {later} is before {before} {earlier}; a use case's dates run "
                    "initiated, acquisition began, implemented, retired"
                )
        return self

    @field_validator("topic_area")
    @classmethod
    def _known_topic(cls, value: str) -> str:
        allowed = topic_areas()
        if value not in allowed:
            raise ValueError(f"{value!r} is not a topic area; allowed: {'; '.join(allowed)}")
        return value


class UseCaseIntake(_Strict):
    """One use of AI, as the agency describes it."""

    name: str = Field(min_length=1, max_length=512, description="What is the use called?")
    agency: str = Field(min_length=1, max_length=256, description="Which agency runs it?")
    office: str = Field(
        min_length=1, max_length=256, description="Which bureau, component or office runs it?"
    )
    description: str = Field(
        "",
        description="Describe the use in a sentence or two: what the AI does, for whom, where. "
        "(The annual inventory lists it.)",
    )
    purpose_and_benefits: str = Field(
        min_length=1, description="What is it for, and what do you expect to gain from it?"
    )
    outputs: str = Field(min_length=1, description="What does the AI output?")
    stage: Stage = Field(description="Where is it in its life: initiated … retired?")
    principal_basis: bool = Field(
        description="Are its outputs a principal basis for decisions or actions?"
    )
    significantly_influences: bool = Field(
        False,
        description="Even if not the principal basis, does its output control or significantly "
        "influence the outcome of what it is used for?",
    )
    real_time: bool = Field(
        False, description="Does it produce its outputs in real time, as events happen?"
    )
    decision_domain: DecisionDomain = Field(description="In which field are its outputs used?")
    functions: tuple[Function, ...] = Field(
        min_length=1, description="What does the AI do? List every function that applies."
    )
    affected: tuple[Affected, ...] = Field(
        min_length=1, description="Whom do its outputs affect? List every group that applies."
    )
    data: DataUse = DataUse()
    human_oversight: HumanOversight
    risks_and_mitigations: str = Field(
        "",
        description="What risks does the use pose, and how does the agency manage them? (The "
        "annual inventory lists both.)",
    )
    significant_risk: bool = Field(
        False,
        description="Did your own assessment find its outputs could create or exacerbate "
        "significant risks to national security, international norms, democratic values, human "
        "rights, civil rights, civil liberties, privacy or safety?",
    )
    lawful_basis_confirmed: bool = Field(
        False,
        description="Has counsel confirmed in writing a lawful and justified basis for what it "
        "does to people's rights, protected characteristics or emotional state?",
    )
    emotion_inference_purpose: EmotionPurpose = Field(
        "none",
        description="If it reads emotional states, why? none, health_of_consenting_personnel, "
        "or other_lawful_and_justified.",
    )
    subjects_consenting_government_personnel: bool = Field(
        False,
        description="Is everyone whose emotional state it reads U.S. Government personnel who "
        "consented to it?",
    )
    rigorous_testing_and_assurance: bool = Field(
        False,
        description="Has it had rigorous testing and assurance within its well-defined uses and "
        "across its entire lifecycle?",
    )
    trained_personnel_oversight: bool = Field(
        False,
        description="Is it overseen by trained personnel who are responsible for its estimates "
        "and exercise appropriate judgment and care?",
    )
    reports_solely_from_ai: bool = Field(
        False,
        description="Does it produce and disseminate reports or analysis based solely on AI "
        "outputs, with no person's analysis in between?",
    )
    sole_means_finished_intelligence: bool = Field(
        False,
        description="Is AI the sole means of producing and disseminating finished intelligence "
        "analysis?",
    )
    ai_disclosed_to_recipients: bool = Field(
        False,
        description="Do the reports it disseminates carry warnings that let readers recognise "
        "they are based solely on AI outputs?",
    )
    appendix_i_activities: tuple[AppendixIActivity, ...] = Field(
        (),
        description="Does it control or significantly influence any activity listed in OMB "
        "M-24-10 Appendix I? List each one.",
    )
    occurs_in_united_states: bool = Field(
        False, description="Does it operate in the United States?"
    )
    impacts_us_persons: bool = Field(False, description="Does it impact U.S. persons?")
    bears_on_immigration: bool = Field(
        False,
        description="Does it bear on immigration processes or other entry or admission into "
        "the United States?",
    )
    malware_capabilities: tuple[MalwareCapability, ...] = Field(
        (),
        description="If it operates or deploys malicious software, is that software designed to "
        "let AI do any of these? List each one.",
    )
    significant_effect_on_personnel: bool = Field(
        False,
        description="Could a decision or action its output is a significant basis for have a "
        "legal, material, binding or similarly significant effect on an individual service "
        "member, federal civilian employee, or someone offered a federal job?",
    )
    ai_systems: tuple[AISystem, ...] = Field(
        (), description="Which AI systems does it use, and which model stands behind each?"
    )
    developers: tuple[str, ...] = Field(
        (),
        description="Who developed it (principal ids)? They may not sign its independent "
        "evaluation.",
    )
    risk_owner: str | None = Field(None, description="Who owns its risk (a principal id)?")
    omb: OmbDetails = OmbDetails()

    def model_specs(self) -> list[str]:
        """The model specs of the AI systems, in order, without repeats."""
        return list(dict.fromkeys(s.model for s in self.ai_systems if s.model))


INTAKE_FIELDS: tuple[str, ...] = tuple(UseCaseIntake.model_fields)

_ALLOWED: dict[str, tuple[str, ...]] = {
    "stage": get_args(Stage),
    "decision_domain": get_args(DecisionDomain),
    "functions": get_args(Function),
    "affected": get_args(Affected),
    "human_oversight.level": get_args(OversightLevel),
    "emotion_inference_purpose": get_args(EmotionPurpose),
    "appendix_i_activities": get_args(AppendixIActivity),
    "malware_capabilities": get_args(MalwareCapability),
    "omb.development_method": get_args(DevelopmentMethod),
    "data.demographic_features": get_args(DemographicFeature),
}


def allowed_values(path: str) -> tuple[str, ...] | None:
    """The allowed values of an enumerated intake field (dotted path), or None if free."""
    return _ALLOWED.get(path)


def field_kind(path: str) -> Literal["bool", "enum", "enum_list", "text"] | None:
    """What kind of value the intake field at ``path`` holds, or None when there is no such
    field. Classification rules are checked against this when they are loaded."""
    model: type[BaseModel] = UseCaseIntake
    parts = path.split(".")
    for position, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if position == len(parts) - 1:
                return None
            model = annotation
            continue
        if position != len(parts) - 1:
            return None
        if annotation is bool:
            return "bool"
        if path in _ALLOWED:
            return "enum_list" if str(annotation).startswith("tuple") else "enum"
        return "text"
    return None


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _problem(error: Mapping[str, Any]) -> str:
    where = _location(tuple(error["loc"]))
    kind = error["type"]
    if kind == "missing":
        return f"field '{where}' is required"
    if kind == "extra_forbidden":
        parent = ".".join(str(p) for p in error["loc"][:-1] if not isinstance(p, int))
        known = _fields_of(parent)
        return f"field '{where}' is not an intake field; fields here: {', '.join(known)}"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"field '{where}': {error['input']!r} is not allowed; allowed: {expected}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"field '{where}': {message}"


def _fields_of(parent: str) -> list[str]:
    model: type[BaseModel] = UseCaseIntake
    for part in [p for p in parent.split(".") if p]:
        field = model.model_fields.get(part)
        annotation = field.annotation if field else None
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        elif part == "ai_systems":
            model = AISystem
    return list(model.model_fields)


def parse_intake(data: Mapping[str, Any], source: str = "intake") -> UseCaseIntake:
    """Validate an intake document; :class:`IntakeError` lists every problem by field."""
    if not isinstance(data, Mapping):
        raise IntakeError(source, [f"an intake must be a mapping of fields, got {type(data)}"])
    try:
        return UseCaseIntake.model_validate(dict(data))
    except ValidationError as exc:
        causes = _root_causes(exc.errors())
        raise IntakeError(
            source, [_problem(e) for e in causes], [tuple(e["loc"]) for e in causes]
        ) from None


def _root_causes(errors: list[Any]) -> list[Any]:
    """The errors without "too short" on a list whose items were themselves rejected: that one
    only echoes the others."""
    rejected_lists = {tuple(e["loc"][:-1]) for e in errors if isinstance(e["loc"][-1], int)}
    return [
        e for e in errors if not (e["type"] == "too_short" and tuple(e["loc"]) in rejected_lists)
    ]


@dataclass(frozen=True)
class IntakeFile:
    """An intake file's mapping (not yet validated), and where each of its fields stands."""

    source: str
    data: dict[str, Any]
    document: YamlDocument

    def line_of(self, location: Location) -> int | None:
        """The line of the field at ``location``, or None when the file does not have it."""
        if self.document.node_at(location) is None:
            return None
        return self.document.line_of(location)

    def located(self, error: IntakeError) -> IntakeError:
        """``error`` with each problem about a field of this file led by its line."""
        return error.at_lines(self.source, self.line_of)


def read_intake_file(path: str | Path) -> dict[str, Any]:
    """The mapping in a YAML or JSON intake file (not yet validated)."""
    return read_intake_document(path).data


def read_intake_document(path: str | Path) -> IntakeFile:
    """A YAML or JSON intake file, remembering the line of each field so that a problem found
    when the intake is validated can name the line to fix."""
    path = Path(path).expanduser()
    too_large = oversized(path)
    if too_large is not None:
        raise IntakeError(str(path), [too_large])
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise IntakeError(str(path), ["no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IntakeError(str(path), [f"cannot read the file: {exc}"]) from exc
    try:
        if path.suffix.lower() == ".json":
            json.loads(text)  # JSON's own errors name JSON's mistakes
        document = YamlDocument.parse(text)
    except json.JSONDecodeError as exc:
        raise IntakeError(str(path), [f"line {exc.lineno}: not valid JSON: {exc.msg}"]) from None
    except RecursionError:
        raise IntakeError(str(path), ["the JSON is nested too deeply to read"]) from None
    except YamlSyntaxError as exc:
        raise IntakeError(str(path), [f"line {exc.line}: {exc}"]) from None
    if not isinstance(document.data, dict):
        raise IntakeError(str(path), ["the file must hold a mapping of intake fields"])
    return IntakeFile(source=str(path), data=document.data, document=document)


def merge_intake(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` applied; nested mappings (data, human_oversight, omb) merge."""
    merged = dict(base)
    for key, value in changes.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = merge_intake(current, value)
        else:
            merged[key] = value
    return merged
