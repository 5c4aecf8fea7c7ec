"""agents: staff sign-in lockout (failed_logins, locked_at)

Five sign-in failures in a row (wrong password or TOTP code) lock a staff
account until an admin unlocks it. Existing accounts start unlocked, with no
failure counted.

Revision ID: 0015_staff_lockout
Revises: 0014_refund_cap
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = "0015_staff_lockout"
down_revision: str | None = "0014_refund_cap"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("locked_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch_op:
        batch_op.drop_column("locked_at")
        batch_op.drop_column("failed_logins")
