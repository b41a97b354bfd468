"""Principals and API tokens in the store: who may act on a team store, and how they prove it.

Every write is one ledgered change whose content is the record's full state afterwards (the
password and token *hashes* included, so a hash swapped in the database shows up in
``clearance ledger verify``). Tokens are stored only as their SHA-256; the token itself is handed
back once, when issued.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from clearance.access import (
    Marking,
    Role,
    new_api_token,
)
from clearance.errors import ClearanceError
from clearance.store._records import ApiTokenRecord, PrincipalRecord
from clearance.store._schema import ApiTokenRow, PrincipalRow
from clearance.store._uow import UnitOfWork


class PrincipalNotFoundError(ClearanceError, LookupError):
    """No principal (or API token) has the id given."""


class PrincipalExistsError(ClearanceError, ValueError):
    """A principal with this id is already in the store."""


def _sorted(values: Iterable[str]) -> list[str]:
    return sorted(set(values))


class PrincipalStore:
    """Reads and writes principals and their API tokens. Writes go through a UnitOfWork."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- writes ------------------------------------------------------------------------------

    def add(
        self,
        uow: UnitOfWork,
        *,
        id: str,
        name: str,
        roles: Iterable[Role],
        clearance: Marking,
        password_hash: str | None,
    ) -> PrincipalRecord:
        """Store a new principal (``principal.create``)."""
        if uow.session.get(PrincipalRow, id) is not None:
            raise PrincipalExistsError(
                f"a user {id!r} already exists; `clearance user list` shows the users, and "
                "`clearance user grant` changes one"
            )
        row = PrincipalRow(
            id=id,
            name=name,
            roles=_sorted(role.value for role in roles),
            clearance_level=clearance.level.value,
            compartments=_sorted(clearance.compartments),
            delegated=[],
            active=True,
            password_hash=password_hash,
            created_at=datetime.now(UTC),
            created_by=uow.actor,
        )
        uow.session.add(row)
        return self._ledgered(uow, row, "principal.create")

    def update(
        self,
        uow: UnitOfWork,
        id: str,
        *,
        action: str,
        roles: Iterable[Role] | None = None,
        clearance: Marking | None = None,
        active: bool | None = None,
        password_hash: str | None = None,
    ) -> PrincipalRecord:
        """Change a principal's roles, clearance, active flag or password hash; one ledger
        entry named ``action`` (e.g. ``principal.grant``) for the whole change."""
        row = self._locked_row(uow, id)
        if roles is not None:
            row.roles = _sorted(role.value for role in roles)
        if clearance is not None:
            row.clearance_level = clearance.level.value
            row.compartments = _sorted(clearance.compartments)
        if active is not None:
            row.active = active
        if password_hash is not None:
            row.password_hash = password_hash
        return self._ledgered(uow, row, action)

    def issue_token(
        self,
        uow: UnitOfWork,
        principal_id: str,
        *,
        name: str,
        expires_at: datetime | None = None,
    ) -> tuple[str, ApiTokenRecord]:
        """A new API token for ``principal_id`` (``token.issue``): the token, to show once, and
        its stored record (which holds only the token's hash)."""
        self._locked_row(uow, principal_id)
        token, token_hash = new_api_token()
        row = ApiTokenRow(
            id=f"tok-{secrets.token_hex(6)}",
            principal_id=principal_id,
            token_sha256=token_hash,
            name=name,
            created_at=datetime.now(UTC),
            expires_at=expires_at,
            revoked_at=None,
        )
        uow.session.add(row)
        return token, uow.record_row("token.issue", row, ApiTokenRecord)

    def revoke_token(self, uow: UnitOfWork, token_id: str) -> ApiTokenRecord:
        """Revoke a token (``token.revoke``); revoking a revoked token changes nothing."""
        row = uow.session.get(ApiTokenRow, token_id, with_for_update=True)
        if row is None:
            raise PrincipalNotFoundError(
                f"no API token {token_id!r}; `clearance user list --tokens` shows token ids"
            )
        if row.revoked_at is not None:
            return ApiTokenRecord.model_validate(row)
        row.revoked_at = datetime.now(UTC)
        return uow.record_row("token.revoke", row, ApiTokenRecord)

    # -- reads -------------------------------------------------------------------------------

    def count(self) -> int:
        """How many principals the store holds (0 on an embedded single-user store)."""
        with Session(self._engine) as s:
            return int(s.execute(select(func.count()).select_from(PrincipalRow)).scalar_one())

    def get(self, id: str) -> PrincipalRecord:
        """The principal with this id."""
        with Session(self._engine) as s:
            row = s.get(PrincipalRow, id)
            if row is None:
                raise PrincipalNotFoundError(
                    f"no user {id!r}; `clearance user list` shows the users"
                )
            return PrincipalRecord.model_validate(row)

    def all(self) -> list[PrincipalRecord]:
        """Every principal, by id."""
        with Session(self._engine) as s:
            rows = s.scalars(select(PrincipalRow).order_by(PrincipalRow.id))
            return [PrincipalRecord.model_validate(row) for row in rows]

    def tokens(self, principal_id: str | None = None) -> list[ApiTokenRecord]:
        """API tokens (of one principal, when given), oldest first."""
        with Session(self._engine) as s:
            stmt = select(ApiTokenRow).order_by(ApiTokenRow.created_at, ApiTokenRow.id)
            if principal_id is not None:
                stmt = stmt.where(ApiTokenRow.principal_id == principal_id)
            return [ApiTokenRecord.model_validate(row) for row in s.scalars(stmt)]

    def token_by_hash(self, token_sha256: str) -> ApiTokenRecord | None:
        """The API token stored with this SHA-256, if any (tokens are kept only as hashes)."""
        with Session(self._engine) as s:
            stmt = select(ApiTokenRow).where(ApiTokenRow.token_sha256 == token_sha256)
            row = s.scalars(stmt).one_or_none()
            return None if row is None else ApiTokenRecord.model_validate(row)

    # -- internals ---------------------------------------------------------------------------

    def _locked_row(self, uow: UnitOfWork, id: str) -> PrincipalRow:
        row = uow.session.get(PrincipalRow, id, with_for_update=True)
        if row is None:
            raise PrincipalNotFoundError(f"no user {id!r}; `clearance user list` shows the users")
        return row

    def _ledgered(self, uow: UnitOfWork, row: PrincipalRow, action: str) -> PrincipalRecord:
        return uow.record_row(action, row, PrincipalRecord)
