"""Actions across the product, the roles people hold, and what each role permits."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class Action(StrEnum):
    """Something a principal can do, named ``resource.verb``."""

    RUN_CREATE = "run.create"
    RUN_READ = "run.read"
    RUN_RESUME = "run.resume"
    RUN_EXPORT = "run.export"
    FINDING_CREATE = "finding.create"
    FINDING_READ = "finding.read"
    MITIGATION_CREATE = "mitigation.create"
    MITIGATION_READ = "mitigation.read"
    POLICY_READ = "policy.read"
    POLICY_WRITE = "policy.write"
    USECASE_CREATE = "usecase.create"
    USECASE_READ = "usecase.read"
    USECASE_EDIT = "usecase.edit"
    USECASE_CLASSIFY = "usecase.classify"
    USECASE_OVERRIDE_CLASSIFICATION = "usecase.override_classification"
    PRACTICE_UPDATE = "practice.update"
    PRACTICE_SIGN_INDEPENDENT_EVALUATION = "practice.sign_independent_evaluation"
    DECISION_REQUEST = "decision.request"
    DECISION_APPROVE = "decision.approve"
    DECISION_DENY = "decision.deny"
    DECISION_SUSPEND = "decision.suspend"
    WAIVER_GRANT = "waiver.grant"
    WAIVER_REVOKE = "waiver.revoke"
    WAIVER_RENEW = "waiver.renew"
    WAIVER_READ = "waiver.read"
    INCIDENT_CREATE = "incident.create"
    INCIDENT_READ = "incident.read"
    SUPPLYCHAIN_READ = "supplychain.read"
    SUPPLYCHAIN_RECORD = "supplychain.record"
    REPORT_GENERATE = "report.generate"
    REPORT_APPROVE = "report.approve"
    LEDGER_READ = "ledger.read"
    LEDGER_VERIFY = "ledger.verify"
    LEDGER_CHECKPOINT = "ledger.checkpoint"
    LEDGER_EXPORT = "ledger.export"
    USER_MANAGE = "user.manage"
    MARKING_LOWER = "marking.lower"
    MARKING_RAISE = "marking.raise"

    @classmethod
    def parse(cls, text: str | Action) -> Action:
        """Read an action such as ``"run.read"``; the error lists every accepted action."""
        if isinstance(text, Action):
            return text
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            accepted = ", ".join(action.value for action in cls)
            raise ValueError(f"unknown action {text!r}; accepted: {accepted}") from None


class Role(StrEnum):
    """A role a principal holds; what it permits is in :data:`ROLE_PERMISSIONS`."""

    ADMIN = "admin"
    EVALUATOR = "evaluator"
    REVIEWER = "reviewer"
    RISK_OWNER = "risk_owner"
    CHIEF_AI_OFFICER = "chief_ai_officer"
    AUDITOR = "auditor"

    @classmethod
    def parse(cls, text: str | Role) -> Role:
        """Read a role such as ``"risk owner"`` or ``"chief-ai-officer"``; errors list the roles."""
        if isinstance(text, Role):
            return text
        key = "_".join(str(text).strip().lower().replace("-", " ").replace("_", " ").split())
        try:
            return cls(key)
        except ValueError:
            accepted = ", ".join(role.value for role in cls)
            raise ValueError(f"unknown role {text!r}; accepted: {accepted}") from None


WAIVER_ACTIONS: frozenset[Action] = frozenset(
    {Action.WAIVER_GRANT, Action.WAIVER_REVOKE, Action.WAIVER_RENEW}
)
"""Reserved to the chief AI officer by the Framework: no other role holds them, and they can
never be delegated."""

READ_ONLY_ACTIONS: frozenset[Action] = frozenset(
    {
        Action.RUN_READ,
        Action.RUN_EXPORT,
        Action.FINDING_READ,
        Action.MITIGATION_READ,
        Action.POLICY_READ,
        Action.USECASE_READ,
        Action.WAIVER_READ,
        Action.INCIDENT_READ,
        Action.SUPPLYCHAIN_READ,
        Action.REPORT_GENERATE,
        Action.LEDGER_READ,
        Action.LEDGER_VERIFY,
        Action.LEDGER_EXPORT,
    }
)
"""Actions that change no record: reading, exporting, verifying and generating reports."""

_ALL_READS = READ_ONLY_ACTIONS - {Action.LEDGER_VERIFY, Action.LEDGER_EXPORT}

_EVIDENCE_READS = frozenset(
    {
        Action.RUN_READ,
        Action.FINDING_READ,
        Action.MITIGATION_READ,
        Action.POLICY_READ,
        Action.USECASE_READ,
        Action.INCIDENT_READ,
        Action.SUPPLYCHAIN_READ,
        Action.REPORT_GENERATE,
    }
)

ROLE_PERMISSIONS: Mapping[Role, frozenset[Action]] = MappingProxyType(
    {
        # Evaluators produce the evidence: they run tests (and resume and export them), record
        # findings and measure mitigations. They read use cases and policies to know what to test,
        # report incidents they observe, and may raise a marking on what they produced once they
        # see it is more sensitive than first marked (raising only ever restricts access). They
        # handle the weights they test, so they sign and verify them and record their custody.
        Role.EVALUATOR: frozenset(
            {
                Action.RUN_CREATE,
                Action.RUN_READ,
                Action.RUN_RESUME,
                Action.RUN_EXPORT,
                Action.FINDING_CREATE,
                Action.FINDING_READ,
                Action.MITIGATION_CREATE,
                Action.MITIGATION_READ,
                Action.POLICY_READ,
                Action.USECASE_READ,
                Action.INCIDENT_CREATE,
                Action.INCIDENT_READ,
                Action.SUPPLYCHAIN_READ,
                Action.SUPPLYCHAIN_RECORD,
                Action.REPORT_GENERATE,
                Action.MARKING_RAISE,
            }
        ),
        # Reviewers check that minimum practices are met: they read the evidence, update
        # practices and sign independent evaluations. They decide nothing about use itself.
        Role.REVIEWER: _EVIDENCE_READS
        | {
            Action.WAIVER_READ,
            Action.PRACTICE_UPDATE,
            Action.PRACTICE_SIGN_INDEPENDENT_EVALUATION,
            Action.INCIDENT_CREATE,
            Action.MARKING_RAISE,
        },
        # Risk owners answer for a use case: they create and edit it, keep its practices up to
        # date (they implement them), and ask for a decision. They cannot decide, classify or sign
        # the independent evaluation of their own work. They keep the supply chain's register of
        # critical nodes of what they answer for.
        Role.RISK_OWNER: _EVIDENCE_READS
        | {
            Action.WAIVER_READ,
            Action.USECASE_CREATE,
            Action.USECASE_EDIT,
            Action.PRACTICE_UPDATE,
            Action.DECISION_REQUEST,
            Action.INCIDENT_CREATE,
            Action.SUPPLYCHAIN_RECORD,
            Action.MARKING_RAISE,
        },
        # The chief AI officer decides: classifies use cases (and overrides a classification),
        # approves, denies and suspends use, sets the thresholds policy, approves reports for
        # release, and alone grants, revokes and renews waivers. Reads everything a decision
        # rests on, the ledger included.
        Role.CHIEF_AI_OFFICER: _ALL_READS
        | WAIVER_ACTIONS
        | {
            Action.USECASE_CLASSIFY,
            Action.USECASE_OVERRIDE_CLASSIFICATION,
            Action.DECISION_APPROVE,
            Action.DECISION_DENY,
            Action.DECISION_SUSPEND,
            Action.POLICY_WRITE,
            Action.INCIDENT_CREATE,
            Action.MARKING_RAISE,
            Action.REPORT_APPROVE,
        },
        # Auditors read everything and verify and export the ledger, but change nothing: every
        # action they hold is in READ_ONLY_ACTIONS (generating a report reads, it writes no record).
        Role.AUDITOR: READ_ONLY_ACTIONS,
        # Administrators run the installation: users, markings (only they may lower one) and
        # ledger checkpoints, and everything else so a small team is never stuck, except what the
        # Framework reserves for the chief AI officer: waivers.
        Role.ADMIN: frozenset(Action) - WAIVER_ACTIONS,
    }
)
"""What each role permits. Every role is listed; a principal's permissions are the union over its
roles plus what was delegated to it."""


def permissions_of(roles: frozenset[Role]) -> frozenset[Action]:
    """The union of what ``roles`` permit."""
    granted: frozenset[Action] = frozenset()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return granted
