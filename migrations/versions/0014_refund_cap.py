"""payments: a merchant refund paid as a cash pickup names its remittance

A refund that would take the customer's wallet above its KYC balance cap is
paid as a cash pickup (a ``return`` remittance) instead of into the wallet;
``merchant_refunds.remittance_id`` links the refund to it (NULL: paid into the
wallet). See docs/LEDGER.md, "Money coming back and the balance cap".

Revision ID: 0014_refund_cap
Revises: 0013_registration_verification
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_refund_cap"
down_revision: str | None = "0013_registration_verification"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("merchant_refunds") as batch_op:
        batch_op.add_column(sa.Column("remittance_id", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_merchant_refunds_remittance_id_remittances"),
            "remittances",
            ["remittance_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("merchant_refunds") as batch_op:
        batch_op.drop_constraint(
            op.f("fk_merchant_refunds_remittance_id_remittances"), type_="foreignkey"
        )
        batch_op.drop_column("remittance_id")
