"""Back office: reversal proposals (one operator proposes, another approves)

``open_transfer_id`` is the transfer's id while the proposal is open, NULL once
decided; unique, so a transfer has at most one open proposal
(``app/helpdesk/models.py``).

Revision ID: 0025_reversal_proposals
Revises: 0024_float_requests
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = "0025_reversal_proposals"
down_revision: str | None = "0024_float_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reversal_proposals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("transfer_id", sa.String(length=36), nullable=False),
        sa.Column("open_transfer_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("proposed_by", sa.String(length=36), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "status IN ('proposed', 'approved', 'rejected')",
            name=op.f("ck_reversal_proposals_status_known"),
        ),
        sa.CheckConstraint(
            "(status = 'proposed') = (open_transfer_id IS NOT NULL)",
            name=op.f("ck_reversal_proposals_open_while_proposed"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfers.id"],
            name=op.f("fk_reversal_proposals_transfer_id_transfers"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"],
            ["staff_users.id"],
            name=op.f("fk_reversal_proposals_proposed_by_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["staff_users.id"],
            name=op.f("fk_reversal_proposals_decided_by_staff_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reversal_proposals")),
        sa.UniqueConstraint(
            "open_transfer_id", name=op.f("uq_reversal_proposals_open_transfer_id")
        ),
    )
    op.create_index(
        "ix_reversal_proposals_transfer",
        "reversal_proposals",
        ["transfer_id", "proposed_at"],
        unique=False,
    )
    op.create_index(
        "ix_reversal_proposals_status",
        "reversal_proposals",
        ["status", "proposed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_reversal_proposals_status", table_name="reversal_proposals")
    op.drop_index("ix_reversal_proposals_transfer", table_name="reversal_proposals")
    op.drop_table("reversal_proposals")
