"""staff_users: a ``supervisor`` role, who oversees one post office's agents

The role column widens to 16 characters (``supervisor`` has 10) and the role
CHECK accepts the new value. A supervisor, like an agent, must have a post
office: the existing ``agent_has_post_office`` check already says so (only an
admin may lack one). Batch mode so SQLite rebuilds the table.

Revision ID: 0022_supervisor_role
Revises: 0021_job_outbox_queues
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_supervisor_role"
down_revision: str | None = "0021_job_outbox_queues"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_users_role_known"), type_="check")
        batch_op.alter_column(
            "role", existing_type=sa.String(length=8), type_=sa.String(length=16)
        )
        batch_op.create_check_constraint(
            op.f("ck_staff_users_role_known"), "role IN ('agent', 'admin', 'supervisor')"
        )


def downgrade() -> None:
    op.execute("DELETE FROM staff_users WHERE role = 'supervisor'")
    with op.batch_alter_table("staff_users") as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_users_role_known"), type_="check")
        batch_op.alter_column(
            "role", existing_type=sa.String(length=16), type_=sa.String(length=8)
        )
        batch_op.create_check_constraint(op.f("ck_staff_users_role_known"), "role IN ('agent', 'admin')")
