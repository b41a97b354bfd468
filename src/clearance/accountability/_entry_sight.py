"""Which ledger entries a reader may see: those of records they may read, and nothing that
would show that a record above their clearance exists, who wrote it, or when."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clearance.access import UNCLASSIFIED_MARKING, Action, Level, Marking, Principal, can
from clearance.ledger import LedgerEntry
from clearance.store import (
    EXPORT_RECORD_TYPE,
    RECORD_KINDS,
    SAMPLES_RECORD_TYPE,
    SIGN_IN_RECORD_TYPE,
    SIGNING_KEY_RECORD_TYPE,
    LedgerReader,
)

_ABOUT_THE_LEDGER = frozenset({EXPORT_RECORD_TYPE, SIGNING_KEY_RECORD_TYPE})
"""Entries about the ledger itself (exports, signing keys): seen by every reader of it."""

_ABOUT_PEOPLE = frozenset({SIGN_IN_RECORD_TYPE})
"""Entries about users beyond their own tables (sign-ins): seen as the users are."""


@dataclass
class EntrySight:
    """Which records, and so which ledger entries, ``principal`` may know of.

    A record of a marked kind is seen when one of the principal's roles permits its kind's read
    action and their clearance covers its marking; a run's samples with the run; a model when a
    run the principal sees used it, or no run at all (only a model of hidden runs alone is
    hidden); users, their tokens and sign-ins by those who manage users; the ledger's own
    entries (exports, signing keys) by everyone who reads the ledger. A record the store no
    longer holds (deleted outside the ledger) has no marking left to judge: it is known to a
    reader from whom nothing in the store is withheld, or who is cleared TOP SECRET.
    """

    principal: Principal
    seen: set[tuple[str, str]] = field(default_factory=set)
    hidden: set[tuple[str, str]] = field(default_factory=set)
    records_withheld: int = 0
    """Records of marked kinds in the store that the principal may not read."""

    @classmethod
    def of(cls, reader: LedgerReader, principal: Principal) -> EntrySight:
        sight = cls(principal)
        models: set[str] = set()
        hidden_models: set[str] = set()
        for kind in RECORD_KINDS:
            if not kind.marked:
                continue
            for record_id, content in reader.contents(kind.record_type):
                keys = {(kind.record_type, record_id)}
                if kind.record_type == "run":
                    keys.add((SAMPLES_RECORD_TYPE, record_id))
                if not sight._may_read(kind.read_action, content):
                    sight.records_withheld += 1
                    sight.hidden |= keys
                    if kind.record_type == "run":
                        hidden_models.add(str(content["model_id"]))
                    continue
                sight.seen |= keys
                if kind.record_type == "run":
                    models.add(str(content["model_id"]))
        for kind in RECORD_KINDS:
            if kind.marked:
                continue
            for record_id in reader.record_ids(kind.record_type):
                key = (kind.record_type, record_id)
                if kind.record_type == "model":
                    visible = record_id in models or record_id not in hidden_models
                else:
                    visible = sight.manages
                (sight.seen if visible else sight.hidden).add(key)
        return sight

    @property
    def manages(self) -> bool:
        """Whether the principal manages users (and so may know of them and their tokens)."""
        return bool(can(self.principal, Action.USER_MANAGE, UNCLASSIFIED_MARKING))

    def _may_read(self, action: Action | None, content: dict[str, Any]) -> bool:
        if action is None:
            return False
        try:
            marking = Marking(
                level=content["marking_level"],
                compartments=frozenset(content["marking_compartments"]),
            )
        except (KeyError, TypeError, ValueError):
            # A row whose marking was tampered into nonsense: verification names the tampering;
            # until then nobody can be said to be cleared for it.
            return False
        return bool(can(self.principal, action, marking))

    def sees_record(self, record_type: str, record_id: str) -> bool:
        """Whether the principal may know that this record exists (and read its entries)."""
        if record_type in _ABOUT_THE_LEDGER:
            return True
        if record_type in _ABOUT_PEOPLE:
            return self.manages
        key = (record_type, record_id)
        if key in self.seen:
            return True
        if key in self.hidden:
            return False
        return not self.hidden or self.principal.clearance.level is Level.TOP_SECRET

    def shows(self, entry: LedgerEntry) -> bool:
        """Whether the principal may see ``entry`` whole (else only its place in the chain)."""
        return self.sees_record(entry.record_type, entry.record_id)
