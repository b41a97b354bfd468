"""Principals and API tokens in the store: who may act on a team store, and how they prove it.

Every write is one ledgered change whose content is the record's full state afterwards (the
password and token *hashes* included, so a hash swapped in the database shows up in
``clearance ledger verify``). Tokens are stored only as their SHA-256; the token itself is handed
back once, when issued.
"""

from __future__ import annotations

import hashlib
import hmac
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
from clearance.store._schema import ApiTokenRow, LedgerRow, PrincipalRow
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
        enrolment: tuple[str, datetime] | None = None,
    ) -> PrincipalRecord:
        """Store a new principal (``principal.create``), with a password hash (the first
        administrator) or an enrolment code's (SHA-256, expiry) for the user to set their own."""
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
            enrolment_sha256=enrolment[0] if enrolment else None,
            enrolment_expires_at=enrolment[1] if enrolment else None,
            created_at=datetime.now(UTC),
            created_by=uow.actor,
        )
        uow.session.add(row)
        return self._ledgered(uow, row, "principal.create")

    def reset(self, uow: UnitOfWork, id: str, enrolment: tuple[str, datetime]) -> PrincipalRecord:
        """Clear a principal's password, revoke every token it holds, and give it a new
        enrolment code (``principal.reset``; one ``token.revoke`` entry per token)."""
        row = self._locked_row(uow, id)
        stmt = select(ApiTokenRow).where(
            ApiTokenRow.principal_id == id, ApiTokenRow.revoked_at.is_(None)
        )
        for token in uow.session.scalars(stmt).all():
            self.revoke_token(uow, token.id)
        row.password_hash = None
        row.enrolment_sha256, row.enrolment_expires_at = enrolment
        return self._ledgered(uow, row, "principal.reset")

    def enrol(
        self, uow: UnitOfWork, id: str, code: str, password_hash: str, now: datetime
    ) -> PrincipalRecord | None:
        """Set the password of a principal holding a live enrolment code ``code``, and spend the
        code (``principal.enrol``); None (nothing written) when there is no such principal or
        the code is wrong, used or expired, alike, so a guesser learns nothing."""
        row = uow.session.get(PrincipalRow, id, with_for_update=True)
        if row is None or row.enrolment_sha256 is None or row.enrolment_expires_at is None:
            return None
        expires = row.enrolment_expires_at
        expires = expires.replace(tzinfo=UTC) if expires.tzinfo is None else expires
        offered = hashlib.sha256(code.strip().encode()).hexdigest()
        if expires <= now or not hmac.compare_digest(offered, row.enrolment_sha256):
            return None
        row.password_hash = password_hash
        row.enrolment_sha256, row.enrolment_expires_at = None, None
        return self._ledgered(uow, row, "principal.enrol")

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

    def ever_had_users(self) -> bool:
        """Whether the store holds users, or its ledger shows it once did (a principals table
        emptied outside Clearance must not hand the store to the local administrator)."""
        if self.count():
            return True
        with Session(self._engine) as s:
            stmt = select(LedgerRow.seq).where(LedgerRow.record_type == "principal").limit(1)
            return s.execute(stmt).first() is not None

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
