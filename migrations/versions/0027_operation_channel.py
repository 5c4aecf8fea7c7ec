"""remittances.payout_channel: the channel a remittance was paid out through

Transfers and sent remittances record their channel (``channel``); the payout of
a remittance did not, and a claim into a wallet comes over USSD or the REST API.
The back office's dashboard counts operations per channel, so the payout's is
recorded from now on: ``agent`` for cash at a counter, ``ussd`` or ``api`` for a
claim. Rows paid before: cash payouts were at a counter (``agent``, a fact of
the payout method); claims into a wallet are ``unknown``.

Revision ID: 0027_operation_channel
Revises: 0025_reversal_proposals
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027_operation_channel"
down_revision: str | None = "0025_reversal_proposals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("remittances", sa.Column("payout_channel", sa.String(length=8), nullable=True))
    op.execute(
        "UPDATE remittances SET payout_channel = 'agent' "
        "WHERE status = 'paid_out' AND payout_method = 'cash'"
    )
    op.execute(
        "UPDATE remittances SET payout_channel = 'unknown' "
        "WHERE status = 'paid_out' AND payout_method <> 'cash'"
    )


def downgrade() -> None:
    with op.batch_alter_table("remittances") as batch_op:
        batch_op.drop_column("payout_channel")
