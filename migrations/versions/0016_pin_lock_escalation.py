"""customers: temporary, escalating PIN locks

Three wrong PINs in a row used to lock a customer until an agent unlocked them,
which let anyone who knows a number lock its owner out. A lock is now
temporary and escalates (``app/customers/pin_locks.py``): these columns hold
when the current lock ends (NULL: until an agent or admin unlocks), how many
locks in a row the customer has had and when the last one began (for the decay).

Customers locked before this migration keep a permanent lock (``pin_locked_until``
NULL), as they were told; ``pin_lock_level`` starts at 0 for everyone.

Revision ID: 0016_pin_lock_escalation
Revises: 0015_staff_lockout
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # custom column types

revision: str = "0016_pin_lock_escalation"
down_revision: str | None = "0015_staff_lockout"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        batch_op.add_column(sa.Column("pin_locked_until", app.db.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("pin_lock_level", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("pin_locked_at", app.db.UTCDateTime(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_customers_pin_lock_level_non_negative"), "pin_lock_level >= 0"
        )
    with op.batch_alter_table("customers") as batch_op:
        batch_op.alter_column("pin_lock_level", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        batch_op.drop_constraint(op.f("ck_customers_pin_lock_level_non_negative"), type_="check")
        batch_op.drop_column("pin_locked_at")
        batch_op.drop_column("pin_lock_level")
        batch_op.drop_column("pin_locked_until")
