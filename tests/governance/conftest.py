"""Fixtures for governance tests: an intake factory (the stores are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from governance_people import base_intake

from clearance.governance import merge_intake


@pytest.fixture
def intake() -> Callable[..., dict[str, Any]]:
    """``intake(**changes)``: the base intake with changes merged in (nested ones merge)."""

    def make(**changes: Any) -> dict[str, Any]:
        return merge_intake(base_intake(), changes)

    return make
