"""The transfer: one payment and its state.

``pending_confirmation`` → ``completed`` | ``cancelled`` | ``expired`` | ``failed``;
``completed`` → ``reversed``. Each transition is a guarded change made while
holding the row lock (``locks.py``), so two racing confirmations, or a
confirmation racing a cancel, settle the payment exactly once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

TRANSFER_TYPES = (
    "p2p",
    "withdrawal",
    "cashin",
    "bill",
    "merchant",
    "disbursement",
    "mail",
    "savings_deposit",
    "savings_withdrawal",
)
STATUSES = ("pending_confirmation", "completed", "cancelled", "expired", "failed", "reversed")


class Transfer(Base):
    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("fee >= 0", name="fee_non_negative"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        UniqueConstraint("initiator_id", "client_key", name="uq_transfers_initiator_client_key"),
        Index("ix_transfers_status_expires", "status", "expires_at"),
        Index("ix_transfers_from_customer", "from_customer_id", "created_at"),
        Index("ix_transfers_agent_completed", "agent_id", "completed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    type: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(8), default="api")
    amount: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger, default=0)
    commission: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="XAF")
    initiator_id: Mapped[str] = mapped_column(String(36))
    client_key: Mapped[str | None] = mapped_column(String(255))
    from_customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    to_customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    from_msisdn: Mapped[str | None] = mapped_column(String(16))
    to_msisdn: Mapped[str | None] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"))
    note: Mapped[str | None] = mapped_column(String(140))
    hold_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    reversal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    challenge_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    @property
    def total(self) -> int:
        return self.amount + self.fee
