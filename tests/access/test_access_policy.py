"""The policy decision can()/require() against an independently written reference."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from access_strategies import actions, markings, principals
from hypothesis import given, settings

from clearance.access import (
    AccessDenied,
    Action,
    Decision,
    Marking,
    Principal,
    Role,
    can,
    require,
    require_permission,
)

LEVEL_RANK = {"UNCLASSIFIED": 0, "CUI": 1, "CONFIDENTIAL": 2, "SECRET": 3, "TOP SECRET": 4}

# The reference table, restated from the issue rather than imported.
READS = {
    "run.read",
    "finding.read",
    "mitigation.read",
    "policy.read",
    "usecase.read",
    "waiver.read",
    "incident.read",
    "supplychain.read",
    "ledger.read",
}
REFERENCE = {
    "evaluator": {
        "run.create", "run.read", "run.resume", "run.export", "finding.create", "finding.read",
        "mitigation.create", "mitigation.read", "policy.read", "usecase.read", "incident.create",
        "incident.read", "report.generate", "marking.raise",
        # the weights they test: sign and verify them, record their custody
        "supplychain.read", "supplychain.record",
    },
    "reviewer": {
        "run.read", "finding.read", "mitigation.read", "policy.read", "usecase.read",
        "incident.read", "report.generate", "waiver.read", "practice.update",
        "practice.sign_independent_evaluation", "incident.create", "marking.raise",
        "supplychain.read",
    },
    "risk_owner": {
        "run.read", "finding.read", "mitigation.read", "policy.read", "usecase.read",
        "incident.read", "report.generate", "waiver.read", "usecase.create", "usecase.edit",
        "practice.update", "decision.request", "incident.create", "marking.raise",
        "supplychain.read", "supplychain.record",  # the register of critical nodes
    },
    "chief_ai_officer": READS | {
        "run.export", "report.generate", "waiver.grant", "waiver.revoke", "waiver.renew",
        "usecase.classify", "usecase.override_classification", "decision.approve",
        "decision.deny", "decision.suspend", "policy.write", "incident.create", "marking.raise",
    },
    "auditor": READS | {"run.export", "report.generate", "ledger.verify", "ledger.export"},
    "admin": {a.value for a in Action} - {"waiver.grant", "waiver.revoke", "waiver.renew"},
}  # fmt: skip


def reference_allows(principal: Principal, action: str, marking: Marking) -> bool:
    permitted = set().union(*(REFERENCE[role.value] for role in principal.roles))
    permitted |= {a.value for a in principal.delegated}
    held = principal.clearance
    return (
        principal.active
        and action in permitted
        and LEVEL_RANK[held.level.value] >= LEVEL_RANK[marking.level.value]
        and all(c in held.compartments for c in marking.compartments)
    )


@settings(max_examples=600)
@given(principals(), actions, markings)
def test_can_matches_the_reference(principal: Principal, action: Action, marking: Marking) -> None:
    decision = can(principal, action, marking)
    assert bool(decision) is reference_allows(principal, action.value, marking)
    assert decision.reason


@settings(max_examples=300)
@given(principals(), actions, markings)
def test_require_raises_exactly_when_can_refuses(
    principal: Principal, action: Action, marking: Marking
) -> None:
    decision = can(principal, action, marking)
    if decision:
        require(principal, action, marking)
        return
    with pytest.raises(AccessDenied) as caught:
        require(principal, action, marking)
    assert caught.value.reason == decision.reason
    assert isinstance(caught.value, PermissionError)


def evaluator(clearance: str) -> Principal:
    return Principal(
        id="eve", name="Eve", roles={Role.EVALUATOR}, clearance=Marking.parse(clearance)
    )


def test_refusal_reasons_name_each_failed_check() -> None:
    assert can(evaluator("TS"), "waiver.grant", Marking()).reason == (
        "role evaluator does not permit waiver.grant (waivers are reserved to the chief AI officer)"
    )
    assert (
        can(evaluator("CONFIDENTIAL"), "run.read", Marking.parse("SECRET")).reason
        == "clearance CONFIDENTIAL does not dominate SECRET"
    )
    assert (
        can(evaluator("TS//CYBER"), "run.read", Marking.parse("S//BIO//CHEM//CYBER")).reason
        == "missing compartments: BIO, CHEM"
    )
    both = can(evaluator("CUI"), "run.read", Marking.parse("SECRET//BIO")).reason
    assert both == "clearance CUI does not dominate SECRET; missing compartments: BIO"


def test_decision_is_truthy_only_when_allowed() -> None:
    assert bool(Decision(allowed=True, reason="x"))
    assert not Decision(allowed=False, reason="x")
    allowed = can(evaluator("SECRET//BIO"), "run.read", Marking.parse("CUI//BIO"))
    assert (
        allowed.reason
        == "role evaluator permits run.read, and clearance SECRET//BIO dominates CUI//BIO"
    )


def test_inactive_principals_can_do_nothing() -> None:
    retired = Principal(
        id="old", name="Old", roles=set(Role), clearance=Marking.parse("TS"), active=False
    )
    for action in Action:
        decision = can(retired, action, Marking())
        assert not decision
        assert decision.reason == "principal old is inactive"
    with pytest.raises(AccessDenied, match=r"old may not user\.manage: principal old is inactive"):
        require_permission(retired, "user.manage")


def test_access_denied_message_says_who_what_and_why() -> None:
    with pytest.raises(AccessDenied) as caught:
        require(evaluator("CUI"), Action.RUN_READ, Marking.parse("SECRET"))
    assert str(caught.value) == (
        "eve may not run.read on a SECRET record: clearance CUI does not dominate SECRET"
    )
    assert caught.value.principal_id == "eve"
    assert caught.value.action is Action.RUN_READ


def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="marking must be a Marking"):
        can(evaluator("S"), "run.read", "SECRET")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="principal must be a Principal"):
        can("eve", "run.read", Marking())  # type: ignore[arg-type]


def test_access_imports_no_storage_or_higher_layer() -> None:
    package = Path(__file__).resolve().parents[2] / "src" / "clearance" / "access"
    allowed_roots = {"__future__", "argon2", "pydantic", "clearance"}
    stdlib = {"collections", "dataclasses", "enum", "getpass", "hashlib", "hmac", "re", "secrets",
              "types", "typing"}  # fmt: skip
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                assert root in allowed_roots | stdlib, f"{source.name} imports {name}"
                if root == "clearance":
                    # Besides itself, only the error root below every package, and counts in
                    # English (layer 0, importing nothing of Clearance).
                    own = name.startswith(("clearance.access", "clearance.errors"))
                    assert own or name == "clearance.vocabulary", f"{source.name} imports {name}"
