"""The ``prefunding_requests`` table: a prefunding recorded by one operator, decided
by another (``prefunding_requests.py``). Apart from its rules so that ``locks.py``
can lock its rows without importing the rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

REQUEST_STATUSES = ("pending", "approved", "rejected")
HOLDER_KINDS = ("partner", "payer", "sender")
AMOUNT_MAX = 10**12
BANK_REFERENCE_MAX = 64


class PrefundingRequest(Base):
    __tablename__ = "prefunding_requests"
    __table_args__ = (
        CheckConstraint(f"account_holder IN {HOLDER_KINDS!r}", name="holder_known"),
        CheckConstraint(f"status IN {REQUEST_STATUSES!r}", name="status_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_prefunding_requests_status", "status", "requested_at"),
        Index("ix_prefunding_requests_bank_reference", "holder_id", "bank_reference"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_holder: Mapped[str] = mapped_column(String(10))
    holder_id: Mapped[str] = mapped_column(ForeignKey("api_clients.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    bank_reference: Mapped[str] = mapped_column(String(BANK_REFERENCE_MAX))
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))
    requested_by: Mapped[str] = mapped_column(ForeignKey("staff_users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(200))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
