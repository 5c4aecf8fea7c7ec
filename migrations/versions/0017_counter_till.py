"""agents: the till's closures (one per agent and Brazzaville day)

``till_closures`` records the close of an agent's day at the counter: the
figures at closing time (opening and closing float, commission, operation
count, the cash counted) and the whole day's report, frozen. Once a row
exists for today, the agent's cash operations are refused (``till_closed``)
until the next day (``app/agents/till.py``).

Revision ID: 0017_counter_till
Revises: 0016_pin_lock_escalation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # custom column types

revision: str = "0017_counter_till"
down_revision: str | None = "0016_pin_lock_escalation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "till_closures",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("agent_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("closed_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=36), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("opening_float", sa.BigInteger(), nullable=False),
        sa.Column("closing_float", sa.BigInteger(), nullable=False),
        sa.Column("commission", sa.BigInteger(), nullable=False),
        sa.Column("operations_count", sa.Integer(), nullable=False),
        sa.Column("counted_cash", sa.BigInteger(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["staff_users.id"], name=op.f("fk_till_closures_agent_id_staff_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_till_closures")),
        sa.UniqueConstraint("agent_id", "day", name="uq_till_closures_agent_day"),
    )


def downgrade() -> None:
    op.drop_table("till_closures")
