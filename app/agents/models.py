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
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigIntPK, UTCDateTime

# A supervisor oversees the agents of their own post office (reads, never cashes).
# Head office: an operator runs the back office (approves what another proposed), an
# auditor reads everything there and changes nothing; neither belongs to a post office.
STAFF_ROLES = ("agent", "admin", "supervisor", "operator", "auditor")
HEAD_OFFICE_ROLES = ("admin", "operator", "auditor")
STAFF_STATUSES = ("active", "disabled")


def new_id() -> str:
    return str(uuid.uuid4())


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint(f"role IN {STAFF_ROLES!r}", name="role_known"),
        CheckConstraint(f"status IN {STAFF_STATUSES!r}", name="status_known"),
        CheckConstraint(
            f"role IN {HEAD_OFFICE_ROLES!r}"
            " OR (post_office IS NOT NULL AND post_office_code IS NOT NULL)",
            name="agent_has_post_office",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
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


class TillClosure(Base):
    """The close of one agent's till for one calendar day (Brazzaville time).

    One row per agent and day (the unique constraint backs up the row lock of
    ``till.close_day``). The figures are those at closing time and ``report``
    holds the whole day as it was then: ``till`` (the ``TillDay``, printed as
    the end-of-day report) and ``daily`` (``GET /agent/report``'s answer). A
    closed day is read from here, never recomputed, so it reads the same at
    every reprint. ``counted_cash`` is what the agent
    counted in the drawer, if they said.
    """

    __tablename__ = "till_closures"
    __table_args__ = (UniqueConstraint("agent_id", "day", name="uq_till_closures_agent_day"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"))
    day: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by: Mapped[str] = mapped_column(String(36))
    currency: Mapped[str] = mapped_column(String(3))
    opening_float: Mapped[int] = mapped_column(BigInteger)
    closing_float: Mapped[int] = mapped_column(BigInteger)
    commission: Mapped[int] = mapped_column(BigInteger)
    operations_count: Mapped[int] = mapped_column(Integer)
    counted_cash: Mapped[int | None] = mapped_column(BigInteger)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<TillClosure {self.agent_id} {self.day}>"


FLOAT_REQUEST_KINDS = ("topup", "return")
FLOAT_REQUEST_STATUSES = ("pending", "approved", "rejected")


class FloatRequest(Base):
    """A request to top up an agent's float from the trust bank, or to return excess
    float to it (``float_requests.py``). Made by the agent, their supervisor or an
    operator; decided by an operator who is not the requester. ``entry_id`` is the
    ledger entry of an approved request (its key is ``float_request:<id>``, so one
    request moves money once)."""

    __tablename__ = "float_requests"
    __table_args__ = (
        CheckConstraint(f"kind IN {FLOAT_REQUEST_KINDS!r}", name="kind_known"),
        CheckConstraint(f"status IN {FLOAT_REQUEST_STATUSES!r}", name="status_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_float_requests_status", "status", "requested_at"),
        Index("ix_float_requests_office", "post_office_code", "requested_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(8))
    agent_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"))
    post_office_code: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    requested_by: Mapped[str] = mapped_column(String(36))
    requested_by_role: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(36))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(200))
    entry_id: Mapped[int | None] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return f"<FloatRequest {self.id} {self.kind} {self.amount} {self.status}>"
