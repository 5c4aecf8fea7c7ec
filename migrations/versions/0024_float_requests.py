"""float_requests: agents' and supervisors' requests to top up or return float

A request names the agent whose float moves, the amount and who asked; an
operator other than the requester approves it (the ledger entry's id is kept)
or rejects it with a reason.

Revision ID: 0024_float_requests
Revises: 0030_customer_devices
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = "0024_float_requests"
down_revision: str | None = "0030_customer_devices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "float_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("agent_id", sa.String(length=36), nullable=False),
        sa.Column("post_office_code", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=36), nullable=False),
        sa.Column("requested_by_role", sa.String(length=16), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_note", sa.String(length=200), nullable=True),
        sa.Column("entry_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('topup', 'return')", name=op.f("ck_float_requests_kind_known")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_float_requests_status_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_float_requests_amount_positive")),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["staff_users.id"], name=op.f("fk_float_requests_agent_id_staff_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_float_requests")),
    )
    op.create_index("ix_float_requests_status", "float_requests", ["status", "requested_at"])
    op.create_index(
        "ix_float_requests_office", "float_requests", ["post_office_code", "requested_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_float_requests_office", table_name="float_requests")
    op.drop_index("ix_float_requests_status", table_name="float_requests")
    op.drop_table("float_requests")
