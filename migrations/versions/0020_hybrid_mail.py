"""mail: hybrid mail and the postal e-mailbox

Letters, their evidence events, the S10 counters, print batches and the
customers who asked for paper (``app/mail``); API clients gain the ``sender``
role (organisations sending letters).

Revision ID: 0020_hybrid_mail
Revises: 0019_likelemba
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # custom column types

revision: str = "0020_hybrid_mail"
down_revision: str | None = "0019_likelemba"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = "role IN ('partner', 'merchant', 'biller', 'payer')"
NEW_ROLES = "role IN ('partner', 'merchant', 'biller', 'payer', 'sender')"
STATUSES = (
    "status IN ('pending_payment', 'cancelled', 'accepted', 'delivered_electronic', 'read', "
    "'queued_for_print', 'printed', 'dispatched', 'at_post_office', 'delivered', 'returned')"
)


def upgrade() -> None:
    with op.batch_alter_table("api_clients") as batch_op:
        batch_op.drop_constraint(op.f("ck_api_clients_role_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_api_clients_role_known"), NEW_ROLES)

    op.create_table(
        "mail_counters",
        sa.Column("service_code", sa.String(length=2), nullable=False),
        sa.Column("last_serial", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("service_code", name=op.f("pk_mail_counters")),
    )
    op.create_table(
        "mail_print_batches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("centre", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("letters", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(), nullable=False),
        sa.Column("printed_at", app.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('ready', 'printed')", name=op.f("ck_mail_print_batches_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_print_batches")),
    )
    with op.batch_alter_table("mail_print_batches") as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_print_batches_centre"), ["centre"], unique=False)
    op.create_table(
        "mail_batches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("sender_id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("valid", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.JSON(), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('accepted')", name=op.f("ck_mail_batches_status_known")),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["api_clients.id"], name=op.f("fk_mail_batches_sender_id_api_clients")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_mail_batches_entry_id_ledger_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_batches")),
        sa.UniqueConstraint(
            "sender_id", "reference", name=op.f("uq_mail_batches_sender_id_reference")
        ),
    )
    op.create_table(
        "mail_letters",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tracking_number", sa.String(length=13), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("delivery", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("sender_kind", sa.String(length=10), nullable=False),
        sa.Column("sender_id", sa.String(length=36), nullable=False),
        sa.Column("sender_name", sa.String(length=120), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=True),
        sa.Column("recipient_name", sa.String(length=120), nullable=False),
        sa.Column("recipient_msisdn", sa.String(length=16), nullable=True),
        sa.Column("recipient_customer_id", sa.String(length=36), nullable=True),
        sa.Column("address", sa.JSON(), nullable=True),
        sa.Column("post_office_code", sa.String(length=20), nullable=True),
        sa.Column("print_centre", sa.String(length=20), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("transfer_id", sa.String(length=36), nullable=True),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("print_batch_id", sa.String(length=36), nullable=True),
        sa.Column("batch_id", sa.String(length=36), nullable=True),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("recipient_id_number", sa.String(length=40), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(), nullable=False),
        sa.Column("paid_at", app.db.UTCDateTime(), nullable=True),
        sa.Column("delivered_at", app.db.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", app.db.UTCDateTime(), nullable=True),
        sa.Column("read_at", app.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint(STATUSES, name=op.f("ck_mail_letters_status_known")),
        sa.CheckConstraint(
            "service IN ('ordinary', 'registered', 'registered_ar')",
            name=op.f("ck_mail_letters_service_known"),
        ),
        sa.CheckConstraint(
            "delivery IN ('auto', 'electronic', 'paper')",
            name=op.f("ck_mail_letters_delivery_known"),
        ),
        sa.CheckConstraint(
            "channel IN ('electronic', 'paper')", name=op.f("ck_mail_letters_channel_known")
        ),
        sa.CheckConstraint(
            "sender_kind IN ('customer', 'sender')",
            name=op.f("ck_mail_letters_sender_kind_known"),
        ),
        sa.CheckConstraint("pages > 0", name=op.f("ck_mail_letters_pages_positive")),
        sa.CheckConstraint("price >= 0", name=op.f("ck_mail_letters_price_non_negative")),
        sa.ForeignKeyConstraint(
            ["recipient_customer_id"],
            ["customers.id"],
            name=op.f("fk_mail_letters_recipient_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_mail_letters_transfer_id_transfers")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_mail_letters_entry_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["mail_batches.id"], name=op.f("fk_mail_letters_batch_id_mail_batches")
        ),
        sa.ForeignKeyConstraint(
            ["print_batch_id"],
            ["mail_print_batches.id"],
            name=op.f("fk_mail_letters_print_batch_id_mail_print_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_letters")),
        sa.UniqueConstraint("tracking_number", name=op.f("uq_mail_letters_tracking_number")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_mail_letters_transfer_id")),
    )
    with op.batch_alter_table("mail_letters") as batch_op:
        batch_op.create_index("ix_mail_letters_sender", ["sender_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_letters_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            "ix_mail_letters_recipient",
            ["recipient_customer_id", "channel", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_mail_letters_centre_status", ["print_centre", "status", "created_at"], unique=False
        )
    op.create_table(
        "mail_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("letter_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", app.db.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("place", sa.String(length=120), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=60), nullable=True),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["letter_id"], ["mail_letters.id"], name=op.f("fk_mail_events_letter_id_mail_letters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_events")),
        sa.UniqueConstraint("letter_id", "seq", name=op.f("uq_mail_events_letter_id_seq")),
    )
    op.create_table(
        "mail_optouts",
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_mail_optouts_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_mail_optouts")),
    )


def downgrade() -> None:
    op.drop_table("mail_optouts")
    op.drop_table("mail_events")
    with op.batch_alter_table("mail_letters") as batch_op:
        batch_op.drop_index("ix_mail_letters_centre_status")
        batch_op.drop_index("ix_mail_letters_recipient")
        batch_op.drop_index("ix_mail_letters_sender")
        batch_op.drop_index(batch_op.f("ix_mail_letters_batch_id"))
    op.drop_table("mail_letters")
    op.drop_table("mail_batches")
    with op.batch_alter_table("mail_print_batches") as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_print_batches_centre"))
    op.drop_table("mail_print_batches")
    op.drop_table("mail_counters")
    with op.batch_alter_table("api_clients") as batch_op:
        batch_op.drop_constraint(op.f("ck_api_clients_role_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_api_clients_role_known"), OLD_ROLES)
