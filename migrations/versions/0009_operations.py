"""operations: the stored daily reconciliation, one row per run and version

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reconciliations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("breaks", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("triggered_by", sa.String(length=36), nullable=True),
        sa.Column("started_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("alert_status", sa.String(length=8), nullable=False),
        sa.Column("alert_attempts", sa.Integer(), nullable=False),
        sa.Column("alert_error", sa.String(length=300), nullable=True),
        sa.Column("alerted_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "alert_status IN ('none', 'pending', 'sent')",
            name=op.f("ck_reconciliations_alert_status_known"),
        ),
        sa.CheckConstraint(
            "status IN ('ok', 'breaks')", name=op.f("ck_reconciliations_status_known")
        ),
        sa.CheckConstraint(
            "trigger IN ('schedule', 'command', 'admin')",
            name=op.f("ck_reconciliations_trigger_known"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_reconciliations_version_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliations")),
        sa.UniqueConstraint("business_date", "version", name="uq_reconciliations_date_version"),
    )


def downgrade() -> None:
    op.drop_table("reconciliations")
