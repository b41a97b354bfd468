"""Separation of duties that holds: developers are users, a developer cannot leave the list,
a change of developers voids the independent evaluation's sign-off, and a user created by a
developer cannot sign that evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearance.access import Marking, Role, SeparationOfDutiesError
from clearance.accountability import Acting
from clearance.governance import (
    GovernanceError,
    add_document,
    add_use_case,
    edit_use_case,
    link_evidence,
    show_use_case,
    sign_independent_evaluation,
)
from clearance.store import Store
from people_support import enrolled_user, first_admin, translation_intake

CODE = "independent-evaluation"


@pytest.fixture
def people(sqlite_store: Store) -> dict[str, Acting]:
    admin = first_admin(sqlite_store, "admin", clearance=Marking.of("SECRET"))
    secret = Marking.of("SECRET")
    return {
        "admin": admin,
        "dana": enrolled_user(
            sqlite_store, admin, "dana", roles=[Role.ADMIN, Role.RISK_OWNER], clearance=secret
        ),
        "ravi": enrolled_user(sqlite_store, admin, "ravi", roles=[Role.REVIEWER], clearance=secret),
        "rory": enrolled_user(
            sqlite_store, admin, "rory", roles=[Role.RISK_OWNER], clearance=secret
        ),
    }


def _use_case(store: Store, people: dict[str, Acting], tmp_path: Path) -> str:
    intake = {
        **translation_intake(),
        "principal_basis": True,
        "functions": ["threat_designation"],
        "developers": ["dana", "rory"],
    }
    use_case = add_use_case(store, intake, principal=people["dana"].principal)
    path = tmp_path / "evaluation.md"
    path.write_text("# Independent evaluation\n")
    document = add_document(store, path, principal=people["ravi"].principal)
    link_evidence(store, use_case.id, CODE, "document", document.id,
                  principal=people["ravi"].principal)  # fmt: skip
    return use_case.id


def _signed_by(store: Store, use_case: str, reader: Acting) -> str | None:
    view = show_use_case(store, use_case, principal=reader.principal)
    [practice] = [p.practice for p in view.practices if p.practice.code == CODE]
    return practice.signed_by


def test_developers_are_users(sqlite_store: Store, people: dict[str, Acting]) -> None:
    intake = {**translation_intake(), "developers": ["dana", "someone-else"]}
    with pytest.raises(GovernanceError, match="someone-else are not users"):
        add_use_case(sqlite_store, intake, principal=people["dana"].principal)


def test_a_developer_cannot_leave_the_list(
    sqlite_store: Store, people: dict[str, Acting], tmp_path: Path
) -> None:
    use_case = _use_case(sqlite_store, people, tmp_path)
    with pytest.raises(SeparationOfDutiesError, match="cannot remove themselves"):
        edit_use_case(sqlite_store, use_case, {"developers": ["rory"]},
                      principal=people["dana"].principal)  # fmt: skip


def test_a_change_of_developers_voids_the_sign_off(
    sqlite_store: Store, people: dict[str, Acting], tmp_path: Path
) -> None:
    use_case = _use_case(sqlite_store, people, tmp_path)
    sign_independent_evaluation(sqlite_store, use_case, principal=people["ravi"].principal)
    assert _signed_by(sqlite_store, use_case, people["dana"]) == "ravi"
    edit_use_case(sqlite_store, use_case, {"developers": ["dana", "rory", "ravi"]},
                  principal=people["rory"].principal)  # fmt: skip
    assert _signed_by(sqlite_store, use_case, people["dana"]) is None


def test_a_user_a_developer_created_cannot_sign(
    sqlite_store: Store, people: dict[str, Acting], tmp_path: Path
) -> None:
    use_case = _use_case(sqlite_store, people, tmp_path)
    sock = enrolled_user(sqlite_store, people["dana"], "sock", roles=[Role.REVIEWER],
                         clearance=Marking.of("SECRET"))  # fmt: skip
    with pytest.raises(SeparationOfDutiesError, match="created by dana"):
        sign_independent_evaluation(sqlite_store, use_case, principal=sock.principal)
    assert _signed_by(sqlite_store, use_case, people["dana"]) is None
