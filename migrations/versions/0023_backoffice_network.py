"""Back office: ``operator`` and ``auditor`` staff roles; the postal network's tables

Head-office roles (``admin``, ``operator``, ``auditor``) need no post office;
the others still do. ``network_departments`` and ``post_offices`` (post offices
and print centres, ``app/network/models.py``) are created empty: the demo seed
fills them, production loads its own network.

Revision ID: 0023_backoffice_network
Revises: 0022_supervisor_role
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = "0023_backoffice_network"
down_revision: str | None = "0022_supervisor_role"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = "role IN ('agent', 'admin', 'supervisor')"
NEW_ROLES = "role IN ('agent', 'admin', 'supervisor', 'operator', 'auditor')"
OLD_OFFICE = "role = 'admin' OR (post_office IS NOT NULL AND post_office_code IS NOT NULL)"
NEW_OFFICE = (
    "role IN ('admin', 'operator', 'auditor')"
    " OR (post_office IS NOT NULL AND post_office_code IS NOT NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_users_role_known"), type_="check")
        batch_op.drop_constraint(op.f("ck_staff_users_agent_has_post_office"), type_="check")
        batch_op.create_check_constraint(op.f("ck_staff_users_role_known"), NEW_ROLES)
        batch_op.create_check_constraint(
            op.f("ck_staff_users_agent_has_post_office"), NEW_OFFICE
        )
    op.create_table(
        "network_departments",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("capital", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_network_departments")),
        sa.UniqueConstraint("name", name=op.f("uq_network_departments_name")),
    )
    op.create_table(
        "post_offices",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("department_code", sa.String(length=8), nullable=False),
        sa.Column("town", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("print_centre_code", sa.String(length=20), nullable=True),
        sa.Column("float_threshold", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('post_office', 'print_centre')", name=op.f("ck_post_offices_kind_known")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'closed', 'suspended')", name=op.f("ck_post_offices_status_known")
        ),
        sa.CheckConstraint(
            "float_threshold >= 0", name=op.f("ck_post_offices_threshold_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["department_code"],
            ["network_departments.code"],
            name=op.f("fk_post_offices_department_code_network_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["print_centre_code"],
            ["post_offices.code"],
            name=op.f("fk_post_offices_print_centre_code_post_offices"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_post_offices")),
    )
    op.create_index("ix_post_offices_department", "post_offices", ["department_code", "town"])
    op.create_index("ix_post_offices_centre", "post_offices", ["print_centre_code"])


def downgrade() -> None:
    op.drop_index("ix_post_offices_centre", table_name="post_offices")
    op.drop_index("ix_post_offices_department", table_name="post_offices")
    op.drop_table("post_offices")
    op.drop_table("network_departments")
    op.execute("DELETE FROM staff_users WHERE role IN ('operator', 'auditor')")
    with op.batch_alter_table("staff_users") as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_users_role_known"), type_="check")
        batch_op.drop_constraint(op.f("ck_staff_users_agent_has_post_office"), type_="check")
        batch_op.create_check_constraint(op.f("ck_staff_users_role_known"), OLD_ROLES)
        batch_op.create_check_constraint(
            op.f("ck_staff_users_agent_has_post_office"), OLD_OFFICE
        )
