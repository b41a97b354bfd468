"""The AI bill of materials: a model as a CycloneDX 1.6 ``machine-learning-model`` component.

cyclonedx-python-lib builds the components it can express (the model, its weight files, the
evaluation datasets, the toolchain's own packages) and serialises them; it has no model card, so
the ``modelCard`` (metrics with their intervals from the latest assessment, considerations from
governance) is written as JSON into the model component. The whole document is then validated
against the official 1.6 schema the library ships, offline, before anyone sees it.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cyclonedx.model import (
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.license import LicenseExpression
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from packageurl import PackageURL

import clearance
from clearance.access import (
    UNCLASSIFIED_MARKING,
    Action,
    Marking,
    Principal,
    can,
    join_markings,
    marking_of,
    readable,
)
from clearance.store import (
    AssessmentRecord,
    FindingRecord,
    ModelRecord,
    RunRecord,
    Store,
)
from clearance.supplychain._access import permitted
from clearance.supplychain._errors import SupplyChainError
from clearance.supplychain._weights import local_weights_path, weight_files

MODEL_REF = "model"
"""The bom-ref of the model component: what the model card and the dependencies point at."""
_NAMESPACE = uuid.UUID("6b6f1e4e-4a43-4b0b-9e0e-6c6561726e63")


@dataclass(frozen=True)
class ModelBom:
    """A bill of materials as built: the document, and the marking of everything it shows."""

    document: dict[str, Any]
    marking: Marking
    model: ModelRecord
    assessment_id: str | None

    def json(self) -> str:
        """The document as indented JSON, ending with a newline."""
        return json.dumps(self.document, indent=2, ensure_ascii=False) + "\n"


def resolve_model(store: Store, ref: str) -> ModelRecord:
    """The newest model registered under spec ``ref`` (or with id ``ref``)."""
    matching = store.findings.models_matching(ref.strip())
    if not matching:
        known = ", ".join(store.findings.model_specs()) or "none yet"
        raise SupplyChainError(
            f"no model {ref!r} in the store; give a spec that has been evaluated "
            f"(`clearance eval run ... --model SPEC`); known specs: {known}"
        )
    return matching[-1]


def build_bom(
    store: Store,
    model_ref: str,
    *,
    principal: Principal,
    supplier: str | None = None,
    licence: str | None = None,
) -> ModelBom:
    """The CycloneDX 1.6 AI-BOM of ``model_ref``, with what ``principal`` may read; validated
    against the official schema (a document that fails it is never returned)."""
    model = resolve_model(store, model_ref)
    assessment, findings = _latest_assessment(store, model.spec, principal)
    runs = _evidence_runs(store, findings, principal)
    markings = [marking_of(r) for r in runs]
    if assessment is not None:
        markings.append(marking_of(assessment))
    considerations = _considerations(store, model.spec, assessment, findings, principal)
    marking = join_markings([UNCLASSIFIED_MARKING, *markings, *considerations.markings])

    bom = Bom()
    bom.serial_number = uuid.uuid5(_NAMESPACE, f"{model.id}:{assessment.id if assessment else ''}")
    bom.metadata.tools.components.add(_clearance_tool())
    bom.metadata.properties.add(Property(name="clearance:marking", value=marking.banner()))
    model_component = _model_component(model, supplier, licence)
    bom.components.add(model_component)
    datasets = _dataset_components(runs)
    for component in datasets:
        bom.components.add(component)
    for component in _toolchain_components():
        bom.components.add(component)

    document = json.loads(JsonV1Dot6(bom).output_as_string(indent=None))
    card: dict[str, Any] = {"bom-ref": "model-card"}
    if datasets:
        card["modelParameters"] = {
            "datasets": [{"ref": str(c.bom_ref.value)} for c in datasets],
        }
    metrics = _performance_metrics(findings)
    if metrics:
        card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
    card["considerations"] = considerations.document()
    for component in document.get("components", []):
        if component.get("bom-ref") == MODEL_REF:
            component["modelCard"] = card
    problems = validate_bom(document)
    if problems:
        raise SupplyChainError(
            "internal: the bill of materials does not validate against CycloneDX 1.6: "
            + "; ".join(problems)
        )
    return ModelBom(
        document=document,
        marking=marking,
        model=model,
        assessment_id=assessment.id if assessment else None,
    )


def validate_bom(document: dict[str, Any]) -> list[str]:
    """What is wrong with ``document`` under the official CycloneDX 1.6 JSON schema (strict),
    read from the copy cyclonedx-python-lib ships, so validation needs no network."""
    # Imported here: jsonschema with its format checkers takes seconds to import, and every
    # `eval run` imports this package (to verify weights) without validating a BOM.
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document))
    if error is None:
        return []
    data: Any = error.data
    message = getattr(data, "message", None) or str(error).splitlines()[0]
    where = getattr(data, "json_path", "")
    return [f"{where}: {message}" if where else str(message)]


# -- what the BOM reads -----------------------------------------------------------------------


def _latest_assessment(
    store: Store, spec: str, principal: Principal
) -> tuple[AssessmentRecord | None, list[FindingRecord]]:
    if not permitted(principal, Action.FINDING_READ):
        return None, []
    visible = readable(
        principal, store.findings.assessments(spec), marking_of, action=Action.FINDING_READ
    )
    if not visible.items:
        return None, []
    assessment = visible.items[0]
    findings = readable(
        principal,
        store.findings.findings(assessment_id=assessment.id),
        marking_of,
        action=Action.FINDING_READ,
    )
    return assessment, list(findings.items)


def _evidence_runs(
    store: Store, findings: Sequence[FindingRecord], principal: Principal
) -> list[RunRecord]:
    ids = dict.fromkeys(rid for f in findings for rid in [f.run_id, *f.evidence_run_ids] if rid)
    runs = []
    for run_id in ids:
        run = store.runs.resolve(run_id)
        if can(principal, Action.RUN_READ, marking_of(run)):
            runs.append(run)
    return runs


@dataclass
class _Considerations:
    use_cases: list[str]
    limitations: list[str]
    ethical: list[dict[str, str]]
    markings: list[Marking]

    def document(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.use_cases:
            found["useCases"] = self.use_cases
        if self.limitations:
            found["technicalLimitations"] = self.limitations
        if self.ethical:
            found["ethicalConsiderations"] = self.ethical
        return found


def _considerations(
    store: Store,
    spec: str,
    assessment: AssessmentRecord | None,
    findings: Sequence[FindingRecord],
    principal: Principal,
) -> _Considerations:
    found = _Considerations([], [], [], [])
    if assessment is None:
        found.limitations.append(
            f"No assessment of {spec} is recorded (or none is readable at your clearance): "
            "nothing about its capabilities has been tested against a policy."
        )
    else:
        summary = assessment.summary
        for domain in summary.get("not_tested", []):
            found.limitations.append(f"Domain {domain}: not tested.")
        for domain in summary.get("adequacy", []):
            if not domain.get("adequate", True):
                found.limitations.append(f"Domain {domain.get('domain')}: {domain.get('sentence')}")
    mitigations = [
        m
        for m in store.mitigations.newest(spec)
        if permitted(principal, Action.MITIGATION_READ)
        and can(principal, Action.MITIGATION_READ, marking_of(m))
    ]
    for finding in findings:
        if finding.verdict != "exceeds":
            continue
        applied = [
            m
            for m in mitigations
            if m.threshold_id == finding.threshold_id or (m.domain and m.domain == finding.domain)
        ]
        found.markings += [marking_of(m) for m in applied]
        found.ethical.append(
            {
                "name": f"{finding.domain}: {finding.metric} {_number(finding.value)} exceeds "
                f"threshold {finding.threshold_id} ({_number(finding.threshold)}, "
                f"severity {finding.severity})",
                "mitigationStrategy": "; ".join(
                    f"{m.kind}: {m.description} (mitigation {m.id})" for m in applied
                )
                or "no mitigation recorded",
            }
        )
    if permitted(principal, Action.USECASE_READ):
        for use_case in _use_cases_of(store, spec, principal):
            found.use_cases.append(f"{use_case[0]} ({use_case[1]})")
            found.markings.append(use_case[2])
    return found


def _use_cases_of(store: Store, spec: str, principal: Principal) -> list[tuple[str, str, Marking]]:
    """Use cases with run evidence on ``spec``: the uses governance knows this model for."""
    cases = readable(
        principal, store.governance.use_cases(), marking_of, action=Action.USECASE_READ
    )
    found = []
    for use_case in cases:
        links = store.governance.evidence(use_case_id=use_case.id)
        if any(link.kind == "run" and link.pinned.get("model_spec") == spec for link in links):
            found.append((use_case.name, use_case.agency, marking_of(use_case)))
    return found


def _performance_metrics(findings: Iterable[FindingRecord]) -> list[dict[str, Any]]:
    metrics = []
    for finding in findings:
        if finding.value is None:
            continue
        metric: dict[str, Any] = {
            "type": finding.metric,
            "value": _number(finding.value),
            "slice": f"domain={finding.domain}; benchmark={finding.benchmark or 'all'}",
        }
        if finding.ci_low is not None and finding.ci_high is not None:
            metric["confidenceInterval"] = {
                "lowerBound": _number(finding.ci_low),
                "upperBound": _number(finding.ci_high),
            }
        metrics.append(metric)
    return metrics


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.6g}"


# -- components -------------------------------------------------------------------------------


def _model_component(model: ModelRecord, supplier: str | None, licence: str | None) -> Component:
    path = local_weights_path(model.provider, model.name)
    files = weight_files(path) if path is not None else []
    hashes = []
    if path is not None and path.is_file() and files:
        hashes = [HashType(alg=HashAlgorithm.SHA_256, content=files[0][1])]
    properties = [
        Property(name="clearance:spec", value=model.spec),
        Property(name="clearance:provider", value=model.provider),
        Property(name="clearance:models.id", value=model.id),
    ]
    if model.weights_sha256:
        properties.append(Property(name="clearance:weights_sha256", value=model.weights_sha256))
    references = []
    if model.base_url:
        references.append(
            ExternalReference(
                type=ExternalReferenceType.OTHER,
                url=XsUri(model.base_url),
                comment="inference endpoint",
            )
        )
    component = Component(
        name=_model_name(model),
        version=model.version or (model.weights_sha256 or "")[:12] or None,
        type=ComponentType.MACHINE_LEARNING_MODEL,
        bom_ref=MODEL_REF,
        supplier=OrganizationalEntity(name=supplier or model.provider),
        licenses=[LicenseExpression(licence)] if licence else [],
        hashes=hashes,
        properties=properties,
        external_references=references,
    )
    if path is not None and path.is_dir():
        for relative, digest in files:
            component.components.add(
                Component(
                    name=relative,
                    type=ComponentType.FILE,
                    bom_ref=f"weights:{relative}",
                    hashes=[HashType(alg=HashAlgorithm.SHA_256, content=digest)],
                )
            )
    return component


def _model_name(model: ModelRecord) -> str:
    if model.provider in ("gguf", "hf"):
        return Path(model.name).name or model.name
    return model.name


def _dataset_components(runs: Iterable[RunRecord]) -> list[Component]:
    seen: dict[str, Component] = {}
    for run in runs:
        dataset = run.provenance.get("dataset") or {}
        digest = dataset.get("digest")
        if not isinstance(digest, str) or digest in seen:
            continue
        hashes = (
            [HashType(alg=HashAlgorithm.SHA_256, content=digest)]
            if re.fullmatch(r"[0-9a-f]{64}", digest)
            else []
        )
        seen[digest] = Component(
            name=str(dataset.get("name") or run.task_name),
            type=ComponentType.DATA,
            bom_ref=f"dataset:{digest[:16]}",
            hashes=hashes,
            properties=[
                Property(name="clearance:task", value=run.task_name),
                Property(name="clearance:samples", value=str(dataset.get("samples", ""))),
            ],
        )
    return list(seen.values())


def _clearance_tool() -> Component:
    return Component(
        name="clearance",
        version=clearance.__version__,
        type=ComponentType.APPLICATION,
        bom_ref="tool:clearance",
    )


def _toolchain_components() -> list[Component]:
    """The evaluation toolchain's own SBOM: Clearance's installed runtime dependencies."""
    try:
        requires = importlib.metadata.distribution("clearance").requires or []
    except importlib.metadata.PackageNotFoundError:
        requires = []
    components = []
    for requirement in requires:
        if "extra ==" in requirement:
            continue
        name = re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        purl = PackageURL(type="pypi", name=name.lower(), version=version)
        components.append(
            Component(
                name=name,
                version=version,
                type=ComponentType.LIBRARY,
                bom_ref=f"lib:{name.lower()}",
                purl=purl,
            )
        )
    return components
