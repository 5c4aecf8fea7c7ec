"""The tables of hybrid mail: letters, their events (the evidence chain), the
tracking-number counters, print batches and who declined electronic mail.

A letter is ``pending_payment`` until paid (a customer's OTP; a sender pays at
once), then ``accepted``, then either ``delivered_electronic`` → ``read`` or
``queued_for_print`` → ``printed`` → ``dispatched`` → ``at_post_office`` →
``delivered`` | ``returned``; an unpaid letter whose payment was cancelled or
expired is ``cancelled`` (its tracking number is never reused). Every change is
an event of the letter's hash chain (``evidence.py``).
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

SERVICES = ("ordinary", "registered", "registered_ar")
REGISTERED = ("registered", "registered_ar")
DELIVERIES = ("auto", "electronic", "paper")
CHANNELS = ("electronic", "paper")
STATUSES = (
    "pending_payment",
    "cancelled",
    "accepted",
    "delivered_electronic",
    "read",
    "queued_for_print",
    "printed",
    "dispatched",
    "at_post_office",
    "delivered",
    "returned",
)
SENDER_KINDS = ("customer", "sender")
BATCH_STATUSES = ("accepted",)
PRINT_BATCH_STATUSES = ("ready", "printed")


class MailCounter(Base):
    """The last serial handed out per S10 service indicator: one row each, bumped by an
    ``UPDATE … RETURNING`` (the row lock serialises racing senders), never lowered."""

    __tablename__ = "mail_counters"

    service_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    last_serial: Mapped[int] = mapped_column(BigInteger, default=0)


class Letter(Base):
    __tablename__ = "mail_letters"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint(f"service IN {SERVICES!r}", name="service_known"),
        CheckConstraint(f"delivery IN {DELIVERIES!r}", name="delivery_known"),
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel_known"),
        CheckConstraint(f"sender_kind IN {SENDER_KINDS!r}", name="sender_kind_known"),
        CheckConstraint("pages > 0", name="pages_positive"),
        CheckConstraint("price >= 0", name="price_non_negative"),
        Index("ix_mail_letters_sender", "sender_id", "created_at"),
        Index("ix_mail_letters_recipient", "recipient_customer_id", "channel", "created_at"),
        Index("ix_mail_letters_centre_status", "print_centre", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(13), unique=True)
    status: Mapped[str] = mapped_column(String(24))
    service: Mapped[str] = mapped_column(String(16))
    delivery: Mapped[str] = mapped_column(String(12))  # as asked
    channel: Mapped[str] = mapped_column(String(12))  # as decided
    sender_kind: Mapped[str] = mapped_column(String(10))
    sender_id: Mapped[str] = mapped_column(String(36))
    sender_name: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str | None] = mapped_column(String(120))
    recipient_name: Mapped[str] = mapped_column(String(120))
    recipient_msisdn: Mapped[str | None] = mapped_column(String(16))
    recipient_customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    post_office_code: Mapped[str | None] = mapped_column(String(20))
    print_centre: Mapped[str | None] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    price: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    transfer_id: Mapped[str | None] = mapped_column(ForeignKey("transfers.id"), unique=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    print_batch_id: Mapped[str | None] = mapped_column(ForeignKey("mail_print_batches.id"))
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("mail_batches.id"), index=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    recipient_id_number: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def registered(self) -> bool:
        return self.service in REGISTERED


class MailBatch(Base):
    """A sender's bulk upload: every valid line became a letter, paid by one entry."""

    __tablename__ = "mail_batches"
    __table_args__ = (
        UniqueConstraint("sender_id", "reference"),
        CheckConstraint(f"status IN {BATCH_STATUSES!r}", name="status_known"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sender_id: Mapped[str] = mapped_column(ForeignKey("api_clients.id"))
    reference: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    total: Mapped[int] = mapped_column(Integer)
    valid: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    price: Mapped[int] = mapped_column(BigInteger)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LetterEvent(Base):
    """One step of a letter, chained: ``hash`` = SHA-256 of the previous hash and this
    event's fields (``evidence.event_hash``); the first previous hash is the content's."""

    __tablename__ = "mail_events"
    __table_args__ = (UniqueConstraint("letter_id", "seq"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    letter_id: Mapped[str] = mapped_column(ForeignKey("mail_letters.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(24))
    place: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str | None] = mapped_column(String(60))
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class PrintBatch(Base):
    """Letters printed together at one centre: one print-ready PDF (stored by its SHA-256)."""

    __tablename__ = "mail_print_batches"
    __table_args__ = (CheckConstraint(f"status IN {PRINT_BATCH_STATUSES!r}", name="status_known"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    centre: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(8))
    letters: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailboxOptOut(Base):
    """A customer who asked for paper: ``auto`` letters to them are printed.
    Every other active customer accepts electronic mail (docs/API.md)."""

    __tablename__ = "mail_optouts"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
