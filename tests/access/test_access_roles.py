"""The role table, reserved waiver actions and delegation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from clearance.access import (
    LOCAL_ADMIN,
    READ_ONLY_ACTIONS,
    ROLE_PERMISSIONS,
    AccessDenied,
    Action,
    Level,
    Marking,
    Principal,
    Role,
    can,
    delegate,
    has_role,
    revoke_delegation,
)

TOP = Marking.of("TS")
WAIVERS = [Action.WAIVER_GRANT, Action.WAIVER_REVOKE, Action.WAIVER_RENEW]

# Written out here rather than derived from the package, so a change to the table must be a
# deliberate change to this test too.
CHANGING_ACTIONS = [
    "run.create",
    "run.resume",
    "finding.create",
    "supplychain.record",
    "mitigation.create",
    "policy.write",
    "usecase.create",
    "usecase.edit",
    "usecase.classify",
    "usecase.override_classification",
    "practice.update",
    "practice.sign_independent_evaluation",
    "decision.request",
    "decision.approve",
    "decision.deny",
    "decision.suspend",
    "waiver.grant",
    "waiver.revoke",
    "waiver.renew",
    "incident.create",
    "ledger.checkpoint",
    "user.manage",
    "marking.lower",
    "marking.raise",
    "report.approve",
]

TABLE = [
    # (role, permitted, refused)
    (Role.EVALUATOR, "run.create", "decision.approve"),
    (Role.EVALUATOR, "finding.create", "usecase.classify"),
    (Role.EVALUATOR, "mitigation.read", "user.manage"),
    (Role.REVIEWER, "practice.update", "run.create"),
    (Role.REVIEWER, "practice.sign_independent_evaluation", "decision.approve"),
    (Role.RISK_OWNER, "usecase.create", "usecase.classify"),
    (Role.RISK_OWNER, "decision.request", "decision.approve"),
    (Role.RISK_OWNER, "usecase.edit", "practice.sign_independent_evaluation"),
    (Role.CHIEF_AI_OFFICER, "decision.approve", "user.manage"),
    (Role.CHIEF_AI_OFFICER, "waiver.grant", "marking.lower"),
    (Role.CHIEF_AI_OFFICER, "usecase.override_classification", "run.create"),
    (Role.AUDITOR, "ledger.verify", "ledger.checkpoint"),
    (Role.AUDITOR, "ledger.export", "finding.create"),
    (Role.ADMIN, "user.manage", "waiver.grant"),
    (Role.ADMIN, "marking.lower", "waiver.renew"),
]


def holder(*roles: Role, delegated: frozenset[Action] = frozenset()) -> Principal:
    return Principal(id="p1", name="P", roles=frozenset(roles), clearance=TOP, delegated=delegated)


def test_every_role_has_an_entry() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize(("role", "permitted", "refused"), TABLE)
def test_role_table(role: Role, permitted: str, refused: str) -> None:
    principal = holder(role)
    assert can(principal, permitted, TOP)
    decision = can(principal, refused, TOP)
    assert not decision
    assert decision.reason.startswith(f"role {role.value} does not permit {refused}")


def test_every_role_is_covered_by_the_table() -> None:
    assert {row[0] for row in TABLE} == set(Role)


@pytest.mark.parametrize("action", CHANGING_ACTIONS)
def test_auditors_change_nothing(action: str) -> None:
    assert not can(holder(Role.AUDITOR), action, TOP)


def test_auditors_read_everything() -> None:
    reads = [action for action in Action if action.value.endswith(".read")]
    assert reads
    for action in reads:
        assert can(holder(Role.AUDITOR), action, TOP), action


def test_read_only_actions_exclude_every_changing_action() -> None:
    assert not {Action(action) for action in CHANGING_ACTIONS} & READ_ONLY_ACTIONS
    assert {Action(action) for action in CHANGING_ACTIONS} | READ_ONLY_ACTIONS == set(Action)


@pytest.mark.parametrize("action", WAIVERS)
@pytest.mark.parametrize("role", [role for role in Role if role is not Role.CHIEF_AI_OFFICER])
def test_waiver_actions_are_the_chief_ai_officers_alone(role: Role, action: Action) -> None:
    decision = can(holder(role), action, TOP)
    assert not decision
    assert "reserved to the chief AI officer" in decision.reason
    assert can(holder(Role.CHIEF_AI_OFFICER), action, TOP)


def test_admin_can_do_everything_but_waivers() -> None:
    admin = holder(Role.ADMIN)
    for action in Action:
        assert bool(can(admin, action, TOP)) is (action not in WAIVERS), action


def test_several_roles_combine_and_are_named_in_refusals() -> None:
    both = holder(Role.EVALUATOR, Role.REVIEWER)
    assert can(both, "run.create", TOP)
    assert can(both, "practice.update", TOP)
    decision = can(both, "user.manage", TOP)
    assert decision.reason == "roles evaluator, reviewer do not permit user.manage"


def test_no_role_permits_nothing() -> None:
    nobody = holder()
    for action in Action:
        assert not can(nobody, action, Marking())
    assert "holds no role" in can(nobody, "run.read", Marking()).reason


def test_delegating_decision_approve() -> None:
    caio = holder(Role.CHIEF_AI_OFFICER)
    deputy = Principal(id="deputy", name="Deputy", roles={Role.RISK_OWNER}, clearance=TOP)
    assert not can(deputy, "decision.approve", TOP)
    deputy = delegate(caio, deputy, "decision.approve")
    decision = can(deputy, "decision.approve", TOP)
    assert decision
    assert "decision.approve was delegated to deputy" in decision.reason
    assert not can(revoke_delegation(deputy, Action.DECISION_APPROVE), "decision.approve", TOP)


@pytest.mark.parametrize("action", WAIVERS)
def test_waiver_actions_cannot_be_delegated(action: Action) -> None:
    caio = holder(Role.CHIEF_AI_OFFICER)
    deputy = Principal(id="deputy", name="Deputy", roles={Role.RISK_OWNER}, clearance=TOP)
    with pytest.raises(AccessDenied, match="cannot be delegated"):
        delegate(caio, deputy, action)
    with pytest.raises(ValidationError, match="cannot be delegated"):
        Principal(id="deputy", name="Deputy", delegated={action})


def test_only_what_a_role_permits_can_be_delegated() -> None:
    evaluator = holder(Role.EVALUATOR)
    other = Principal(id="o", name="O")
    with pytest.raises(AccessDenied, match=r"cannot delegate decision\.approve"):
        delegate(evaluator, other, "decision.approve")
    # A delegation is not passed on: the delegate cannot delegate it again.
    deputy = delegate(holder(Role.CHIEF_AI_OFFICER), other, "decision.approve")
    with pytest.raises(AccessDenied, match=r"cannot delegate decision\.approve"):
        delegate(deputy, Principal(id="x", name="X"), "decision.approve")


def test_inactive_grantor_cannot_delegate() -> None:
    caio = Principal(id="c", name="C", roles={Role.CHIEF_AI_OFFICER}, active=False)
    with pytest.raises(AccessDenied, match="inactive"):
        delegate(caio, Principal(id="o", name="O"), "decision.approve")


def test_unknown_action_and_role_errors_list_the_accepted_values() -> None:
    with pytest.raises(ValueError, match=r"unknown action 'run\.delete'; accepted: run\.create"):
        can(LOCAL_ADMIN, "run.delete", Marking())
    with pytest.raises(ValidationError, match="unknown role 'boss'; accepted: admin"):
        Principal(id="b", name="B", roles={"boss"})


def test_role_spellings() -> None:
    assert Role.parse("Risk Owner") is Role.RISK_OWNER
    assert Role.parse("chief-ai-officer") is Role.CHIEF_AI_OFFICER


def test_local_admin_can_use_every_feature_on_any_record() -> None:
    marked = Marking.of("TOP SECRET", "BIO", "SOME-NEW-COMPARTMENT")
    for action in Action:
        assert can(LOCAL_ADMIN, action, marked), action
    assert LOCAL_ADMIN.clearance.level is Level.TOP_SECRET
    assert LOCAL_ADMIN.clearance_banner() == "TOP SECRET//ALL COMPARTMENTS"


def test_blank_principal_id_is_refused() -> None:
    with pytest.raises(ValidationError, match="must not be blank"):
        Principal(id="  ", name="Nobody")


def test_principal_round_trips_through_json() -> None:
    deputy = Principal(
        id="deputy",
        name="Deputy",
        roles={"risk owner", Role.REVIEWER},
        clearance=Marking.parse("SECRET//BIO"),
        delegated={"decision.approve"},
    )
    assert deputy.roles == {Role.RISK_OWNER, Role.REVIEWER}
    assert Principal.model_validate_json(deputy.model_dump_json()) == deputy
    assert Principal.model_validate_json(LOCAL_ADMIN.model_dump_json()) == LOCAL_ADMIN


def test_has_role_needs_the_role_itself_and_an_active_principal() -> None:
    admin = holder(Role.ADMIN)
    assert has_role(admin, Role.ADMIN)
    assert not has_role(admin, Role.AUDITOR)
    assert not has_role(admin.model_copy(update={"active": False}), Role.ADMIN)
