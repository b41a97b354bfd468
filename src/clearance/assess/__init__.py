"""Assessment: threshold policies, findings, mitigation efficacy and adequacy of methods.

It answers the annual report's three questions about a model: what its safety assessments
found (findings against a versioned policy, "not tested" where nothing ran), whether mitigation
was needed and whether it worked (paired efficacy, Holm-corrected), and whether the methods
were adequate (sample size, interval, power, extraction, errors, saturation, grader agreement).
"""

from clearance.assess._adequacy import (
    SATURATION_HIGH,
    SATURATION_LOW,
    AdequacyCheck,
    DomainAdequacy,
    HumanLabel,
    assess_adequacy,
    cohen_kappa,
    decision_checks,
    load_labels,
)
from clearance.assess._assessment import (
    Assessment,
    UnassignedRun,
    assess_model,
    list_assessments,
    list_findings,
    list_mitigations,
    show_mitigations,
)
from clearance.assess._errors import AssessError, SampleMismatchError
from clearance.assess._evidence import (
    Evidence,
    catalogue_benchmark,
    domain_of,
    gather_evidence,
    resolve_model,
    run_elicitation,
    run_identity,
)
from clearance.assess._findings import (
    VERDICTS,
    DomainSummary,
    Finding,
    Verdict,
    assess_findings,
    elicitation_sentences,
    judge_run,
    strongest_elicitation,
    summarise_domains,
)
from clearance.assess._mitigation import (
    MITIGATION_KINDS,
    MitigationEfficacy,
    MitigationKind,
    assess_mitigations,
    paired_efficacy,
    record_mitigation,
)
from clearance.assess._policy import (
    SEVERITIES,
    AdequacyLimits,
    LoadedPolicy,
    Policy,
    PolicyError,
    Severity,
    Threshold,
    default_policy,
    load_policy,
    parse_policy,
)

__all__ = [
    "MITIGATION_KINDS",
    "SATURATION_HIGH",
    "SATURATION_LOW",
    "SEVERITIES",
    "VERDICTS",
    "AdequacyCheck",
    "AdequacyLimits",
    "AssessError",
    "Assessment",
    "DomainAdequacy",
    "DomainSummary",
    "Evidence",
    "Finding",
    "HumanLabel",
    "LoadedPolicy",
    "MitigationEfficacy",
    "MitigationKind",
    "Policy",
    "PolicyError",
    "SampleMismatchError",
    "Severity",
    "Threshold",
    "UnassignedRun",
    "Verdict",
    "assess_adequacy",
    "assess_findings",
    "assess_mitigations",
    "assess_model",
    "catalogue_benchmark",
    "cohen_kappa",
    "decision_checks",
    "default_policy",
    "domain_of",
    "elicitation_sentences",
    "gather_evidence",
    "judge_run",
    "list_assessments",
    "list_findings",
    "list_mitigations",
    "load_labels",
    "load_policy",
    "paired_efficacy",
    "parse_policy",
    "record_mitigation",
    "resolve_model",
    "run_elicitation",
    "run_identity",
    "show_mitigations",
    "strongest_elicitation",
    "summarise_domains",
]
