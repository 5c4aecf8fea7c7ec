"""ledger: an index on ledger_entries.posted_at for the day-bounded reports

The daily report (income, expense and active wallets of one day) and the
safeguarding report (balances as at an instant) select entries by
``posted_at``; without an index each run read the whole journal, which grows
by every payment ever made. ``posted_at`` only grows, so the index is appended
to on its right edge and costs little on the write path.

On PostgreSQL the index is created ``IF NOT EXISTS``: on a large live journal
an operator builds it beforehand with ``CREATE INDEX CONCURRENTLY`` (see
docs/DEPLOY.md) and this migration then only records it.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_ledger_entries_posted_at"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON ledger_entries (posted_at)")
        return
    with op.batch_alter_table("ledger_entries") as batch_op:
        batch_op.create_index(INDEX, ["posted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries") as batch_op:
        batch_op.drop_index(INDEX)
