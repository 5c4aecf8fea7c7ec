"""customers: registrations waiting for the code texted to their number

``POST /customers`` no longer opens a wallet at once: it keeps the registration
here until ``POST /customers/{id}/verify`` proves the caller holds the number
(docs/REGISTRATION.md). One row per number; verification deletes it.

Revision ID: 0013_registration_verification
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # custom column types

revision: str = "0013_registration_verification"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_registrations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("msisdn", sa.String(length=16), nullable=False),
        sa.Column("first_name", sa.String(length=30), nullable=False),
        sa.Column("last_name", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("pin_hash", sa.String(length=255), nullable=False),
        sa.Column("challenge_id", sa.String(length=36), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "language IN ('fr', 'ln')", name=op.f("ck_customer_registrations_language_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_registrations")),
        sa.UniqueConstraint("msisdn", name=op.f("uq_customer_registrations_msisdn")),
    )


def downgrade() -> None:
    op.drop_table("customer_registrations")
