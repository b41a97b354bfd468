"""report approvals: a report approved for release, by whom, at which ledger size

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_approvals",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=512), nullable=False),
        sa.Column("period_from", sa.String(length=10), nullable=True),
        sa.Column("period_to", sa.String(length=10), nullable=True),
        sa.Column("approver_name", sa.String(length=256), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("ledger_size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=256), nullable=False),
        sa.Column("marking_level", sa.String(length=32), nullable=False),
        sa.Column("marking_compartments", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("report_approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_approvals_kind"), ["kind"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_approvals_kind"))
    op.drop_table("report_approvals")
