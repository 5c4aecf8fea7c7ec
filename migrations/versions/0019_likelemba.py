"""likelemba: rotating savings groups, their members, cycles and contributions

A group (``likelemba_groups``) lists its members in rotation order
(``likelemba_members.position``); one cycle at a time is open
(``likelemba_cycles``), with one contribution per member
(``likelemba_contributions``). The pot of each group is its own ledger account
(``likelemba:<group id>``), opened by the application, not here.

Revision ID: 0019_likelemba
Revises: 0018_savings_livret
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # custom column types

revision: str = "0019_likelemba"
down_revision: str | None = "0018_savings_livret"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "likelemba_groups",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("contribution", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("creator_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "period IN ('weekly', 'monthly')", name=op.f("ck_likelemba_groups_period_known")
        ),
        sa.CheckConstraint(
            "status IN ('forming', 'active', 'completed', 'cancelled')",
            name=op.f("ck_likelemba_groups_status_known"),
        ),
        sa.CheckConstraint(
            "contribution > 0", name=op.f("ck_likelemba_groups_contribution_positive")
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"], ["customers.id"], name=op.f("fk_likelemba_groups_creator_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_likelemba_groups")),
    )
    op.create_index("ix_likelemba_groups_status", "likelemba_groups", ["status"], unique=False)
    op.create_table(
        "likelemba_members",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("group_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("msisdn", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("accepted_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("declined_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("left_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('invited', 'accepted', 'declined', 'left')",
            name=op.f("ck_likelemba_members_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_likelemba_members_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["likelemba_groups.id"],
            name=op.f("fk_likelemba_members_group_id_likelemba_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_likelemba_members")),
        sa.UniqueConstraint("group_id", "customer_id", name="uq_likelemba_members_group_customer"),
        sa.UniqueConstraint("group_id", "position", name="uq_likelemba_members_group_position"),
    )
    op.create_index(
        "ix_likelemba_members_customer", "likelemba_members", ["customer_id"], unique=False
    )
    op.create_table(
        "likelemba_cycles",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("group_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("due_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paid_out_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("payout_amount", sa.BigInteger(), nullable=True),
        sa.Column(
            "payout_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("payout_blocked", sa.String(length=40), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'paid', 'cancelled')", name=op.f("ck_likelemba_cycles_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["likelemba_members.id"],
            name=op.f("fk_likelemba_cycles_beneficiary_id_likelemba_members"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["likelemba_groups.id"],
            name=op.f("fk_likelemba_cycles_group_id_likelemba_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["payout_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_likelemba_cycles_payout_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_likelemba_cycles")),
        sa.UniqueConstraint("group_id", "number", name="uq_likelemba_cycles_group_number"),
    )
    op.create_index(
        "ix_likelemba_cycles_status_due", "likelemba_cycles", ["status", "due_at"], unique=False
    )
    op.create_table(
        "likelemba_contributions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("cycle_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("collected_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("late_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "refund_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("shortfall", sa.String(length=40), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'late', 'collected', 'refunded', 'cancelled')",
            name=op.f("ck_likelemba_contributions_status_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_likelemba_contributions_amount_positive")),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["likelemba_cycles.id"],
            name=op.f("fk_likelemba_contributions_cycle_id_likelemba_cycles"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_likelemba_contributions_entry_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["likelemba_members.id"],
            name=op.f("fk_likelemba_contributions_member_id_likelemba_members"),
        ),
        sa.ForeignKeyConstraint(
            ["refund_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_likelemba_contributions_refund_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_likelemba_contributions")),
        sa.UniqueConstraint(
            "cycle_id", "member_id", name="uq_likelemba_contributions_cycle_member"
        ),
    )


def downgrade() -> None:
    op.drop_table("likelemba_contributions")
    op.drop_index("ix_likelemba_cycles_status_due", table_name="likelemba_cycles")
    op.drop_table("likelemba_cycles")
    op.drop_index("ix_likelemba_members_customer", table_name="likelemba_members")
    op.drop_table("likelemba_members")
    op.drop_index("ix_likelemba_groups_status", table_name="likelemba_groups")
    op.drop_table("likelemba_groups")
