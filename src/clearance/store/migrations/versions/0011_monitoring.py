"""monitoring: monitors, monitoring runs, alerts and ingested production transcripts

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _owned() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=256), nullable=False),
        sa.Column("marking_level", sa.String(length=32), nullable=False),
        sa.Column("marking_compartments", sa.JSON(), nullable=False),
    ]


def _index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "monitors",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("use_case_id", sa.String(length=64), nullable=False),
        sa.Column("model_spec", sa.String(length=512), nullable=False),
        sa.Column("suite", sa.String(length=128), nullable=True),
        sa.Column("task", sa.String(length=512), nullable=True),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=True),
        sa.Column("alpha", sa.Float(), nullable=False),
        sa.Column("outbox", sa.String(length=1024), nullable=False),
        sa.Column("webhook_url", sa.String(length=1024), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("next_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("looks", sa.Integer(), nullable=False),
        *_owned(),
        sa.ForeignKeyConstraint(["use_case_id"], ["use_cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("monitors", "use_case_id")
    op.create_table(
        "monitoring_runs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("monitor_id", sa.String(length=64), nullable=False),
        sa.Column("use_case_id", sa.String(length=64), nullable=False),
        sa.Column("look", sa.Integer(), nullable=False),
        sa.Column("approval_id", sa.String(length=64), nullable=True),
        sa.Column("run_ids", sa.JSON(), nullable=False),
        sa.Column("comparisons", sa.JSON(), nullable=False),
        sa.Column("alarm", sa.Boolean(), nullable=False),
        sa.Column("incident_id", sa.String(length=64), nullable=True),
        *_owned(),
        sa.ForeignKeyConstraint(["monitor_id"], ["monitors.id"]),
        sa.ForeignKeyConstraint(["use_case_id"], ["use_cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("monitoring_runs", "created_at", "monitor_id", "use_case_id")
    op.create_table(
        "monitoring_alerts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("use_case_id", sa.String(length=64), nullable=False),
        sa.Column("monitor_id", sa.String(length=64), nullable=True),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("outbox_path", sa.String(length=1024), nullable=False),
        sa.Column("webhook_status", sa.String(length=512), nullable=False),
        *_owned(),
        sa.ForeignKeyConstraint(["use_case_id"], ["use_cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("monitoring_alerts", "monitor_id", "use_case_id")
    op.create_table(
        "monitoring_transcripts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("use_case_id", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("source_format", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("redactions", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        *_owned(),
        sa.ForeignKeyConstraint(["use_case_id"], ["use_cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("monitoring_transcripts", "batch_id", "occurred_at", "use_case_id")


def downgrade() -> None:
    op.drop_table("monitoring_transcripts")
    op.drop_table("monitoring_alerts")
    op.drop_table("monitoring_runs")
    op.drop_table("monitors")
