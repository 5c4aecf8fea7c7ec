"""savings: livrets d'épargne, their movements, daily accruals and capitalisations

Postal savings (app/savings): one row per livret with the daily accrual's
working figures, each deposit and withdrawal on its local day (the quinzaine
rule reads them), one row per day accrued and per capitalisation (both make
their job idempotent per date). ``transfers.type`` grows to 24 characters for
``savings_withdrawal``.

Revision ID: 0018_savings_livret
Revises: 0017_counter_till
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # custom column types

revision: str = "0018_savings_livret"
down_revision: str | None = "0017_counter_till"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "savings_capitalisations",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("tax", sa.BigInteger(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("created_at", app.db.engine.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("as_of", name=op.f("pk_savings_capitalisations")),
    )
    op.create_table(
        "savings_accounts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("product", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", app.db.engine.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accrued_through", sa.Date(), nullable=False),
        sa.Column("closing", sa.BigInteger(), nullable=False),
        sa.Column("earning", sa.BigInteger(), nullable=False),
        sa.Column("accrued_in_fortnight", sa.BigInteger(), nullable=False),
        sa.Column("accrued_interest", sa.BigInteger(), nullable=False),
        sa.Column("day_deposits", sa.BigInteger(), nullable=False),
        sa.Column("day_withdrawals", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "accrued_interest >= 0", name=op.f("ck_savings_accounts_accrued_interest_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_savings_accounts_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_savings_accounts")),
        sa.UniqueConstraint("customer_id", "product", name="uq_savings_accounts_customer_product"),
        sa.UniqueConstraint("number", name=op.f("uq_savings_accounts_number")),
        postgresql_with={"fillfactor": 70},
    )

    op.create_table(
        "savings_accrual_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", app.db.engine.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_savings_accrual_days_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_savings_accrual_days")),
    )
    op.create_table(
        "savings_movements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("transfer_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", app.db.engine.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('deposit', 'withdrawal', 'interest', 'tax')",
            name=op.f("ck_savings_movements_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["savings_accounts.id"],
            name=op.f("fk_savings_movements_account_id_savings_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_savings_movements")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_savings_movements_transfer_id")),
    )
    with op.batch_alter_table("savings_movements", schema=None) as batch_op:
        batch_op.create_index("ix_savings_movements_account", ["account_id", "day"], unique=False)
        batch_op.create_index(
            "ix_savings_movements_day_account", ["day", "account_id"], unique=False
        )

    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.alter_column(
            "type",
            existing_type=sa.VARCHAR(length=16),
            type_=sa.String(length=24),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.alter_column(
            "type",
            existing_type=sa.String(length=24),
            type_=sa.VARCHAR(length=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("savings_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_savings_movements_day_account")
        batch_op.drop_index("ix_savings_movements_account")

    op.drop_table("savings_movements")
    op.drop_table("savings_accrual_days")

    op.drop_table("savings_accounts")
    op.drop_table("savings_capitalisations")
