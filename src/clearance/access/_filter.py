"""Reading filters: what a listing, report or export may show, and how much it withheld."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from clearance.access._marking import Marking, join_markings
from clearance.access._policy import clearance_refusals, require_permission
from clearance.access._principal import Principal
from clearance.access._roles import Action
from clearance.vocabulary import plural

T = TypeVar("T")


@dataclass(frozen=True)
class Filtered(Generic[T]):
    """The records a principal may read, in their original order, and a count of the rest.

    ``banner`` is the least upper bound of the visible records' markings: what an export or
    report of ``items`` must be marked (UNCLASSIFIED when nothing is visible).
    """

    items: tuple[T, ...]
    withheld: int
    banner: Marking

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def withheld_notice(self) -> str | None:
        """A sentence for the foot of a listing, or None when nothing was withheld."""
        if self.withheld == 0:
            return None
        withheld = plural(self.withheld, "record")
        return f"{withheld} withheld: above your clearance or outside your compartments"


def readable(
    principal: Principal,
    records: Iterable[T],
    marking_of: Callable[[T], Marking],
    *,
    action: Action | str,
) -> Filtered[T]:
    """Keep the ``records`` that ``principal`` may take ``action`` on, counting the others.

    Raises :class:`AccessDenied` when the principal may not take ``action`` at all (inactive, or
    no role permits it): a listing it cannot see is refused, not shown empty. Otherwise each
    record is kept when the principal's clearance covers ``marking_of(record)``.
    """
    checked = Action.parse(action)
    require_permission(principal, checked)
    visible: list[T] = []
    markings: list[Marking] = []
    withheld = 0
    for position, record in enumerate(records):
        marking = marking_of(record)
        if not isinstance(marking, Marking):
            raise TypeError(
                f"marking_of returned {type(marking).__name__} for record #{position}; "
                "every record must carry a Marking (UNCLASSIFIED_MARKING when unmarked)"
            )
        if clearance_refusals(principal, marking):
            withheld += 1
            continue
        visible.append(record)
        markings.append(marking)
    return Filtered(items=tuple(visible), withheld=withheld, banner=join_markings(markings))
