"""stated times beside the store's: a decision's stated time, when a sign-off and a waiver
report were recorded

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("use_case_decisions", "stated_at"),
    ("use_case_practices", "sign_recorded_at"),
    ("waiver_reports", "recorded_at"),
)


def upgrade() -> None:
    # Nullable and left empty on existing rows: records written before keep the content their
    # ledger entries digested (an empty late field is left out of it).
    for table, column in _COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table, column in _COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
