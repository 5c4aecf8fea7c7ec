"""remittances: money orders, quotes, FX rates, code misses, partner webhooks

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.String(length=32), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("currency", name=op.f("pk_fx_rates")),
    )
    op.create_table(
        "remittance_code_misses",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("actor", sa.String(length=48), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remittance_code_misses")),
    )
    op.create_index(
        "ix_remittance_code_misses_actor_at",
        "remittance_code_misses",
        ["actor", "at"],
        unique=False,
    )
    op.create_table(
        "partner_webhooks",
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret_sealed", sa.String(length=500), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["api_clients.id"],
            name=op.f("fk_partner_webhooks_partner_id_api_clients"),
        ),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_partner_webhooks")),
    )
    op.create_table(
        "remittance_quotes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("send_amount", sa.BigInteger(), nullable=False),
        sa.Column("send_currency", sa.String(length=3), nullable=False),
        sa.Column("mid_rate", sa.String(length=32), nullable=False),
        sa.Column("rate", sa.String(length=32), nullable=False),
        sa.Column("margin_bp", sa.Integer(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fx_fee", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_remittance_quotes_amount_positive")),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["api_clients.id"],
            name=op.f("fk_remittance_quotes_partner_id_api_clients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remittance_quotes")),
    )
    op.create_index(
        op.f("ix_remittance_quotes_partner_id"), "remittance_quotes", ["partner_id"], unique=False
    )
    op.create_table(
        "remittances",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("payout_method", sa.String(length=8), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("fx_fee", sa.BigInteger(), nullable=False),
        sa.Column("send_commission", sa.BigInteger(), nullable=False),
        sa.Column("payout_commission", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("initiator_id", sa.String(length=36), nullable=False),
        sa.Column("client_key", sa.String(length=255), nullable=True),
        sa.Column("sender_customer_id", sa.String(length=36), nullable=True),
        sa.Column("sender_name", sa.String(length=60), nullable=False),
        sa.Column("sender_msisdn", sa.String(length=16), nullable=True),
        sa.Column("sender_country", sa.String(length=2), nullable=True),
        sa.Column("sender_id_type", sa.String(length=24), nullable=True),
        sa.Column("sender_id_number", sa.String(length=40), nullable=True),
        sa.Column("send_agent_id", sa.String(length=36), nullable=True),
        sa.Column("recipient_name", sa.String(length=60), nullable=False),
        sa.Column("recipient_msisdn", sa.String(length=16), nullable=False),
        sa.Column("recipient_customer_id", sa.String(length=36), nullable=True),
        sa.Column("recipient_id_type", sa.String(length=24), nullable=True),
        sa.Column("recipient_id_number", sa.String(length=40), nullable=True),
        sa.Column("payout_agent_id", sa.String(length=36), nullable=True),
        sa.Column("partner_id", sa.String(length=36), nullable=True),
        sa.Column("partner_reference", sa.String(length=64), nullable=True),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("quote_id", sa.String(length=36), nullable=True),
        sa.Column("send_amount", sa.BigInteger(), nullable=True),
        sa.Column("send_currency", sa.String(length=3), nullable=True),
        sa.Column("fx_rate", sa.String(length=32), nullable=True),
        sa.Column("returned_from_id", sa.String(length=36), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("challenge_id", sa.String(length=36), nullable=True),
        sa.Column("hold_entry_id", BIGINT, nullable=True),
        sa.Column("entry_id", BIGINT, nullable=True),
        sa.Column("settle_entry_id", BIGINT, nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paid_out_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failure_reason", sa.String(length=200), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "payout_method IS NULL OR payout_method IN ('cash', 'wallet')",
            name=op.f("ck_remittances_payout_method_known"),
        ),
        sa.CheckConstraint(
            "source IN ('wallet', 'cash', 'partner', 'return')",
            name=op.f("ck_remittances_source_known"),
        ),
        sa.CheckConstraint(
            "status IN ('pending_confirmation', 'awaiting_payout', 'paid_out', 'cancelled', "
            "'expired', 'failed')",
            name=op.f("ck_remittances_status_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_remittances_amount_positive")),
        sa.CheckConstraint("fee >= 0", name=op.f("ck_remittances_fee_non_negative")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_remittances_entry_id_ledger_entries")
        ),
        sa.ForeignKeyConstraint(
            ["hold_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_remittances_hold_entry_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["api_clients.id"], name=op.f("fk_remittances_partner_id_api_clients")
        ),
        sa.ForeignKeyConstraint(
            ["payout_agent_id"],
            ["staff_users.id"],
            name=op.f("fk_remittances_payout_agent_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["remittance_quotes.id"],
            name=op.f("fk_remittances_quote_id_remittance_quotes"),
        ),
        sa.ForeignKeyConstraint(
            ["recipient_customer_id"],
            ["customers.id"],
            name=op.f("fk_remittances_recipient_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["returned_from_id"],
            ["remittances.id"],
            name=op.f("fk_remittances_returned_from_id_remittances"),
        ),
        sa.ForeignKeyConstraint(
            ["send_agent_id"],
            ["staff_users.id"],
            name=op.f("fk_remittances_send_agent_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["sender_customer_id"],
            ["customers.id"],
            name=op.f("fk_remittances_sender_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["settle_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_remittances_settle_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remittances")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_remittances_code_hash")),
        sa.UniqueConstraint(
            "initiator_id", "client_key", name="uq_remittances_initiator_client_key"
        ),
        sa.UniqueConstraint(
            "partner_id", "partner_reference", name="uq_remittances_partner_reference"
        ),
        sa.UniqueConstraint("quote_id", name=op.f("uq_remittances_quote_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_remittances_reference")),
        sa.UniqueConstraint("returned_from_id", name=op.f("uq_remittances_returned_from_id")),
    )
    op.create_index(
        "ix_remittances_payout_agent",
        "remittances",
        ["payout_agent_id", "paid_out_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_remittances_recipient_msisdn"), "remittances", ["recipient_msisdn"], unique=False
    )
    op.create_index(
        "ix_remittances_send_agent", "remittances", ["send_agent_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_remittances_sender_customer",
        "remittances",
        ["sender_customer_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_remittances_status_expires", "remittances", ["status", "expires_at"], unique=False
    )
    op.create_table(
        "partner_webhook_deliveries",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("remittance_id", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered')",
            name=op.f("ck_partner_webhook_deliveries_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["remittance_id"],
            ["remittances.id"],
            name=op.f("fk_partner_webhook_deliveries_remittance_id_remittances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_webhook_deliveries")),
        sa.UniqueConstraint("remittance_id", "event", name="uq_partner_webhook_deliveries_event"),
    )


def downgrade() -> None:
    op.drop_table("partner_webhook_deliveries")
    op.drop_index("ix_remittances_status_expires", table_name="remittances")
    op.drop_index("ix_remittances_sender_customer", table_name="remittances")
    op.drop_index("ix_remittances_send_agent", table_name="remittances")
    op.drop_index(op.f("ix_remittances_recipient_msisdn"), table_name="remittances")
    op.drop_index("ix_remittances_payout_agent", table_name="remittances")
    op.drop_table("remittances")
    op.drop_index(op.f("ix_remittance_quotes_partner_id"), table_name="remittance_quotes")
    op.drop_table("remittance_quotes")
    op.drop_table("partner_webhooks")
    op.drop_index("ix_remittance_code_misses_actor_at", table_name="remittance_code_misses")
    op.drop_table("remittance_code_misses")
    op.drop_table("fx_rates")
