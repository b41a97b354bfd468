"""supply chain: signatures of model weights, critical technical artifacts and their custody,
critical nodes of the AI supply chain

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _marked_and_made() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=256), nullable=False),
        sa.Column("marking_level", sa.String(length=32), nullable=False),
        sa.Column("marking_compartments", sa.JSON(), nullable=False),
    ]


def _updated() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=256), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "model_signatures",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("model_id", sa.String(length=64), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("weights_sha256", sa.String(length=64), nullable=False),
        sa.Column("signature_sha256", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("trust", sa.Text(), nullable=False),
        sa.Column("signer", sa.String(length=512), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        *_marked_and_made(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_model_signatures_model_id", "model_signatures", ["model_id"])
    op.create_index("ix_model_signatures_weights_sha256", "model_signatures", ["weights_sha256"])
    op.create_index("ix_model_signatures_created_at", "model_signatures", ["created_at"])
    op.create_table(
        "critical_artifacts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("model_id", sa.String(length=64), nullable=True),
        sa.Column("weights_sha256", sa.String(length=64), nullable=False),
        sa.Column("custodian", sa.String(length=256), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        *_marked_and_made(),
        *_updated(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_critical_artifacts_name", "critical_artifacts", ["name"])
    op.create_index(
        "ix_critical_artifacts_weights_sha256", "critical_artifacts", ["weights_sha256"]
    )
    op.create_table(
        "custody_entries",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("artifact_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_custodian", sa.String(length=256), nullable=False),
        sa.Column("to_custodian", sa.String(length=256), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("weights_sha256", sa.String(length=64), nullable=True),
        sa.Column("digest_matches", sa.Boolean(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        *_marked_and_made(),
        sa.ForeignKeyConstraint(["artifact_id"], ["critical_artifacts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_custody_entries_artifact_id", "custody_entries", ["artifact_id"])
    op.create_index("ix_custody_entries_created_at", "custody_entries", ["created_at"])
    op.create_table(
        "critical_nodes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=1024), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("avenues", sa.JSON(), nullable=False),
        sa.Column("owner", sa.String(length=256), nullable=False),
        sa.Column("review_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=256), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        *_marked_and_made(),
        *_updated(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_critical_nodes_name", "critical_nodes", ["name"])


def downgrade() -> None:
    op.drop_table("critical_nodes")
    op.drop_table("custody_entries")
    op.drop_table("critical_artifacts")
    op.drop_table("model_signatures")
