"""Open risk under an approval: the `exceeds` findings a use case's evidence holds, and the
explicit acceptance that lets an approval go ahead over them.

A finding is open when it is linked as evidence and its verdict is ``exceeds``, or when it is the
newest finding of its threshold (under one policy) on a run linked as evidence and it exceeds.
An approval over open findings must name every one of them (by finding id, a unique prefix of
it, or its threshold id) and give a rationale; the acceptance is pinned in the approval, so the
ledger entry of the decision carries it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clearance.governance._errors import GovernanceError
from clearance.governance._status import PracticeView
from clearance.ledger import change_digest
from clearance.store import FindingRecord, Store


def open_findings(store: Store, views: Sequence[PracticeView]) -> list[FindingRecord]:
    """The ``exceeds`` findings in force in the evidence of the required practices."""
    found: dict[str, FindingRecord] = {}
    for view in views:
        if not view.practice.required:
            continue
        for evidence in view.evidence:
            link = evidence.link
            if link.kind == "finding":
                candidates = [store.governance.finding(link.ref)]
            elif link.kind == "run":
                candidates = _newest_citing(store, link.ref, link.pinned.get("model_spec"))
            else:
                continue
            found |= {f.id: f for f in candidates if f.verdict == "exceeds"}
    return sorted(found.values(), key=lambda f: f.id)


def _newest_citing(store: Store, run_id: str, model_spec: Any) -> list[FindingRecord]:
    """Per policy and threshold, the newest finding that cites ``run_id``: a later assessment
    of the same run under the same policy speaks for it."""
    spec = model_spec if isinstance(model_spec, str) else None
    newest: dict[tuple[str, str], FindingRecord] = {}
    for finding in store.findings.findings(model_spec=spec):  # newest first
        if run_id == finding.run_id or run_id in finding.evidence_run_ids:
            newest.setdefault((finding.policy_digest, finding.threshold_id), finding)
    return list(newest.values())


def describe_finding(finding: FindingRecord) -> str:
    """One line: which finding, which threshold, what was measured and why it exceeds."""
    value = "no value" if finding.value is None else f"{finding.value:.3f}"
    interval = (
        ""
        if finding.ci_low is None or finding.ci_high is None
        else f" (95% CI {finding.ci_low:.3f}–{finding.ci_high:.3f}, n={finding.n})"
    )
    return (
        f"finding {finding.id} ({finding.threshold_id}, severity {finding.severity}): "
        f"{finding.domain} {finding.metric} {value}{interval} exceeds the threshold "
        f"({finding.direction} {finding.threshold:g}) on {finding.model_spec}"
    )


def _named_by(finding: FindingRecord, ref: str) -> bool:
    return finding.id == ref or finding.id.startswith(ref) or finding.threshold_id == ref


def unaccepted(
    open_risk: Sequence[FindingRecord], accepted_refs: Sequence[str], rationale: str
) -> list[FindingRecord]:
    """The open findings that ``accepted_refs`` leave unnamed. A name that matches no open
    finding, or an acceptance without a rationale, is a mistake the error explains."""
    refs = [ref.strip() for ref in accepted_refs if ref.strip()]
    if refs and not open_risk:
        raise GovernanceError(
            "--accept-risk was given, but the use case's evidence holds no open finding: "
            "approve it without accepting a risk"
        )
    for ref in refs:
        if not any(_named_by(f, ref) for f in open_risk):
            listed = "; ".join(f"{f.id} ({f.threshold_id})" for f in open_risk)
            raise GovernanceError(
                f"--accept-risk {ref!r} names no open finding of this use case; open: {listed}"
            )
    if refs and not " ".join(rationale.split()):
        raise GovernanceError(
            "accepting a risk needs a written rationale (--risk-rationale): why the use may go "
            "ahead although the finding exceeds its threshold"
        )
    return [f for f in open_risk if not any(_named_by(f, ref) for ref in refs)]


def acceptance_pins(
    accepted: Sequence[FindingRecord], rationale: str, actor: str
) -> dict[str, Any]:
    """What an approval pins of the risk it accepts: each finding's record digest and figures,
    the rationale, and who accepted it."""
    return {
        "rationale": " ".join(rationale.split()),
        "accepted_by": actor,
        "findings": [
            {
                "finding_id": f.id,
                "threshold_id": f.threshold_id,
                "severity": f.severity,
                "domain": f.domain,
                "model_spec": f.model_spec,
                "verdict": f.verdict,
                "value": f.value,
                "ci_low": f.ci_low,
                "ci_high": f.ci_high,
                "record_sha256": change_digest(f.model_dump(mode="json")),
            }
            for f in accepted
        ],
    }
