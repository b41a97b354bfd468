"""Clearance levels and markings: a level plus compartments, ordered by dominance."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, field_validator

from clearance.errors import ClearanceError

_BANNER_SEPARATOR = "//"
_COMPARTMENT_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")
_COMPARTMENT_MAX_LENGTH = 64


class MarkingError(ClearanceError, ValueError):
    """A level, compartment or banner could not be read; the message says what is accepted."""


class Level(Enum):
    """A classification level, totally ordered from UNCLASSIFIED (lowest) to TOP SECRET.

    Values are the spelling used in banners, so a serialized marking reads as it prints.
    """

    UNCLASSIFIED = "UNCLASSIFIED"
    CUI = "CUI"
    CONFIDENTIAL = "CONFIDENTIAL"
    SECRET = "SECRET"
    TOP_SECRET = "TOP SECRET"

    @property
    def rank(self) -> int:
        """Position in the order: 0 for UNCLASSIFIED up to 4 for TOP SECRET."""
        return _LEVEL_ORDER.index(self)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank >= other.rank

    @classmethod
    def parse(cls, text: str | Level) -> Level:
        """Read a level written any usual way: ``"TOP SECRET"``, ``"top_secret"``, ``"TS"``.

        Case, spaces, ``-`` and ``_`` do not matter. Raises :class:`MarkingError` listing the
        accepted spellings otherwise.
        """
        if isinstance(text, Level):
            return text
        if not isinstance(text, str):
            raise MarkingError(
                f"a clearance level must be text such as 'SECRET', got {type(text).__name__}; "
                f"accepted: {_ACCEPTED_LEVELS}"
            )
        key = _normalise_level_text(text)
        level = _LEVEL_ALIASES.get(key)
        if level is None:
            raise MarkingError(
                f"unknown clearance level {text!r}; accepted: {_ACCEPTED_LEVELS} "
                "(case, spaces, '-' and '_' do not matter)"
            )
        return level

    @classmethod
    def _missing_(cls, value: object) -> Level:
        # Lets Level("ts") and pydantic validation accept the same spellings as Level.parse.
        if isinstance(value, str):
            return cls.parse(value)
        return super()._missing_(value)  # type: ignore[no-any-return]

    def __str__(self) -> str:
        return self.value


_LEVEL_ORDER: tuple[Level, ...] = tuple(Level)

_LEVEL_ALIASES: dict[str, Level] = {
    "UNCLASSIFIED": Level.UNCLASSIFIED,
    "U": Level.UNCLASSIFIED,
    "CUI": Level.CUI,
    "CONFIDENTIAL": Level.CONFIDENTIAL,
    "C": Level.CONFIDENTIAL,
    "SECRET": Level.SECRET,
    "S": Level.SECRET,
    "TOPSECRET": Level.TOP_SECRET,
    "TS": Level.TOP_SECRET,
}

_ACCEPTED_LEVELS = "UNCLASSIFIED (U), CUI, CONFIDENTIAL (C), SECRET (S), TOP SECRET (TS)"


def _normalise_level_text(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text).upper()


def _normalise_compartment(name: object, position: int) -> str:
    if not isinstance(name, str):
        raise MarkingError(
            f"compartment #{position} must be text such as 'BIO', got {type(name).__name__}"
        )
    upper = name.strip().upper()
    if len(upper) > _COMPARTMENT_MAX_LENGTH:
        raise MarkingError(
            f"compartment {name!r} is {len(upper)} characters long; "
            f"use at most {_COMPARTMENT_MAX_LENGTH}"
        )
    if not _COMPARTMENT_PATTERN.fullmatch(upper):
        raise MarkingError(
            f"compartment {name!r} is not a valid name; use letters, digits, '-' and '_', "
            "starting with a letter or digit (e.g. 'BIO', 'CYBER-2')"
        )
    return upper


class Marking(BaseModel):
    """What a record is marked with, or what a principal is cleared for: a level plus compartments.

    Markings form a lattice under :meth:`dominates`: ``a`` dominates ``b`` when ``a``'s level is
    at least ``b``'s and ``a`` holds every compartment ``b`` does. Compartment names are stored
    upper-case.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: Level = Level.UNCLASSIFIED
    compartments: frozenset[str] = frozenset()

    @field_validator("level", mode="before")
    @classmethod
    def _parse_level(cls, value: Any) -> Level:
        return Level.parse(value)

    @field_validator("compartments", mode="before")
    @classmethod
    def _parse_compartments(cls, value: Any) -> frozenset[str]:
        if isinstance(value, str):
            raise MarkingError(
                f"compartments must be a list of names, got the single string {value!r}; "
                f"write ['{value}'] (or parse a banner with Marking.parse)"
            )
        if not isinstance(value, Iterable):
            raise MarkingError(
                f"compartments must be a list of names such as ['BIO'], got {type(value).__name__}"
            )
        return frozenset(_normalise_compartment(name, i) for i, name in enumerate(value))

    @classmethod
    def of(cls, level: Level | str, *compartments: str) -> Marking:
        """Shorthand: ``Marking.of("SECRET", "BIO")``."""
        return cls(level=Level.parse(level), compartments=frozenset(compartments))

    @classmethod
    def parse(cls, banner: str) -> Marking:
        """Read a banner such as ``"SECRET//BIO//CYBER"`` (the inverse of :meth:`banner`).

        The first part is the level (any spelling :meth:`Level.parse` accepts); each further part
        separated by ``//`` is one compartment.
        """
        if not isinstance(banner, str):
            raise MarkingError(
                f"a banner must be text such as 'SECRET//BIO', got {type(banner).__name__}"
            )
        level_text, *compartments = banner.strip().split(_BANNER_SEPARATOR)
        for position, part in enumerate(compartments, start=1):
            if not part.strip():
                raise MarkingError(
                    f"banner {banner!r} has an empty part at position {position}; "
                    "write compartments as LEVEL//NAME//NAME, e.g. 'SECRET//BIO//CYBER'"
                )
        return cls(level=Level.parse(level_text), compartments=frozenset(compartments))

    def dominates(self, other: Marking) -> bool:
        """True when this level is at least ``other``'s and its compartments include ``other``'s."""
        return self.level >= other.level and other.compartments <= self.compartments

    def join(self, *others: Marking) -> Marking:
        """The least upper bound: the highest level and the union of all compartments.

        ``a.join(b, c)`` and ``Marking.join(a, b, c)`` are the same; for a possibly empty
        collection use :func:`join_markings`.
        """
        return join_markings((self, *others))

    def banner(self) -> str:
        """The marking as printed: ``"SECRET//BIO//CYBER"``, compartments in alphabetical order."""
        return _BANNER_SEPARATOR.join((self.level.value, *sorted(self.compartments)))

    def missing_from(self, holder: Marking) -> frozenset[str]:
        """This marking's compartments that ``holder`` does not hold."""
        return self.compartments - holder.compartments

    def __str__(self) -> str:
        return self.banner()


