"""job_outbox: the queue a job goes to, and when it stops being worth running

Jobs are routed by urgency (``app/db/queue.py``: sweeps, urgent, default,
bulk); the outbox row remembers its queue so the drainer, after a Redis
outage, hands it back to the same one. ``expires_at`` (a code's end) lets the
drainer send the codes still valid first and drop the dead ones unsent.
Existing rows go to ``default`` and never expire, as before.

Revision ID: 0021_job_outbox_queues
Revises: 0020_hybrid_mail
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # custom column types

revision: str = "0021_job_outbox_queues"
down_revision: str | None = "0020_hybrid_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job_outbox") as batch_op:
        batch_op.add_column(
            sa.Column("queue", sa.String(length=16), nullable=False, server_default="default")
        )
        batch_op.add_column(sa.Column("expires_at", app.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_outbox") as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("queue")
