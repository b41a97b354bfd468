"""Errors the governance layer raises for input a user can fix."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from clearance.errors import ClearanceError

Location = tuple[int | str, ...]


class GovernanceError(ClearanceError, ValueError):
    """A governance request that cannot be carried out; the message says why and what to do."""


class IntakeError(GovernanceError):
    """An intake document with problems; each problem names the field and what is allowed."""

    def __init__(
        self,
        source: str,
        problems: Sequence[str],
        locations: Sequence[Location | None] = (),
    ) -> None:
        self.source = source
        self.problems = list(problems)
        self.locations: list[Location | None] = list(locations) or [None] * len(self.problems)
        listed = "\n  - ".join(self.problems)
        super().__init__(f"{source}: the intake has problems:\n  - {listed}")

    def at_lines(self, source: str, line_of: Callable[[Location], int | None]) -> IntakeError:
        """The same problems, each led by the line of ``source`` it is about where the file has
        that field (a missing field has no line)."""
        problems = []
        for problem, location in zip(self.problems, self.locations, strict=True):
            line = line_of(location) if location is not None else None
            problems.append(f"line {line}: {problem}" if line is not None else problem)
        return IntakeError(source, problems, self.locations)


class RulesError(GovernanceError):
    """A classification rules file that cannot be used; the message names the rule and field."""
