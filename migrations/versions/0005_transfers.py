"""transfers: P2P, withdrawals, cash-in and cash-out

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "transfers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("commission", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("initiator_id", sa.String(length=36), nullable=False),
        sa.Column("client_key", sa.String(length=255), nullable=True),
        sa.Column("from_customer_id", sa.String(length=36), nullable=True),
        sa.Column("to_customer_id", sa.String(length=36), nullable=True),
        sa.Column("from_msisdn", sa.String(length=16), nullable=True),
        sa.Column("to_msisdn", sa.String(length=16), nullable=True),
        sa.Column("agent_id", sa.String(length=36), nullable=True),
        sa.Column("note", sa.String(length=140), nullable=True),
        sa.Column("hold_entry_id", BIGINT, nullable=True),
        sa.Column("entry_id", BIGINT, nullable=True),
        sa.Column("reversal_entry_id", BIGINT, nullable=True),
        sa.Column("challenge_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reversed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failure_reason", sa.String(length=200), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_transfers_amount_positive")),
        sa.CheckConstraint("fee >= 0", name=op.f("ck_transfers_fee_non_negative")),
        sa.CheckConstraint(
            "status IN ('pending_confirmation', 'completed', 'cancelled', 'expired', 'failed', "
            "'reversed')",
            name=op.f("ck_transfers_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["staff_users.id"], name=op.f("fk_transfers_agent_id_staff_users")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_transfers_entry_id_ledger_entries")
        ),
        sa.ForeignKeyConstraint(
            ["from_customer_id"],
            ["customers.id"],
            name=op.f("fk_transfers_from_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["hold_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_transfers_hold_entry_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["reversal_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_transfers_reversal_entry_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["to_customer_id"], ["customers.id"], name=op.f("fk_transfers_to_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
        sa.UniqueConstraint("initiator_id", "client_key", name="uq_transfers_initiator_client_key"),
        sa.UniqueConstraint("reference", name=op.f("uq_transfers_reference")),
    )
    op.create_index("ix_transfers_agent_completed", "transfers", ["agent_id", "completed_at"])
    op.create_index("ix_transfers_from_customer", "transfers", ["from_customer_id", "created_at"])
    op.create_index("ix_transfers_status_expires", "transfers", ["status", "expires_at"])
    op.create_index(op.f("ix_transfers_to_customer_id"), "transfers", ["to_customer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_transfers_to_customer_id"), table_name="transfers")
    op.drop_index("ix_transfers_status_expires", table_name="transfers")
    op.drop_index("ix_transfers_from_customer", table_name="transfers")
    op.drop_index("ix_transfers_agent_completed", table_name="transfers")
    op.drop_table("transfers")
