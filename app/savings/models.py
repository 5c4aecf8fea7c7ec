"""The tables of postal savings (livret d'épargne).

``SavingsAccount`` is one customer's livret of one product; its money is the
ledger account ``savings:<id>`` (a non-overdraft liability). The columns after
``opened_at`` are the daily accrual's working figures (``accrual.py``), kept per
account so that a day's accrual is a few set-based statements, not one ledger
entry per account:

* ``accrued_through``: the last day whose provision this account has received;
* ``closing``: the balance at the end of that day;
* ``earning``: the earning balance of that day's fortnight as known at its end
  (``quinzaine.py``: balance at the fortnight's start less its withdrawals);
* ``accrued_in_fortnight``: what that fortnight has provisioned so far;
* ``accrued_interest``: provisioned and not yet capitalised (the sum over the
  accounts equals the ledger's ``interest:accrued``, checked by ``flask ledger check``);
* ``day_deposits``, ``day_withdrawals``: the movements of the day being accrued,
  staged on the few accounts that moved, zero otherwise.

``SavingsMovement`` is each deposit and withdrawal with its local day (what the
quinzaine rule needs), and the capitalised interest. ``AccrualDay`` is one row
per day accrued (the day's one journal entry); ``Capitalisation`` one per
``as_of`` capitalised: both make their job idempotent per date.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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

from app.db import Base, UTCDateTime

MOVEMENT_KINDS = ("deposit", "withdrawal", "interest", "tax")


class SavingsAccount(Base):
    __tablename__ = "savings_accounts"
    __table_args__ = (
        UniqueConstraint("customer_id", "product", name="uq_savings_accounts_customer_product"),
        CheckConstraint("accrued_interest >= 0", name="accrued_interest_non_negative"),
        # The daily accrual rewrites every row: room in each page lets PostgreSQL
        # update in place (HOT, no index touched); no index on the columns it writes.
        {"postgresql_with": {"fillfactor": 70}},
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    product: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accrued_through: Mapped[date] = mapped_column(Date)
    closing: Mapped[int] = mapped_column(BigInteger, default=0)
    earning: Mapped[int] = mapped_column(BigInteger, default=0)
    accrued_in_fortnight: Mapped[int] = mapped_column(BigInteger, default=0)
    accrued_interest: Mapped[int] = mapped_column(BigInteger, default=0)
    # The movements of the day being accrued, staged for its one pass over every row.
    day_deposits: Mapped[int] = mapped_column(BigInteger, default=0)
    day_withdrawals: Mapped[int] = mapped_column(BigInteger, default=0)


class SavingsMovement(Base):
    __tablename__ = "savings_movements"
    __table_args__ = (
        CheckConstraint(f"kind IN {MOVEMENT_KINDS!r}", name="kind_known"),
        Index("ix_savings_movements_day_account", "day", "account_id"),
        Index("ix_savings_movements_account", "account_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("savings_accounts.id"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)  # signed: a withdrawal is negative
    transfer_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccrualDay(Base):
    __tablename__ = "savings_accrual_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    accounts: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)  # signed: the day's provision
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Capitalisation(Base):
    __tablename__ = "savings_capitalisations"

    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    accounts: Mapped[int] = mapped_column(Integer)
    gross: Mapped[int] = mapped_column(BigInteger)
    tax: Mapped[int] = mapped_column(BigInteger)
    net: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
