"""Errors an assessment raises when its inputs cannot be used."""

from __future__ import annotations

from collections.abc import Collection

from clearance.errors import ClearanceError

_SHOWN_IDS = 10


class AssessError(ClearanceError, ValueError):
    """An input to an assessment that cannot be used; the message says what and how to fix it."""


class SampleMismatchError(AssessError):
    """A baseline run and a mitigated run that did not score the same samples."""

    def __init__(
        self,
        baseline_run: str,
        mitigated_run: str,
        only_baseline: Collection[str],
        only_mitigated: Collection[str],
    ) -> None:
        self.only_baseline = sorted(only_baseline)
        self.only_mitigated = sorted(only_mitigated)
        parts = []
        if self.only_baseline:
            parts.append(
                f"{len(self.only_baseline)} only in baseline run {baseline_run} "
                f"({_listed(self.only_baseline)})"
            )
        if self.only_mitigated:
            parts.append(
                f"{len(self.only_mitigated)} only in mitigated run {mitigated_run} "
                f"({_listed(self.only_mitigated)})"
            )
        super().__init__(
            "the two runs did not score the same samples, so they cannot be paired: "
            + "; ".join(parts)
            + ". Run both on the same data and limit (errored samples count as missing: "
            "`clearance eval resume RUN` retries them)"
        )


def _listed(ids: list[str]) -> str:
    shown = ", ".join(ids[:_SHOWN_IDS])
    more = len(ids) - _SHOWN_IDS
    return shown + (f" and {more} more" if more > 0 else "")
