"""customer_devices: browsers a customer confirmed with an SMS code on the portal

Only the SHA-256 of the browser's random secret is kept (``app/customers/devices.py``).

Revision ID: 0030_customer_devices
Revises: 0026_prefunding_requests
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # custom column types

revision: str = "0030_customer_devices"
down_revision: str | None = "0026_prefunding_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_devices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", app.db.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", app.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_customer_devices_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_devices")),
    )
    op.create_index(
        "ix_customer_devices_customer", "customer_devices", ["customer_id", "secret_hash"]
    )


def downgrade() -> None:
    op.drop_index("ix_customer_devices_customer", table_name="customer_devices")
    op.drop_table("customer_devices")