UNCLASSIFIED_MARKING = Marking()
"""The lowest marking: what an unmarked record carries and the banner of an empty export."""


class Marked(Protocol):
    """A stored record with a marking, kept as two columns."""

    @property
    def marking_level(self) -> str: ...

    @property
    def marking_compartments(self) -> Sequence[str]: ...


def marking_of(record: Marked) -> Marking:
    """The marking a stored record carries: the one place its two columns become a marking."""
    return Marking(level=record.marking_level, compartments=frozenset(record.marking_compartments))


def marking_fields(marking: Marking) -> dict[str, Any]:
    """The marking columns of a row: :func:`marking_of`'s inverse."""
    return {
        "marking_level": marking.level.value,
        "marking_compartments": sorted(marking.compartments),
    }


def join_markings(markings: Iterable[Marking]) -> Marking:
    """The least upper bound of ``markings``; :data:`UNCLASSIFIED_MARKING` when there are none."""
    level = Level.UNCLASSIFIED
    compartments: set[str] = set()
    for position, marking in enumerate(markings):
        if not isinstance(marking, Marking):
            raise MarkingError(
                f"item #{position} to join is a {type(marking).__name__}, not a Marking"
            )
        level = max(level, marking.level)
        compartments |= marking.compartments
    return Marking(level=level, compartments=frozenset(compartments))
