"""The tables of remittances (mandats): the money order, quotes, FX rates, counters' misses.

A ``Remittance`` is one money order from a sender (a wallet, cash at a counter,
or a partner abroad) to a recipient who collects it with a 10-digit code at any
counter or claims it into a wallet. Its state machine (DESIGN.md):

    pending_confirmation → awaiting_payout → paid_out | cancelled | expired
    pending_confirmation → cancelled | expired | failed   (funds released)

``expires_at`` is the deadline of the current state: the OTP deadline while
pending, the payout deadline once awaiting payout (``REMITTANCE_TTL_DAYS``).
``remit:payable`` holds exactly the amounts of the rows ``awaiting_payout``
(``invariants.py``). The code is never stored: ``code_hash`` is an HMAC keyed
from ``SECRET_KEY`` (``codes.py``).

A cash-funded remittance nobody collects cannot be refunded to a wallet the
sender may not have, so on expiry it is *returned*: a new ``source="return"``
remittance to the sender, with its own code, takes over the money still in
``remit:payable`` (no ledger entry needed) and never expires. The same kind of
``return`` remittance carries a refund that would take a wallet above its KYC
balance cap (a wallet sender's cancelled or expired remittance, a merchant's
refund): docs/LEDGER.md, "Money coming back and the balance cap".
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
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigIntPK, UTCDateTime

PENDING = "pending_confirmation"
AWAITING = "awaiting_payout"
PAID_OUT = "paid_out"
STATUSES = (PENDING, AWAITING, PAID_OUT, "cancelled", "expired", "failed")
SOURCES = ("wallet", "cash", "partner", "return")
PAYOUT_METHODS = ("cash", "wallet")
NAME_MAX = 60


class Remittance(Base):
    __tablename__ = "remittances"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("fee >= 0", name="fee_non_negative"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint(f"source IN {SOURCES!r}", name="source_known"),
        CheckConstraint(
            f"payout_method IS NULL OR payout_method IN {PAYOUT_METHODS!r}",
            name="payout_method_known",
        ),
        UniqueConstraint("initiator_id", "client_key", name="uq_remittances_initiator_client_key"),
        UniqueConstraint(
            "partner_id", "partner_reference", name="uq_remittances_partner_reference"
        ),
        Index("ix_remittances_status_expires", "status", "expires_at"),
        Index("ix_remittances_sender_customer", "sender_customer_id", "created_at"),
        Index("ix_remittances_send_agent", "send_agent_id", "created_at"),
        Index("ix_remittances_payout_agent", "payout_agent_id", "paid_out_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    source: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(8))
    payout_method: Mapped[str | None] = mapped_column(String(8))
    # The channel of the payout: ``agent`` (cash at a counter), ``ussd`` or ``api`` (a
    # claim into a wallet); ``unknown`` for claims paid before it was recorded (0027).
    payout_channel: Mapped[str | None] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger, default=0)
    fx_fee: Mapped[int] = mapped_column(BigInteger, default=0)
    send_commission: Mapped[int] = mapped_column(BigInteger, default=0)
    payout_commission: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="XAF")

    initiator_id: Mapped[str] = mapped_column(String(36))
    client_key: Mapped[str | None] = mapped_column(String(255))

    sender_customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    sender_name: Mapped[str] = mapped_column(String(NAME_MAX))
    sender_msisdn: Mapped[str | None] = mapped_column(String(16))
    sender_country: Mapped[str | None] = mapped_column(String(2))
    sender_id_type: Mapped[str | None] = mapped_column(String(24))
    sender_id_number: Mapped[str | None] = mapped_column(String(40))
    send_agent_id: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"))

    recipient_name: Mapped[str] = mapped_column(String(NAME_MAX))
    recipient_msisdn: Mapped[str] = mapped_column(String(16), index=True)
    recipient_customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    recipient_id_type: Mapped[str | None] = mapped_column(String(24))
    recipient_id_number: Mapped[str | None] = mapped_column(String(40))
    payout_agent_id: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"))

    partner_id: Mapped[str | None] = mapped_column(ForeignKey("api_clients.id"))
    partner_reference: Mapped[str | None] = mapped_column(String(64))
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))
    quote_id: Mapped[str | None] = mapped_column(ForeignKey("remittance_quotes.id"), unique=True)
    send_amount: Mapped[int | None] = mapped_column(BigInteger)
    send_currency: Mapped[str | None] = mapped_column(String(3))
    fx_rate: Mapped[str | None] = mapped_column(String(32))

    returned_from_id: Mapped[str | None] = mapped_column(ForeignKey("remittances.id"), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    challenge_id: Mapped[str | None] = mapped_column(String(36))
    hold_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    settle_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    @property
    def total(self) -> int:
        return self.amount + self.fee

    def __repr__(self) -> str:  # no names, numbers or codes in reprs that may reach logs
        return f"<Remittance {self.id} {self.source} {self.status}>"


class FxRate(Base):
    """Mid-market rate of one currency in XAF per major unit, set by an admin.

    EUR is not here: it converts at the fixed CEMAC peg (``fx.py``).
    """

    __tablename__ = "fx_rates"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(36))


class RemittanceQuote(Base):
    """A price promised to a partner until ``expires_at``; one remittance may cite it."""

    __tablename__ = "remittance_quotes"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("api_clients.id"), index=True)
    send_amount: Mapped[int] = mapped_column(BigInteger)
    send_currency: Mapped[str] = mapped_column(String(3))
    mid_rate: Mapped[str] = mapped_column(String(32))
    rate: Mapped[str] = mapped_column(String(32))
    margin_bp: Mapped[int] = mapped_column(Integer)
    gross: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    fx_fee: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CodeMiss(Base):
    """One wrong remittance code typed by a counter or a customer (no code kept)."""

    __tablename__ = "remittance_code_misses"
    __table_args__ = (Index("ix_remittance_code_misses_actor_at", "actor", "at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(48))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class PartnerWebhook(Base):
    """Where a partner wants status callbacks, and the secret that signs them (sealed)."""

    __tablename__ = "partner_webhooks"

    partner_id: Mapped[str] = mapped_column(ForeignKey("api_clients.id"), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret_sealed: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    """One status callback of one remittance: delivered once, retried until then."""

    __tablename__ = "partner_webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("remittance_id", "event", name="uq_partner_webhook_deliveries_event"),
        CheckConstraint("status IN ('pending', 'delivered')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    remittance_id: Mapped[str] = mapped_column(ForeignKey("remittances.id"))
    event: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
