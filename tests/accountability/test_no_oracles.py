"""No oracles: a record above the reader's clearance is answered exactly as one that does not
exist, and never counts towards an id prefix, for use cases, waivers and runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from accountability_support import eval_run, write_task

from clearance.access import Marking, Principal, Role
from clearance.accountability import readable_run
from clearance.governance import add_use_case, request_decision, show_use_case
from clearance.store import RunNotFoundError, Store
from people_support import translation_intake

READER = Principal(
    id="low", name="Low", roles=frozenset({Role.RISK_OWNER}), clearance=Marking.of("CUI")
)
HIGH = Principal(
    id="high", name="High", roles=frozenset({Role.RISK_OWNER}), clearance=Marking.of("TS")
)


def _message(call: object) -> str:
    with pytest.raises(LookupError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value)


def test_a_hidden_use_case_reads_as_a_missing_one(sqlite_store: Store) -> None:
    secret = add_use_case(
        sqlite_store,
        {**translation_intake(), "name": "Hidden"},
        marking=Marking.of("SECRET"),
        principal=HIGH,
    )
    missing = "uc-20990101-000000-00000000"
    hidden_says = _message(lambda: show_use_case(sqlite_store, secret.id, principal=READER))
    missing_says = _message(lambda: show_use_case(sqlite_store, missing, principal=READER))
    assert hidden_says.replace(secret.id, "ID") == missing_says.replace(missing, "ID")
    assert "SECRET" not in hidden_says

    def request(ref: str) -> object:
        return request_decision(sqlite_store, ref, rationale="r", principal=READER)

    assert _message(lambda: request(secret.id)).replace(secret.id, "ID") == _message(
        lambda: request(missing)
    ).replace(missing, "ID")
    # By name as by id.
    by_name = _message(lambda: show_use_case(sqlite_store, "Hidden", principal=READER))
    assert by_name == _message(
        lambda: show_use_case(sqlite_store, "Nowhere", principal=READER)
    ).replace("Nowhere", "Hidden")


def test_a_prefix_matches_only_visible_use_cases(sqlite_store: Store) -> None:
    add_use_case(sqlite_store, {**translation_intake(), "name": "Hidden"},
                 marking=Marking.of("SECRET"), principal=HIGH)  # fmt: skip
    shown = add_use_case(sqlite_store, {**translation_intake(), "name": "Open"}, principal=HIGH)
    assert show_use_case(sqlite_store, "uc-", principal=READER).use_case.id == shown.id
    assert "2 use cases" in _message(lambda: show_use_case(sqlite_store, "uc-", principal=HIGH))


def test_a_prefix_matches_only_visible_runs(sqlite_store: Store, tmp_path: Path) -> None:
    task, model = write_task(tmp_path / "open", 2, name="open-sums")
    open_run = eval_run(task, model)
    task, model = write_task(tmp_path / "secret", 2, name="secret-sums")
    secret_run = eval_run(task, model, "--marking", "SECRET")
    prefix = open_run[:8]
    assert secret_run.startswith(prefix)  # both made today: one prefix names both
    reader = READER.model_copy(update={"roles": frozenset({Role.EVALUATOR})})
    assert readable_run(sqlite_store, reader, prefix).id == open_run
    hidden = _message(lambda: readable_run(sqlite_store, reader, secret_run))
    missing = _message(lambda: readable_run(sqlite_store, reader, "20990101-000000-00000000"))
    assert hidden.replace(secret_run, "ID") == missing.replace("20990101-000000-00000000", "ID")
    with pytest.raises(RunNotFoundError, match="2 runs"):
        readable_run(
            sqlite_store, HIGH.model_copy(update={"roles": frozenset({Role.EVALUATOR})}), prefix
        )
