"""Classification, table-driven over use cases written by the team: every rule fires where it
should, and the near misses beside each rule fire nothing they should not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from governance_people import ADMIN, CAIO, DEVELOPER, base_intake

from clearance.access import LOCAL_ADMIN, AccessDenied
from clearance.governance import (
    GovernanceError,
    RulesError,
    UseCaseIntake,
    add_use_case,
    classify,
    classify_use_case,
    default_rules,
    edit_use_case,
    load_rules,
    merge_intake,
    parse_intake,
    parse_rules,
    show_use_case,
)
from clearance.store import Store

_CLASS_OF = {"P": "prohibited", "H": "high_impact", "FP": "federal_personnel_impacting"}

BASIS = {"principal_basis": True}
INFLUENCES = {"significantly_influences": True}
NO_HUMAN = {"human_oversight": {"level": "none"}}
STAFF = {"affected": ["federal_employees"]}
TROOPS = {"affected": ["service_members"]}
BOTH_CONDITIONS = {"rigorous_testing_and_assurance": True, "trained_personnel_oversight": True}
ONLY_BIOMETRICS = {"data": {"biometrics": True, "biometrics_only": True}}

# (case, changes to the base intake, the rules that must fire and no others). Each case is a
# use the Framework's text decides: one or more per prohibition, presumption and personnel
# item, and beside each the near miss that differs in the one fact the clause turns on.
CASES: list[tuple[str, dict[str, Any], set[str]]] = [
    ("plain translation", {}, set()),
    (
        "everyday summarisation that decides nothing",
        {**BASIS, "functions": ["summarization", "search_and_retrieval"]},
        set(),
    ),
    # -- Pillar I, Prohibited AI Use Cases ----------------------------------------------------
    ("P-1 profiling protesters", {"functions": ["profiling_by_protected_activity"]}, {"P-1"}),
    (
        "near miss P-1: flagging posts that threaten violence, not protected expression",
        {"functions": ["anomaly_detection"], "affected": ["general_public"]},
        set(),
    ),
    ("P-2 burdening speech", {"functions": ["speech_or_counsel_restriction"]}, {"P-2"}),
    (
        "near miss P-2: a restriction counsel confirmed lawful",
        {"functions": ["speech_or_counsel_restriction"], "lawful_basis_confirmed": True},
        set(),
    ),
    (
        "P-3 adverse decisions on a protected characteristic",
        {"functions": ["adverse_decision_on_protected_characteristic"]},
        {"P-3"},
    ),
    (
        "near miss P-3: protected characteristics used only to measure bias",
        {
            "functions": ["bias_measurement"],
            "data": {"protected_characteristics_as_features": True},
        },
        set(),
    ),
    ("P-4 emotion inference with no reason", {"functions": ["emotion_inference"]}, {"P-4"}),
    (
        "P-4 the health reason claimed, but the subjects are not shown to be consenting staff",
        {
            **STAFF,
            "functions": ["emotion_inference"],
            "emotion_inference_purpose": "health_of_consenting_personnel",
        },
        {"P-4"},
    ),
    (
        "P-4 the health reason for consenting staff, but the public is read too",
        {
            "affected": ["federal_employees", "general_public"],
            "functions": ["emotion_inference"],
            "emotion_inference_purpose": "health_of_consenting_personnel",
            "subjects_consenting_government_personnel": True,
        },
        {"P-4"},
    ),
    (
        "P-4 another reason, self-attested, no counsel",
        {
            "functions": ["emotion_inference"],
            "emotion_inference_purpose": "other_lawful_and_justified",
        },
        {"P-4"},
    ),
    (
        "near miss P-4: wellbeing support for consenting government personnel",
        {
            **TROOPS,
            "functions": ["emotion_inference"],
            "emotion_inference_purpose": "health_of_consenting_personnel",
            "subjects_consenting_government_personnel": True,
        },
        set(),
    ),
    (
        "near miss P-4: another reason counsel confirmed lawful and justified",
        {
            "functions": ["emotion_inference"],
            "emotion_inference_purpose": "other_lawful_and_justified",
            "lawful_basis_confirmed": True,
        },
        set(),
    ),
    (
        "P-5 religion inferred from face images alone",
        {**ONLY_BIOMETRICS, "functions": ["sensitive_attribute_inference"]},
        {"P-5"},
    ),
    (
        "near miss P-5: attribute inference not from biometrics alone",
        {"functions": ["sensitive_attribute_inference"], "data": {"biometrics": True}},
        set(),
    ),
    (
        "P-6 casualty estimates before a strike, neither condition met",
        {"functions": ["collateral_damage_estimation"], "decision_domain": "military_operations"},
        {"P-6"},
    ),
    (
        "P-6 casualty estimates, tested and assured but no trained personnel overseeing",
        {"functions": ["collateral_damage_estimation"], "rigorous_testing_and_assurance": True},
        {"P-6"},
    ),
    (
        "P-6 casualty estimates, trained overseers but no lifecycle testing and assurance",
        {"functions": ["collateral_damage_estimation"], "trained_personnel_oversight": True},
        {"P-6"},
    ),
    (
        "near miss P-6: both conditions met, estimates advisory",
        {**BOTH_CONDITIONS, "functions": ["collateral_damage_estimation"]},
        set(),
    ),
    (
        "near miss P-6: both conditions met, a principal basis with significant risk found",
        {
            **BASIS,
            **BOTH_CONDITIONS,
            "functions": ["collateral_damage_estimation"],
            "significant_risk": True,
        },
        {"H-0"},
    ),
    (
        "P-7 asylum decided by AI alone",
        {**BASIS, **NO_HUMAN, "functions": ["immigration_determination"]},
        {"P-7", "H-3"},
    ),
    (
        "near miss P-7 (H-3): asylum recommendation a human decides",
        {**BASIS, "functions": ["immigration_determination"]},
        {"H-3"},
    ),
    (
        "P-8 situation reports written by AI alone, unlabelled",
        {"functions": ["summarization"], "reports_solely_from_ai": True},
        {"P-8"},
    ),
    (
        "near miss P-8: the same reports, warning readers they rest solely on AI",
        {
            "functions": ["summarization"],
            "reports_solely_from_ai": True,
            "ai_disclosed_to_recipients": True,
        },
        set(),
    ),
    (
        "P-8 and H-7: finished intelligence from AI alone, unlabelled",
        {**NO_HUMAN, "functions": ["intelligence_production"]},
        {"P-8", "H-7"},
    ),
    (
        "near miss P-8 (H-7): AI as sole means of finished intelligence, with warnings",
        {
            "functions": ["intelligence_production"],
            "sole_means_finished_intelligence": True,
            "ai_disclosed_to_recipients": True,
        },
        {"H-7"},
    ),
    (
        "P-9 nuclear employment support, a human only monitoring",
        {
            "functions": ["nuclear_employment_support"],
            "human_oversight": {"level": "human_monitors"},
        },
        {"P-9"},
    ),
    (
        "near miss P-9: nuclear support with a human reviewing before action",
        {
            "functions": ["nuclear_employment_support"],
            "human_oversight": {"level": "human_reviews_before_action"},
        },
        set(),
    ),
    # -- Pillar I, High-Impact AI Use Cases ---------------------------------------------------
    (
        "H-0 principal basis and a significant risk found",
        {**BASIS, "significant_risk": True},
        {"H-0"},
    ),
    ("near miss H-0: significant risk, advisory only", {"significant_risk": True}, set()),
    (
        "H-1 identifying suspects in real time from faces alone, for arrests",
        {
            **BASIS,
            **ONLY_BIOMETRICS,
            "functions": ["biometric_identification"],
            "real_time": True,
            "decision_domain": "law_enforcement",
        },
        {"H-1"},
    ),
    (
        "H-1 tracking (not identifying) by gait in real time, significantly influencing a raid",
        {
            **INFLUENCES,
            **ONLY_BIOMETRICS,
            "functions": ["real_time_tracking"],
            "decision_domain": "military_operations",
        },
        {"H-1"},
    ),
    (
        "near miss H-1: after-the-fact biometric identification",
        {
            **BASIS,
            **ONLY_BIOMETRICS,
            "functions": ["biometric_identification"],
            "decision_domain": "law_enforcement",
        },
        set(),
    ),
    (
        "near miss H-1: real-time identification from faces and travel records together",
        {
            **BASIS,
            "functions": ["biometric_identification"],
            "real_time": True,
            "decision_domain": "law_enforcement",
            "data": {"biometrics": True},
        },
        set(),
    ),
    (
        "near miss H-1: real-time biometric tracking of depot drivers for logistics",
        {
            **BASIS,
            **ONLY_BIOMETRICS,
            "functions": ["real_time_tracking"],
            "decision_domain": "logistics_and_maintenance",
        },
        set(),
    ),
    (
        "H-2 threat designation a human decides",
        {**BASIS, "functions": ["threat_designation"], "decision_domain": "counterterrorism"},
        {"H-2"},
    ),
    (
        "H-2 threat designation by AI alone is high-impact, not a prohibition",
        {**BASIS, **NO_HUMAN, "functions": ["threat_designation"]},
        {"H-2"},
    ),
    (
        "near miss H-2: threat leads that neither decide nor significantly influence anything",
        {"functions": ["threat_designation"]},
        set(),
    ),
    (
        "H-4 benefits-fraud detection in the United States (M-24-10 Appendix I)",
        {
            **BASIS,
            "functions": ["anomaly_detection"],
            "appendix_i_activities": ["government_benefits_and_services"],
            "occurs_in_united_states": True,
        },
        {"H-4"},
    ),
    (
        "H-4 grid switching that impacts U.S. persons",
        {
            **BASIS,
            "functions": ["critical_infrastructure_control"],
            "decision_domain": "critical_infrastructure",
            "appendix_i_activities": ["safety_critical_infrastructure_functions"],
            "affected": ["us_persons"],
        },
        {"H-4"},
    ),
    (
        "H-4 visa-applicant risk scoring abroad that bears on entry",
        {
            **INFLUENCES,
            "functions": ["forecasting"],
            "appendix_i_activities": ["immigration_asylum_or_detention_assessments"],
            "bears_on_immigration": True,
        },
        {"H-4"},
    ),
    (
        "near miss H-4: autonomous convoy vehicles overseas, no U.S. persons, no immigration",
        {
            **BASIS,
            "functions": ["object_detection"],
            "decision_domain": "logistics_and_maintenance",
            "appendix_i_activities": ["autonomous_vehicle_movement"],
        },
        set(),
    ),
    (
        "near miss H-4: in the United States, but no Appendix I activity",
        {**BASIS, "functions": ["document_processing"], "occurs_in_united_states": True},
        set(),
    ),
    (
        "H-5 handling chemical agents, AI significantly influencing",
        {**INFLUENCES, "functions": ["cbrn_materials_handling"], "decision_domain": "cbrn"},
        {"H-5"},
    ),
    (
        "H-5 managing biological data sources",
        {**BASIS, "functions": ["cbrn_data_sources"], "decision_domain": "cbrn"},
        {"H-5"},
    ),
    (
        "near miss H-5: a CBRN reading list that influences nothing",
        {"functions": ["cbrn_data_sources"], "decision_domain": "cbrn"},
        set(),
    ),
    (
        "H-6 self-propagating offensive cyber tool",
        {
            **BASIS,
            "functions": ["malicious_software_operation"],
            "decision_domain": "cybersecurity",
            "malware_capabilities": ["spreads_autonomously"],
        },
        {"H-6"},
    ),
    (
        "H-6 malware whose AI rewrites its own code without human oversight",
        {
            **INFLUENCES,
            "functions": ["malicious_software_operation", "code_generation"],
            "malware_capabilities": ["writes_or_rewrites_code_without_human_oversight"],
        },
        {"H-6"},
    ),
    (
        "near miss H-6: an operator-driven implant with none of the listed capabilities",
        {
            **BASIS,
            "functions": ["malicious_software_operation"],
            "decision_domain": "cybersecurity",
        },
        set(),
    ),
    (
        "H-7 AI as the sole means of finished intelligence, warned",
        {"sole_means_finished_intelligence": True, "ai_disclosed_to_recipients": True},
        {"H-7"},
    ),
    (
        "near miss H-7: AI drafts, analysts review before dissemination",
        {
            **BASIS,
            "functions": ["intelligence_production"],
            "human_oversight": {"level": "human_reviews_before_action"},
        },
        set(),
    ),
    # -- Pillar I, AI Use Cases Impacting Federal Personnel ------------------------------------
    (
        "FP-0 duty assignments with a binding effect on service members",
        {
            **BASIS,
            **TROOPS,
            "functions": ["document_processing"],
            "significant_effect_on_personnel": True,
        },
        {"FP-0"},
    ),
    (
        "FP-0 relocation terms for people offered a job, significantly influenced",
        {
            **INFLUENCES,
            "affected": ["employment_offerees"],
            "functions": ["forecasting"],
            "significant_effect_on_personnel": True,
        },
        {"FP-0"},
    ),
    (
        "near miss FP-0: a significant effect, but on contractors' staff",
        {
            **BASIS,
            "affected": ["contractors"],
            "functions": ["document_processing"],
            "significant_effect_on_personnel": True,
        },
        set(),
    ),
    (
        "near miss FP-0: staff affected, nothing significant turns on it",
        {**BASIS, **STAFF, "functions": ["search_and_retrieval"]},
        set(),
    ),
    (
        "FP-1 résumé screening for federal jobs",
        {**BASIS, "functions": ["hiring_or_pay"], "affected": ["job_applicants"]},
        {"FP-1"},
    ),
    (
        "near miss FP-1: screening a contractor's own staff",
        {**BASIS, "functions": ["hiring_or_pay"], "affected": ["contractors"]},
        set(),
    ),
    (
        "FP-2 promotion board ranking",
        {**BASIS, **TROOPS, "functions": ["promotion_demotion_or_termination"]},
        {"FP-2"},
    ),
    (
        "near miss FP-2: promotion statistics nobody decides on",
        {**TROOPS, "functions": ["promotion_demotion_or_termination"]},
        set(),
    ),
    (
        "FP-3 performance ratings of civilian staff",
        {**BASIS, **STAFF, "functions": ["job_performance_determination"]},
        {"FP-3"},
    ),
    (
        "FP-3 mental-health screening outcomes for service members",
        {**INFLUENCES, **TROOPS, "functions": ["fitness_or_medical_determination"]},
        {"FP-3"},
    ),
    (
        "near miss FP-3: health outcomes for members of the public",
        {
            **BASIS,
            "affected": ["general_public"],
            "functions": ["fitness_or_medical_determination"],
        },
        set(),
    ),
    # Categories the old rules invented and the Framework does not list: an agency may add them
    # (see test_agency_rules), the default set does not.
    (
        "not in the Framework: clearance adjudication",
        {**BASIS, **STAFF, "functions": ["security_clearance_determination"]},
        set(),
    ),
    (
        "not in the Framework: keystroke monitoring",
        {**BASIS, **STAFF, "functions": ["workplace_monitoring"]},
        set(),
    ),
    # several at once
    (
        "hiring with a significant risk found",
        {
            **BASIS,
            "functions": ["hiring_or_pay"],
            "affected": ["job_applicants"],
            "significant_risk": True,
        },
        {"H-0", "FP-1"},
    ),
    (
        "insider-threat designation from performance data",
        {**BASIS, **STAFF, "functions": ["threat_designation", "job_performance_determination"]},
        {"H-2", "FP-3"},
    ),
]


def _intake(changes: dict[str, Any]) -> UseCaseIntake:
    return parse_intake(merge_intake(base_intake(), changes))


@pytest.mark.parametrize(("case", "changes", "expected"), CASES, ids=[c[0] for c in CASES])
def test_exactly_the_expected_rules_fire(
    case: str, changes: dict[str, Any], expected: set[str]
) -> None:
    result = classify(_intake(changes))
    assert {f.id for f in result.fired} == expected, case
    assert set(result.classes) == {_CLASS_OF[rule.split("-")[0]] for rule in expected}
    for fired in result.fired:
        assert fired.reasons, f"{fired.id} fired without saying why"
        assert fired.citation.startswith("Framework, Pillar I,")
        assert fired.quote
    assert {c.id for c in result.not_fired} | expected == {
        r.id for r in default_rules().rules.rules
    }
    for checked in result.not_fired:
        assert checked.reasons, f"{checked.id} did not fire and did not say why"


def test_the_table_covers_every_rule_with_near_misses() -> None:
    fired = set().union(*(expected for _, _, expected in CASES))
    near_misses = [c for c, _, _ in CASES if c.startswith("near miss")]
    assert fired == {rule.id for rule in default_rules().rules.rules}
    # A near miss for every prohibition, presumption and personnel item.
    for rule in default_rules().rules.rules:
        assert any(f"near miss {rule.id}" in c or f"({rule.id})" in c for c in near_misses), rule.id
    assert len(CASES) >= 60


def test_reasons_name_the_intake_facts_that_fired_a_rule() -> None:
    result = classify(
        _intake({**BASIS, "functions": ["hiring_or_pay"], "affected": ["job_applicants"]})
    )
    (fired,) = result.fired
    assert fired.reasons == [
        "principal_basis is true",
        "affected includes 'job_applicants'",
        "functions includes 'hiring_or_pay'",
    ]
    assert fired.citation == "Framework, Pillar I, AI Use Cases Impacting Federal Personnel, item 1"


def test_why_not_prohibited_names_the_facts_that_decided() -> None:
    result = classify(_intake({**BOTH_CONDITIONS, "functions": ["collateral_damage_estimation"]}))
    why_not = {c.id: c.reasons for c in result.not_fired}
    assert why_not["P-6"] == [
        "rigorous_testing_and_assurance is true",
        "trained_personnel_oversight is true",
    ]
    assert why_not["P-1"] == ["functions does not include 'profiling_by_protected_activity'"]
    assert why_not["H-2"] == [
        "principal_basis is false",
        "significantly_influences is false",
        "functions does not include 'threat_designation'",
    ]


def test_the_framework_counts_nine_prohibitions_and_seven_presumptions() -> None:
    rules = default_rules().rules.rules
    by_class = {c: [r.id for r in rules if r.risk_class == c] for c in _CLASS_OF.values()}
    assert by_class["prohibited"] == [f"P-{n}" for n in range(1, 10)]
    assert by_class["high_impact"] == [f"H-{n}" for n in range(0, 8)]
    assert by_class["federal_personnel_impacting"] == [f"FP-{n}" for n in range(0, 4)]
    practices = default_rules().rules.practices
    assert len([p for p in practices if "high_impact" in p.applies_to]) == 12
    assert len([p for p in practices if p.applies_to == ("federal_personnel_impacting",)]) == 4


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"field": "purpose", "equals": True}, "'purpose' is not an intake field"),
        ({"field": "functions", "contains": "mind_reading"}, "'mind_reading' not allowed"),
        ({"field": "principal_basis", "contains": True}, "use one of: equals, not_equals"),
        ({"field": "stage", "in": []}, "non-empty list"),
        ({"any": []}, "non-empty list of conditions"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_rule(when: dict[str, Any], message: str) -> None:
    bad = _rules_yaml(when)
    with pytest.raises(RulesError, match=message) as caught:
        parse_rules(bad.encode(), "bad.yaml")
    assert "X-1" in str(caught.value)


def _rules_yaml(when: dict[str, Any], version: str = "test-1") -> str:
    import yaml

    data = yaml.safe_load(
        (
            Path(__file__).parents[2] / "src/clearance/governance/rules/framework-2024.yaml"
        ).read_text()
    )
    data["version"] = version
    data["rules"] = [
        {
            "id": "X-1",
            "class": "high_impact",
            "title": "test rule",
            "citation": "none",
            "quote": "none",
            "omb_impact": "rights",
            "when": when,
        }
    ]
    return str(yaml.safe_dump(data))


# -- classification as a service ------------------------------------------------------------


def test_intake_classifies_and_creates_the_practices_its_class_requires(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc = add_use_case(
        sqlite_store,
        intake(**BASIS, **STAFF, functions=["job_performance_determination"]),
        principal=DEVELOPER,
    )
    view = show_use_case(sqlite_store, uc.id, principal=LOCAL_ADMIN)
    assert view.label == "federal-personnel-impacting"
    assert [p.practice.code for p in view.practices][:3] == [
        "impact-assessment",
        "realistic-testing",
        "independent-evaluation",
    ]
    assert len(view.practices) == 16
    assert all(p.state == "not_started" for p in view.practices)


def test_a_change_of_inputs_reclassifies(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc = add_use_case(sqlite_store, intake(), principal=DEVELOPER)
    assert show_use_case(sqlite_store, uc.id, principal=LOCAL_ADMIN).label == "not high-impact"
    edited = edit_use_case(
        sqlite_store, uc.id, {**BASIS, "functions": ["threat_designation"]}, principal=DEVELOPER
    )
    view = show_use_case(sqlite_store, uc.id, principal=LOCAL_ADMIN)
    assert edited.revision == 2
    assert view.label == "high-impact"
    assert view.classification is not None
    assert [f["id"] for f in view.classification.fired] == ["H-2"]
    assert sum(p.practice.required for p in view.practices) == 12
    assert len(sqlite_store.governance.classifications(uc.id)) == 2

    edit_use_case(sqlite_store, uc.id, {"principal_basis": False}, principal=DEVELOPER)
    view = show_use_case(sqlite_store, uc.id, principal=LOCAL_ADMIN)
    assert view.label == "not high-impact"
    assert not any(p.practice.required for p in view.practices)


def test_an_edit_that_changes_nothing_records_nothing(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc = add_use_case(sqlite_store, intake(), principal=DEVELOPER)
    again = edit_use_case(sqlite_store, uc.id, {"stage": uc.intake["stage"]}, principal=DEVELOPER)
    assert again.revision == 1
    assert len(sqlite_store.governance.classifications(uc.id)) == 1


def test_overriding_a_presumption_needs_the_chief_ai_officer_and_a_justification(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc = add_use_case(
        sqlite_store, intake(**BASIS, functions=["threat_designation"]), principal=DEVELOPER
    )
    justification = (
        "The designations are only used to prioritise open-source reading, never to act "
        "against anyone; the presumption does not hold."
    )
    with pytest.raises(AccessDenied, match="chief_ai_officer role itself"):
        classify_use_case(
            sqlite_store, uc.id, override=[], justification=justification, principal=ADMIN
        )
    with pytest.raises(AccessDenied):
        classify_use_case(
            sqlite_store, uc.id, override=[], justification=justification, principal=DEVELOPER
        )
    with pytest.raises(GovernanceError, match="written justification"):
        classify_use_case(sqlite_store, uc.id, override=[], justification="no", principal=CAIO)

    record = classify_use_case(
        sqlite_store, uc.id, override=[], justification=justification, principal=CAIO
    )
    assert record.rule_classes == ["high_impact"]
    assert record.classes == []
    assert record.override is not None
    assert record.override["removed"] == ["high_impact"]
    assert record.override["by"] == "caio-carol"
    view = show_use_case(sqlite_store, uc.id, principal=LOCAL_ADMIN)
    assert view.label == "not high-impact"
    assert not any(p.practice.required for p in view.practices)

    # The override was for those inputs: a change of inputs brings the presumption back.
    edit_use_case(sqlite_store, uc.id, {"stage": "retired"}, principal=DEVELOPER)
    after = show_use_case(sqlite_store, uc.id, principal=LOCAL_ADMIN)
    assert after.label == "high-impact"
    assert after.classification is not None
    assert after.classification.override is None


def test_a_prohibition_cannot_be_overridden(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc = add_use_case(sqlite_store, intake(functions=["emotion_inference"]), principal=DEVELOPER)
    with pytest.raises(GovernanceError, match=r"prohibited \(P-4\).*cannot be overridden"):
        classify_use_case(
            sqlite_store,
            uc.id,
            override=["high_impact"],
            justification="We believe this particular emotion inference is fine for the mission.",
            principal=CAIO,
        )
    assert show_use_case(sqlite_store, uc.id, principal=LOCAL_ADMIN).practices == []


def test_a_new_rules_file_flags_and_reclassifies(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    uc = add_use_case(sqlite_store, intake(), principal=DEVELOPER)
    path = tmp_path / "rules.yaml"
    path.write_text(_rules_yaml({"field": "functions", "contains": "translation"}, "test-2"))
    newer = load_rules(path)
    record = classify_use_case(sqlite_store, uc.id, rules=newer, principal=CAIO)
    assert record.rules_version == "test-2"
    assert record.classes == ["high_impact"]
    # Judged against the packaged rules, that classification is now from another file.
    assert show_use_case(sqlite_store, uc.id, principal=LOCAL_ADMIN).rules_outdated
    assert classify_use_case(sqlite_store, uc.id, rules=newer, principal=CAIO).id == record.id
