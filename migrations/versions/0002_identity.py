"""identity: customers, staff users (agents, admins), access tokens, API clients

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # custom column types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('customers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('msisdn', sa.String(length=16), nullable=False),
    sa.Column('first_name', sa.String(length=30), nullable=False),
    sa.Column('last_name', sa.String(length=30), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('kyc_tier', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('failed_pin_attempts', sa.Integer(), nullable=False),
    sa.Column('pin_hash', sa.String(length=255), nullable=False),
    sa.Column('id_type', sa.String(length=24), nullable=True),
    sa.Column('id_number', sa.String(length=40), nullable=True),
    sa.Column('kyc_verified_by', sa.String(length=36), nullable=True),
    sa.Column('kyc_verified_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kyc_tier IN ('basic', 'standard', 'full')", name=op.f('ck_customers_kyc_tier_known')),
    sa.CheckConstraint("language IN ('fr', 'ln')", name=op.f('ck_customers_language_known')),
    sa.CheckConstraint("status IN ('active', 'locked', 'frozen')", name=op.f('ck_customers_status_known')),
    sa.CheckConstraint('failed_pin_attempts >= 0', name=op.f('ck_customers_failed_pin_attempts_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('id_type', 'id_number', name=op.f('uq_customers_id_type_id_number')),
    sa.UniqueConstraint('msisdn', name=op.f('uq_customers_msisdn'))
    )
    op.create_table('staff_users',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('totp_secret_encrypted', sa.String(length=255), nullable=False),
    sa.Column('last_totp_step', sa.BigInteger(), nullable=True),
    sa.Column('post_office', sa.String(length=120), nullable=True),
    sa.Column('post_office_code', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role = 'admin' OR (post_office IS NOT NULL AND post_office_code IS NOT NULL)", name=op.f('ck_staff_users_agent_has_post_office')),
    sa.CheckConstraint("role IN ('agent', 'admin')", name=op.f('ck_staff_users_role_known')),
    sa.CheckConstraint("status IN ('active', 'disabled')", name=op.f('ck_staff_users_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_users_username'))
    )
    op.create_table('auth_tokens',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('principal_role', sa.String(length=16), nullable=False),
    sa.Column('principal_id', sa.String(length=36), nullable=False),
    sa.Column('expires_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_auth_tokens_token_hash'))
    )
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_auth_tokens_principal', ['principal_role', 'principal_id'], unique=False)

    op.create_table('api_clients',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('key_prefix', sa.String(length=8), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('meta', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('partner', 'merchant', 'biller', 'payer')", name=op.f('ck_api_clients_role_known')),
    sa.CheckConstraint("status IN ('active', 'disabled')", name=op.f('ck_api_clients_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_clients')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_clients_key_hash'))
    )
    with op.batch_alter_table('api_clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_clients_key_prefix'), ['key_prefix'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('api_clients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_clients_key_prefix'))
    op.drop_table('api_clients')
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_auth_tokens_principal')
    op.drop_table('auth_tokens')
    op.drop_table('staff_users')
    op.drop_table('customers')
