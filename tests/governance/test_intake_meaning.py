"""Intake values that parse but cannot be true (dates out of order, a runaway text field) and
waiver durations beyond any calendar are refused with a message naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from governance_people import CAIO, DEVELOPER, T0

from clearance.governance import (
    GovernanceError,
    IntakeError,
    add_use_case,
    grant_waiver,
    parse_intake,
)
from clearance.store import Store


def test_a_retired_date_before_the_start_is_refused(intake: Callable[..., dict[str, Any]]) -> None:
    data = intake(omb={"date_initiated": "2024-05-01", "date_retired": "2023-01-01"})
    with pytest.raises(IntakeError) as caught:
        parse_intake(data, "uc.yaml")
    message = str(caught.value)
    assert "field 'omb'" in message
    assert "date_retired 2023-01-01 is before date_initiated 2024-05-01" in message


def test_dates_in_order_with_gaps_are_accepted(intake: Callable[..., dict[str, Any]]) -> None:
    data = intake(omb={"date_initiated": "2023-01-01", "date_implemented": "2024-01-01"})
    assert str(parse_intake(data).omb.date_implemented) == "2024-01-01"


def test_a_text_field_beyond_its_declared_limit_is_refused(
    intake: Callable[..., dict[str, Any]],
) -> None:
    with pytest.raises(IntakeError) as caught:
        parse_intake(intake(outputs="x" * 20_001), "uc.yaml")
    assert "field 'outputs': String should have at most 20000 characters" in str(caught.value)


def test_a_waiver_of_a_hundred_billion_days_is_refused_not_overflowed(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc = add_use_case(
        sqlite_store,
        intake(principal_basis=True, functions=["threat_designation"]),
        principal=DEVELOPER,
        now=T0,
    )
    with pytest.raises(GovernanceError, match="at most 365 days, got 99999999999"):
        grant_waiver(
            sqlite_store,
            uc.id,
            "independent-evaluation",
            category="impedes-critical-operations",
            finding="Independent evaluators are not available before the exercise begins.",
            principal=CAIO,
            now=T0,
            days=99_999_999_999,
        )
