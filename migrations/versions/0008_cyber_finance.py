"""cyber finance: billers, bill payments, settlements, merchants, payment requests,
refunds, callbacks to billers and merchants, disbursement batches and lines

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "callback_deliveries",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("target_type", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=14), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'undeliverable')",
            name=op.f("ck_callback_deliveries_status_known"),
        ),
        sa.CheckConstraint(
            "target_type IN ('biller', 'merchant')",
            name=op.f("ck_callback_deliveries_target_type_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_deliveries")),
        sa.UniqueConstraint(
            "subject_id", "event", name=op.f("uq_callback_deliveries_subject_id_event")
        ),
    )
    op.create_index(
        "ix_callback_deliveries_status_next",
        "callback_deliveries",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_table(
        "billers",
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("reference_pattern", sa.String(length=200), nullable=False),
        sa.Column("reference_hint", sa.String(length=120), nullable=False),
        sa.Column("reference_example", sa.String(length=30), nullable=True),
        sa.Column("fixed_amount", sa.BigInteger(), nullable=True),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.Column("webhook_secret_sealed", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "category IN ('utility', 'telecom', 'tv', 'school', 'tax', 'administrative', 'other')",
            name=op.f("ck_billers_category_known"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'disabled')", name=op.f("ck_billers_status_known")
        ),
        sa.CheckConstraint(
            "fixed_amount IS NULL OR fixed_amount > 0",
            name=op.f("ck_billers_fixed_amount_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["api_clients.id"], name=op.f("fk_billers_client_id_api_clients")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_billers")),
        sa.UniqueConstraint("client_id", name=op.f("uq_billers_client_id")),
    )
    op.create_table(
        "disbursement_batches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("payer_id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("valid", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("valid_amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_amount", sa.BigInteger(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("approved_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('validated', 'processing', 'completed')",
            name=op.f("ck_disbursement_batches_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"],
            ["api_clients.id"],
            name=op.f("fk_disbursement_batches_payer_id_api_clients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disbursement_batches")),
        sa.UniqueConstraint(
            "payer_id", "reference", name=op.f("uq_disbursement_batches_payer_id_reference")
        ),
    )
    op.create_index(
        "ix_disbursement_batches_status_updated",
        "disbursement_batches",
        ["status", "updated_at"],
        unique=False,
    )
    op.create_table(
        "merchants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("fee_rate_bp", sa.Integer(), nullable=False),
        sa.Column("callback_url", sa.String(length=500), nullable=True),
        sa.Column("webhook_secret_sealed", sa.String(length=500), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "fee_rate_bp >= 0 AND fee_rate_bp <= 2000", name=op.f("ck_merchants_fee_rate_bounded")
        ),
        sa.ForeignKeyConstraint(
            ["id"], ["api_clients.id"], name=op.f("fk_merchants_id_api_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchants")),
    )
    op.create_table(
        "bill_payments",
        sa.Column("transfer_id", sa.String(length=36), nullable=False),
        sa.Column("biller_code", sa.String(length=24), nullable=False),
        sa.Column("bill_reference", sa.String(length=30), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paid_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["biller_code"], ["billers.code"], name=op.f("fk_bill_payments_biller_code_billers")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_bill_payments_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("transfer_id", name=op.f("pk_bill_payments")),
    )
    op.create_index(
        "ix_bill_payments_biller_paid", "bill_payments", ["biller_code", "paid_at"], unique=False
    )
    op.create_table(
        "biller_settlements",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("biller_code", sa.String(length=24), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("payments_count", sa.Integer(), nullable=False),
        sa.Column("payments_total", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", BIGINT, nullable=True),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_biller_settlements_amount_non_negative")),
        sa.ForeignKeyConstraint(
            ["biller_code"],
            ["billers.code"],
            name=op.f("fk_biller_settlements_biller_code_billers"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_biller_settlements_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_biller_settlements")),
        sa.UniqueConstraint(
            "biller_code",
            "business_date",
            name=op.f("uq_biller_settlements_biller_code_business_date"),
        ),
    )
    op.create_table(
        "payment_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("merchant_id", sa.String(length=36), nullable=False),
        sa.Column("merchant_reference", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("msisdn", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("callback_url", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("transfer_id", sa.String(length=36), nullable=True),
        sa.Column("challenge_id", sa.String(length=36), nullable=True),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paid_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'declined', 'expired')",
            name=op.f("ck_payment_requests_status_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_requests_amount_positive")),
        sa.CheckConstraint(
            "fee >= 0 AND fee <= amount", name=op.f("ck_payment_requests_fee_bounded")
        ),
        sa.CheckConstraint(
            "refunded >= 0 AND refunded <= amount",
            name=op.f("ck_payment_requests_refunded_bounded"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_payment_requests_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_payment_requests_merchant_id_merchants"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfers.id"],
            name=op.f("fk_payment_requests_transfer_id_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_requests")),
        sa.UniqueConstraint(
            "merchant_id",
            "merchant_reference",
            name=op.f("uq_payment_requests_merchant_id_merchant_reference"),
        ),
    )
    op.create_index(
        "ix_payment_requests_customer_status",
        "payment_requests",
        ["customer_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_payment_requests_status_expires",
        "payment_requests",
        ["status", "expires_at"],
        unique=False,
    )
    op.create_table(
        "disbursement_lines",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("msisdn", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("transfer_id", sa.String(length=36), nullable=True),
        sa.Column("remittance_id", sa.String(length=36), nullable=True),
        sa.Column("processed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('valid', 'rejected', 'completed')",
            name=op.f("ck_disbursement_lines_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["disbursement_batches.id"],
            name=op.f("fk_disbursement_lines_batch_id_disbursement_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_disbursement_lines_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["remittance_id"],
            ["remittances.id"],
            name=op.f("fk_disbursement_lines_remittance_id_remittances"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfers.id"],
            name=op.f("fk_disbursement_lines_transfer_id_transfers"),
        ),
        sa.PrimaryKeyConstraint("batch_id", "line", name=op.f("pk_disbursement_lines")),
    )
    op.create_index(
        "ix_disbursement_lines_batch_status",
        "disbursement_lines",
        ["batch_id", "status", "line"],
        unique=False,
    )
    op.create_table(
        "merchant_refunds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("payment_request_id", sa.String(length=36), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee_returned", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", BIGINT, nullable=False),
        sa.Column("reason", sa.String(length=140), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_merchant_refunds_amount_positive")),
        sa.CheckConstraint(
            "fee_returned >= 0", name=op.f("ck_merchant_refunds_fee_returned_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_merchant_refunds_entry_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_request_id"],
            ["payment_requests.id"],
            name=op.f("fk_merchant_refunds_payment_request_id_payment_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_refunds")),
    )
    op.create_index(
        op.f("ix_merchant_refunds_payment_request_id"),
        "merchant_refunds",
        ["payment_request_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_merchant_refunds_payment_request_id"), table_name="merchant_refunds")
    op.drop_table("merchant_refunds")
    op.drop_index("ix_disbursement_lines_batch_status", table_name="disbursement_lines")
    op.drop_table("disbursement_lines")
    op.drop_index("ix_payment_requests_status_expires", table_name="payment_requests")
    op.drop_index("ix_payment_requests_customer_status", table_name="payment_requests")
    op.drop_table("payment_requests")
    op.drop_table("biller_settlements")
    op.drop_index("ix_bill_payments_biller_paid", table_name="bill_payments")
    op.drop_table("bill_payments")
    op.drop_table("merchants")
    op.drop_index("ix_disbursement_batches_status_updated", table_name="disbursement_batches")
    op.drop_table("disbursement_batches")
    op.drop_table("billers")
    op.drop_index("ix_callback_deliveries_status_next", table_name="callback_deliveries")
    op.drop_table("callback_deliveries")
