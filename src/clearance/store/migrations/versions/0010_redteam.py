"""red teaming: campaigns, sessions, turns and tagged attempts with their confirmations

Revision ID: 0010
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def _created_and_marked() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=256), nullable=False),
        sa.Column("marking_level", sa.String(length=32), nullable=False),
        sa.Column("marking_compartments", sa.JSON(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "redteam_campaigns",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("model_spec", sa.String(length=512), nullable=False),
        sa.Column("domain", sa.String(length=32), nullable=False),
        sa.Column("objectives", sa.JSON(), nullable=False),
        sa.Column("rules_of_engagement", sa.Text(), nullable=False),
        sa.Column("techniques", sa.JSON(), nullable=False),
        sa.Column("system_prompt", sa.Text(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        *_created_and_marked(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_redteam_campaigns_name", "redteam_campaigns", ["name"], unique=False)
    op.create_table(
        "redteam_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("model_spec", sa.String(length=512), nullable=False),
        sa.Column("model_info", sa.JSON(), nullable=False),
        sa.Column("system_prompt", sa.Text(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_created_and_marked(),
        sa.ForeignKeyConstraint(["campaign_id"], ["redteam_campaigns.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_redteam_sessions_campaign_id", "redteam_sessions", ["campaign_id"], unique=False
    )
    op.create_table(
        "redteam_turns",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("usage", sa.JSON(), nullable=False),
        sa.Column("latency", sa.Float(), nullable=False),
        *_created_and_marked(),
        sa.ForeignKeyConstraint(["session_id"], ["redteam_sessions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_redteam_turns_session_id", "redteam_turns", ["session_id"], unique=False)
    op.create_table(
        "redteam_attempts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("turn_id", sa.String(length=64), nullable=False),
        sa.Column("objective_id", sa.String(length=128), nullable=False),
        sa.Column("technique", sa.String(length=128), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("confirmed_outcome", sa.String(length=16), nullable=True),
        sa.Column("confirmed_by", sa.String(length=256), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmation_note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_created_and_marked(),
        sa.ForeignKeyConstraint(["session_id"], ["redteam_sessions.id"]),
        sa.ForeignKeyConstraint(["turn_id"], ["redteam_turns.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_redteam_attempts_session_id", "redteam_attempts", ["session_id"], unique=False
    )


def downgrade() -> None:
    for table in ("redteam_attempts", "redteam_turns", "redteam_sessions", "redteam_campaigns"):
        op.drop_table(table)
