"""Ledger tables: accounts, entries (journal entries) and postings (legs).

Design, after TigerBeetle and Mojaloop's central ledger:

* An account caches four running totals (posted and pending, debit and
  credit). They are only ever changed by atomic increments in ``posting.py``
  and always equal the sums of the account's postings (invariant 3).
* An entry is the unit of balance and of idempotency. Its postings are
  inserted once and never updated or deleted (triggers refuse it); the entry's
  status moves ``pending`` → ``posted`` | ``voided`` or is ``posted`` at once.
* Overdraft is refused in Python and, independently, by a CHECK constraint on
  the account row, so even SQL written around the ORM cannot overdraw.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, BigIntPK, UTCDateTime

ACCOUNT_TYPES = ("asset", "liability", "income", "expense", "equity")
DEBIT_NORMAL_TYPES = ("asset", "expense")

# available >= 0 for accounts without overdraft, on the account's normal side,
# counting pending debits (credit-normal) or pending credits (debit-normal).
OVERDRAFT_CHECK = (
    "allow_overdraft OR ("
    "(normal = 'credit' AND credits_posted - debits_posted - debits_pending >= 0) OR "
    "(normal = 'debit' AND debits_posted - credits_posted - credits_pending >= 0))"
)


class Account(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint(OVERDRAFT_CHECK, name="no_overdraft"),
        CheckConstraint(
            "debits_posted >= 0 AND credits_posted >= 0 AND "
            "debits_pending >= 0 AND credits_pending >= 0",
            name="totals_non_negative",
        ),
        CheckConstraint(f"type IN {ACCOUNT_TYPES!r}", name="type_known"),
        CheckConstraint("normal IN ('debit', 'credit')", name="normal_side"),
        CheckConstraint("status IN ('active', 'frozen', 'closed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(120), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    normal: Mapped[str] = mapped_column(String(6))
    currency: Mapped[str] = mapped_column(String(3))
    allow_overdraft: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="active")
    name: Mapped[str | None] = mapped_column(String(200))
    debits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    debits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def posted_balance(self) -> int:
        if self.normal == "credit":
            return self.credits_posted - self.debits_posted
        return self.debits_posted - self.credits_posted

    @property
    def available_balance(self) -> int:
        if self.normal == "credit":
            return self.posted_balance - self.debits_pending
        return self.posted_balance - self.credits_pending


class Entry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'posted', 'voided')", name="status_known"),
        Index("ix_ledger_entries_pending_expiry", "status", "expires_at"),
        Index("ix_ledger_entries_posted_at", "posted_at"),  # day-bounded reports
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str | None] = mapped_column(String(200))
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)

    postings: Mapped[list[Posting]] = relationship(
        back_populates="entry", order_by="Posting.id", lazy="selectin"
    )


class Posting(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("side IN ('debit', 'credit')", name="side_known"),
        Index("ix_ledger_postings_account_entry", "account_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    side: Mapped[str] = mapped_column(String(6))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))

    entry: Mapped[Entry] = relationship(back_populates="postings")
    account: Mapped[Account] = relationship(lazy="joined")
