"""A run's domain is the one it recorded when it ran: re-tagging a benchmark later (or a task
of the same name elsewhere) does not move old runs between domains."""

from __future__ import annotations

from assess_runs import add_run

from clearance.assess import domain_of
from clearance.store import Store


def test_the_recorded_domain_wins_over_todays_catalogue(sqlite_store: Store) -> None:
    # starter-cyber is tagged cyber in today's catalogue; this run recorded bio when it ran.
    run = add_run(sqlite_store, "starter-cyber", "m/a", [1.0], provenance_task={"domain": "bio"})
    assert domain_of(run) == "bio"


def test_a_run_from_before_runs_recorded_their_domain_falls_back_to_the_catalogue(
    sqlite_store: Store,
) -> None:
    run = add_run(sqlite_store, "starter-cyber", "m/a", [1.0])
    assert domain_of(run) == "cyber"


def test_the_users_assignment_still_comes_first(sqlite_store: Store) -> None:
    run = add_run(sqlite_store, "starter-cyber", "m/a", [1.0], provenance_task={"domain": "bio"})
    assert domain_of(run, {"starter-cyber": "chem"}) == "chem"
