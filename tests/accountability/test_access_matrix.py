"""The access matrix: every role × clearance level × compartment set × each service read path
(run listing and show; use-case listing and show; waiver, incident and decision listings;
incident show), on one store holding an open and a SECRET//BIO record of each kind.

Visibility is worked out here from the roles' permissions and the ordering of levels, not by
asking the access policy, and asserted both ways: no id above the reader's clearance appears,
every permitted one does, withheld counts are the hidden records, and a hidden record's show
answers exactly as a missing one."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from accountability_support import eval_run, write_task

from clearance.access import ROLE_PERMISSIONS, AccessDenied, Action, Marking, Principal, Role
from clearance.accountability import readable_run, visible_runs
from clearance.governance import (
    add_use_case,
    grant_waiver,
    list_decisions,
    list_incidents,
    list_use_cases,
    list_waivers,
    report_incident,
    request_decision,
    show_incident,
    show_use_case,
)
from clearance.store import Store
from people_support import translation_intake

LEVELS = ["UNCLASSIFIED", "CUI", "CONFIDENTIAL", "SECRET", "TOP SECRET"]
READER_LEVELS = ["UNCLASSIFIED", "SECRET", "TOP SECRET"]
COMPARTMENT_SETS: list[tuple[str, ...]] = [(), ("BIO",), ("CYBER",)]
READER_ROLES = [r for r in Role if r is not Role.ADMIN]
HIDDEN = ("SECRET", ("BIO",))
OPEN = ("UNCLASSIFIED", ())
MISSING = "20990101-000000-00000000"

OWNER = Principal(
    id="owner",
    name="Owner",
    roles=frozenset({Role.RISK_OWNER, Role.CHIEF_AI_OFFICER, Role.EVALUATOR}),
    clearance=Marking.of("TS", "BIO"),
)


def _sees(reader: Principal, action: Action, marking: tuple[str, tuple[str, ...]]) -> bool:
    permitted = any(action in ROLE_PERMISSIONS[role] for role in reader.roles)
    level, compartments = marking
    cleared = LEVELS.index(reader.clearance.level.value) >= LEVELS.index(level)
    return permitted and cleared and set(compartments) <= set(reader.clearance.compartments)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterable[dict[str, Any]]:
    """One store (built once: the matrix only reads it) with an open and a hidden record of
    each kind."""
    home = tmp_path_factory.mktemp("matrix")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("CLEARANCE_HOME", str(home / "home"))
    (home / "home").mkdir()
    store = Store.open()
    ids: dict[str, dict[str, str]] = {"open": {}, "hidden": {}}
    for name, (level, compartments) in (("open", OPEN), ("hidden", HIDDEN)):
        task, model = write_task(home / name, 2, name=f"sums-{name}")
        marking = "//".join([level, *compartments])
        ids[name]["run"] = eval_run(task, model, "--marking", marking)
        use_case = add_use_case(
            store,
            {**translation_intake(), "name": f"use {name}", "principal_basis": True,
             "functions": ["threat_designation"]},
            marking=Marking.of(level, *compartments),
            principal=OWNER,
        )  # fmt: skip
        ids[name]["use_case"] = use_case.id
        request_decision(store, use_case.id, rationale="Please decide.", principal=OWNER)
        ids[name]["waiver"] = grant_waiver(
            store, use_case.id, "training", category="impedes-critical-operations",
            finding="A finding long enough to be a finding.", principal=OWNER,
        ).waiver.id  # fmt: skip
        ids[name]["incident"] = report_incident(
            store, use_case_ref=use_case.id, kind="incident", severity="low",
            summary=f"incident {name}", description="d", principal=OWNER,
        ).id  # fmt: skip
    yield {"store": store, "ids": ids}
    store.close()
    monkeypatch.undo()


def _readers() -> Iterable[Principal]:
    for role, level, compartments in itertools.product(
        READER_ROLES, READER_LEVELS, COMPARTMENT_SETS
    ):
        yield Principal(
            id=f"{role.value}-{level.replace(' ', '')}-{'-'.join(compartments) or 'none'}",
            name="Reader",
            roles=frozenset({role}),
            clearance=Marking.of(level, *compartments),
        )


def _listing(call: Callable[[], Any]) -> tuple[set[str], int] | None:
    """(ids listed, withheld) of a listing, or None when the reader's roles refuse it."""
    try:
        found = call()
    except AccessDenied:
        return None
    ids = set()
    for item in found.items:
        record = getattr(item, "use_case", None) or getattr(item, "waiver", None) or item
        ids.add(record.id)
    return ids, found.withheld


def _shown(call: Callable[[str], Any], ref: str) -> str:
    try:
        call(ref)
    except AccessDenied as denied:
        return f"denied: {denied}"
    except LookupError as missing:
        return f"missing: {missing}"
    return "shown"


@pytest.mark.parametrize("reader", list(_readers()), ids=lambda p: p.id)
def test_no_reader_sees_above_their_clearance(world: dict[str, Any], reader: Principal) -> None:
    store, ids = world["store"], world["ids"]
    listings = {
        ("run", Action.RUN_READ): lambda: visible_runs(store, reader),
        ("use_case", Action.USECASE_READ): lambda: list_use_cases(store, principal=reader),
        ("waiver", Action.WAIVER_READ): lambda: list_waivers(store, principal=reader),
        ("incident", Action.INCIDENT_READ): lambda: list_incidents(store, principal=reader),
    }
    for (kind, action), call in listings.items():
        listed = _listing(call)
        expected = {ids[n][kind] for n, m in (("open", OPEN), ("hidden", HIDDEN))
                    if _sees(reader, action, m)}  # fmt: skip
        if listed is None:
            assert expected == set(), (kind, "refused though something is readable")
            continue
        shown, withheld = listed
        assert shown == expected, kind
        assert withheld == 2 - len(expected), kind
    shows = {
        ("run", Action.RUN_READ): lambda ref: readable_run(store, reader, ref),
        ("use_case", Action.USECASE_READ): lambda ref: show_use_case(store, ref, principal=reader),
        ("incident", Action.INCIDENT_READ): lambda ref: show_incident(store, ref, principal=reader),
    }
    for (kind, action), show in shows.items():
        hidden = ids["hidden"][kind]
        answer = _shown(show, hidden)
        if _sees(reader, action, HIDDEN):
            assert answer == "shown", kind
            continue
        missing = _shown(show, MISSING)
        assert answer.replace(hidden, "ID") == missing.replace(MISSING, "ID"), kind
        assert "SECRET" not in answer, kind
        assert "BIO" not in answer, kind
    if not _sees(reader, Action.USECASE_READ, HIDDEN):
        decisions = lambda ref: list_decisions(store, ref, principal=reader)  # noqa: E731
        hidden_id = ids["hidden"]["use_case"]
        assert _shown(decisions, hidden_id).replace(hidden_id, "ID") == _shown(
            decisions, MISSING
        ).replace(MISSING, "ID")
