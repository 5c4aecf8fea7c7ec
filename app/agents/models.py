"""The ``staff_users`` table: agents and admins.

The TOTP secret is stored encrypted (``totp.py``) because, unlike a password,
the server must be able to read it back to compute the expected code.
``last_totp_step`` is the 30-second step of the last accepted code: a code for
that step or an earlier one is refused, so a code seen over a shoulder or in a
proxy log cannot be replayed.

``failed_logins`` counts sign-in failures in a row (a wrong password or TOTP
code); it is taken before the password is checked and reset by a success.
The fifth sets ``locked_at``: the account then refuses every sign-in with
``account_locked`` until an admin unlocks it (``access.unlock_staff``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

STAFF_ROLES = ("agent", "admin")
STAFF_STATUSES = ("active", "disabled")


def new_id() -> str:
    return str(uuid.uuid4())


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint(f"role IN {STAFF_ROLES!r}", name="role_known"),
        CheckConstraint(f"status IN {STAFF_STATUSES!r}", name="status_known"),
        CheckConstraint(
            "role = 'admin' OR (post_office IS NOT NULL AND post_office_code IS NOT NULL)",
            name="agent_has_post_office",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(8))
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret_encrypted: Mapped[str] = mapped_column(String(255))
    last_totp_step: Mapped[int | None] = mapped_column(BigInteger)
    post_office: Mapped[str | None] = mapped_column(String(120))
    post_office_code: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="active")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.role} {self.username}>"
