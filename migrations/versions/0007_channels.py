"""channels: the tables of the customer channels (one section per channel)

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # --- SMS channel (app/sms/inbound): inbound messages, stored once, and their senders ---
    op.create_table(
        "sms_inbound_messages",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("provider_id", sa.String(length=100), nullable=False),
        sa.Column("from_msisdn", sa.String(length=32), nullable=False),
        sa.Column("to_code", sa.String(length=20), nullable=True),
        sa.Column("link_id", sa.String(length=100), nullable=True),
        sa.Column("provider_date", sa.String(length=40), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("command", sa.String(length=12), nullable=True),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reply_message_id", sa.String(length=36), nullable=True),
        sa.Column("received_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('received', 'replied', 'silenced', 'ignored', 'failed')",
            name=op.f("ck_sms_inbound_messages_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_sms_inbound_messages_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["reply_message_id"],
            ["sms_messages.id"],
            name=op.f("fk_sms_inbound_messages_reply_message_id_sms_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_inbound_messages")),
        sa.UniqueConstraint("provider_id", name=op.f("uq_sms_inbound_messages_provider_id")),
    )
    with op.batch_alter_table("sms_inbound_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sms_inbound_messages_sender_received",
            ["from_msisdn", "received_at"],
            unique=False,
        )
    op.create_table(
        "sms_inbound_senders",
        sa.Column("msisdn", sa.String(length=16), nullable=False),
        sa.Column("first_seen_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("msisdn", name=op.f("pk_sms_inbound_senders")),
    )
    # --- end of SMS channel ---

    # --- USSD channel (app/ussd): one row per gateway session (start, last answer) ---
    op.create_table(
        "ussd_sessions",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("msisdn", sa.String(length=16), nullable=False),
        sa.Column("start", sa.String(length=10), nullable=False),
        sa.Column("text_mac", sa.String(length=64), nullable=True),
        sa.Column("reply_sealed", sa.Text(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "start IN ('main', 'register')", name=op.f("ck_ussd_sessions_start_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ussd_sessions")),
    )
    op.create_index("ix_ussd_sessions_expires_at", "ussd_sessions", ["expires_at"], unique=False)
    # --- end of USSD channel ---


def downgrade() -> None:
    # --- USSD channel (app/ussd) ---
    op.drop_index("ix_ussd_sessions_expires_at", table_name="ussd_sessions")
    op.drop_table("ussd_sessions")
    # --- end of USSD channel ---
    # --- SMS channel (app/sms/inbound) ---
    op.drop_table("sms_inbound_senders")
    with op.batch_alter_table("sms_inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_sms_inbound_messages_sender_received")
    op.drop_table("sms_inbound_messages")
    # --- end of SMS channel ---
