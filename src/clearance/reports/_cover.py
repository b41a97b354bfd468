"""The cover of a report: agency, office, reporting period, who prepared it, who approved it,
its classification and its date in words."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from clearance.access import Principal
from clearance.reports._document import Approval, Cover, LedgerState, words_date
from clearance.reports._errors import ReportError


class CoverDetails(BaseModel):
    """What the person asking for a report says about it (``clearance report ... --agency``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agency: str | None = None
    office: str | None = None
    period_from: date | None = None
    """First day of the reporting period; records made before it are left out."""
    period_to: date | None = None
    """Last day of the reporting period; records made after it are left out."""
    prepared_by: str | None = None
    """Default: the name of the principal who renders the report."""

    def check(self) -> CoverDetails:
        """These details, or a :class:`ReportError` saying what is wrong with them."""
        if self.period_from and self.period_to and self.period_from > self.period_to:
            raise ReportError(
                f"the reporting period runs backwards: --from {self.period_from} is after --to "
                f"{self.period_to}; give the first day first"
            )
        return self

    def within(self, when: datetime) -> bool:
        """Whether a record made at ``when`` (UTC) falls in the reporting period."""
        day = when.date()
        if self.period_from and day < self.period_from:
            return False
        return not (self.period_to and day > self.period_to)

    @property
    def bounded(self) -> bool:
        """Whether a reporting period was given at all."""
        return self.period_from is not None or self.period_to is not None


def make_cover(
    details: CoverDetails,
    principal: Principal,
    ledger: LedgerState,
    approval: Approval | None = None,
) -> Cover:
    """The cover a report states, from the details asked for and the ledger it reflects."""
    details.check()
    return Cover(
        agency=details.agency,
        office=details.office,
        period_from=details.period_from.isoformat() if details.period_from else None,
        period_to=details.period_to.isoformat() if details.period_to else None,
        prepared_by=details.prepared_by or f"{principal.name} ({principal.id})",
        approval=approval,
        date=words_date(ledger.last_entry_time),
    )
