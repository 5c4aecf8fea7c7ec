"""Back office (partners): prefunding under maker-checker; who uploaded and approved a batch

``prefunding_requests``: an operator records a deposit a partner, payer or
sender made to the trust bank (amount, bank reference, reason); another
operator approves it, and only then is the ledger credited
(``app/remittances/prefunding_requests.py``). ``disbursement_batches`` gains
``submitted_by`` and ``approved_by``: the staff who uploaded a batch in the back
office and the other one who approved it (both NULL for a payer's own batch
through the API). Plain staff ids, like the audit trail's, so the columns add
to the table without rebuilding it.

Revision ID: 0026_prefunding_requests
Revises: 0023_backoffice_network
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = "0026_prefunding_requests"
down_revision: str | None = "0023_backoffice_network"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "prefunding_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_holder", sa.String(length=10), nullable=False),
        sa.Column("holder_id", sa.String(length=36), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("bank_reference", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=36), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.String(length=200), nullable=True),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.CheckConstraint(
            "account_holder IN ('partner', 'payer', 'sender')",
            name=op.f("ck_prefunding_requests_holder_known"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_prefunding_requests_status_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_prefunding_requests_amount_positive")),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["api_clients.id"],
            name=op.f("fk_prefunding_requests_holder_id_api_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["staff_users.id"],
            name=op.f("fk_prefunding_requests_requested_by_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["staff_users.id"],
            name=op.f("fk_prefunding_requests_decided_by_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_prefunding_requests_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prefunding_requests")),
    )
    op.create_index(
        "ix_prefunding_requests_status", "prefunding_requests", ["status", "requested_at"]
    )
    op.create_index(
        "ix_prefunding_requests_bank_reference",
        "prefunding_requests",
        ["holder_id", "bank_reference"],
    )
    op.add_column(
        "disbursement_batches", sa.Column("submitted_by", sa.String(length=36), nullable=True)
    )
    op.add_column(
        "disbursement_batches", sa.Column("approved_by", sa.String(length=36), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("disbursement_batches") as batch_op:
        batch_op.drop_column("approved_by")
        batch_op.drop_column("submitted_by")
    op.drop_index("ix_prefunding_requests_bank_reference", table_name="prefunding_requests")
    op.drop_index("ix_prefunding_requests_status", table_name="prefunding_requests")
    op.drop_table("prefunding_requests")
