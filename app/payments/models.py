"""The tables of cyber-finance payments: billers, bill payments, merchants, payment
requests, refunds, settlements and the callbacks we owe billers and merchants.

Money itself lives in the ledger; these rows say what a movement was for:

* a ``Biller`` (a utility, a tax office, a passport fee) collects into
  ``biller:<code>``; each bill payment is a ``Transfer`` of type ``bill`` plus a
  ``BillPayment`` row naming the biller and the customer's bill reference;
* a ``Merchant`` (an e-commerce site, a shop) asks a customer to pay with a
  ``PaymentRequest``: ``pending`` → ``paid`` | ``declined`` | ``expired``; a paid
  request links the ``Transfer`` (type ``merchant``) that moved the money and
  may be refunded in parts (``MerchantRefund``), never beyond what was paid;
* a ``BillerSettlement`` records, once per biller and business day, what was
  swept from ``biller:<code>`` to ``trust:bank`` and the day's report;
* a ``CallbackDelivery`` is one signed notification to a biller or merchant,
  retried with backoff until delivered or declared undeliverable.
"""

from __future__ import annotations

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

BILLER_CATEGORIES = ("utility", "telecom", "tv", "school", "tax", "administrative", "other")
REQUEST_STATUSES = ("pending", "paid", "declined", "expired")
DELIVERY_STATUSES = ("pending", "delivered", "undeliverable")
CALLBACK_TARGETS = ("biller", "merchant")


class Biller(Base):
    """An organisation customers pay bills to, with the shape of its bill references."""

    __tablename__ = "billers"
    __table_args__ = (
        CheckConstraint(f"category IN {BILLER_CATEGORIES!r}", name="category_known"),
        CheckConstraint("status IN ('active', 'disabled')", name="status_known"),
        CheckConstraint("fixed_amount IS NULL OR fixed_amount > 0", name="fixed_amount_positive"),
    )

    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("api_clients.id"), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(16))
    reference_pattern: Mapped[str] = mapped_column(String(200))
    reference_hint: Mapped[str] = mapped_column(String(120))
    reference_example: Mapped[str | None] = mapped_column(String(30))
    fixed_amount: Mapped[int | None] = mapped_column(BigInteger)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret_sealed: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BillPayment(Base):
    """What a ``bill`` transfer paid: which biller, which bill; ``paid_at`` once completed."""

    __tablename__ = "bill_payments"
    __table_args__ = (Index("ix_bill_payments_biller_paid", "biller_code", "paid_at"),)

    transfer_id: Mapped[str] = mapped_column(ForeignKey("transfers.id"), primary_key=True)
    biller_code: Mapped[str] = mapped_column(ForeignKey("billers.code"))
    bill_reference: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BillerSettlement(Base):
    """One biller's sweep to the bank for one business day, with its report."""

    __tablename__ = "biller_settlements"
    __table_args__ = (
        UniqueConstraint("biller_code", "business_date"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    biller_code: Mapped[str] = mapped_column(ForeignKey("billers.code"))
    business_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    payments_count: Mapped[int] = mapped_column(Integer)
    payments_total: Mapped[int] = mapped_column(BigInteger)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Merchant(Base):
    """A merchant's terms: fee rate (basis points), default callback URL and its secret."""

    __tablename__ = "merchants"
    __table_args__ = (
        CheckConstraint("fee_rate_bp >= 0 AND fee_rate_bp <= 2000", name="fee_rate_bounded"),
    )

    id: Mapped[str] = mapped_column(ForeignKey("api_clients.id"), primary_key=True)
    fee_rate_bp: Mapped[int] = mapped_column(Integer)
    callback_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret_sealed: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaymentRequest(Base):
    """A merchant asks a customer to pay; the customer approves with the PIN or declines."""

    __tablename__ = "payment_requests"
    __table_args__ = (
        UniqueConstraint("merchant_id", "merchant_reference"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("fee >= 0 AND fee <= amount", name="fee_bounded"),
        CheckConstraint("refunded >= 0 AND refunded <= amount", name="refunded_bounded"),
        CheckConstraint(f"status IN {REQUEST_STATUSES!r}", name="status_known"),
        Index("ix_payment_requests_customer_status", "customer_id", "status"),
        Index("ix_payment_requests_status_expires", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    merchant_reference: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    msisdn: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    callback_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12))
    transfer_id: Mapped[str | None] = mapped_column(ForeignKey("transfers.id"))
    challenge_id: Mapped[str | None] = mapped_column(String(36))
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:  # no number in reprs that may reach logs
        return f"<PaymentRequest {self.id} {self.status}>"


class MerchantRefund(Base):
    """Part (or all) of a paid request given back; its entry is linked to the payment's."""

    __tablename__ = "merchant_refunds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("fee_returned >= 0", name="fee_returned_non_negative"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    payment_request_id: Mapped[str] = mapped_column(ForeignKey("payment_requests.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    fee_returned: Mapped[int] = mapped_column(BigInteger)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
    # Paid as a cash pickup (the wallet was at its balance cap): that remittance.
    remittance_id: Mapped[str | None] = mapped_column(ForeignKey("remittances.id"))
    reason: Mapped[str | None] = mapped_column(String(140))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CallbackDelivery(Base):
    """One signed notification owed to a biller or merchant, once per subject and event."""

    __tablename__ = "callback_deliveries"
    __table_args__ = (
        UniqueConstraint("subject_id", "event"),
        CheckConstraint(f"status IN {DELIVERY_STATUSES!r}", name="status_known"),
        CheckConstraint(f"target_type IN {CALLBACK_TARGETS!r}", name="target_type_known"),
        Index("ix_callback_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    target_type: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[str] = mapped_column(String(36))
    subject_id: Mapped[str] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(14), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
