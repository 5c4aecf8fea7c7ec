"""channels: the tables of the customer channels (one section per channel)

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # noqa: F401  (custom column types)

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
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
