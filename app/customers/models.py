"""The ``customers`` table.

A customer is keyed by a random UUID, never by the phone number: a number can
be recycled by the operator or changed by the customer, and ids travel in jobs,
logs and ledger account codes (``wallet:<id>``) where a number must not.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

LANGUAGES = ("fr", "ln")
KYC_TIERS = ("basic", "standard", "full")  # in increasing order of trust
CUSTOMER_STATUSES = ("active", "locked", "frozen")
ID_TYPES = ("national_id", "passport", "residence_permit", "driving_licence")
NAME_MAX_LENGTH = 30  # each of first and last name; SMS and USSD texts are sized for it


def new_id() -> str:
    return str(uuid.uuid4())


def display_name(first_name: str, last_name: str) -> str:
    initial = last_name[:1].upper()
    return f"{first_name} {initial}." if initial else first_name


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint(f"language IN {LANGUAGES!r}", name="language_known"),
        CheckConstraint(f"kyc_tier IN {KYC_TIERS!r}", name="kyc_tier_known"),
        CheckConstraint(f"status IN {CUSTOMER_STATUSES!r}", name="status_known"),
        CheckConstraint("failed_pin_attempts >= 0", name="failed_pin_attempts_non_negative"),
        CheckConstraint("pin_lock_level >= 0", name="pin_lock_level_non_negative"),
        # One identity document backs at most one wallet.
        UniqueConstraint("id_type", "id_number"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    msisdn: Mapped[str] = mapped_column(String(16), unique=True)
    first_name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    last_name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    language: Mapped[str] = mapped_column(String(2), default="fr")
    kyc_tier: Mapped[str] = mapped_column(String(10), default="basic")
    status: Mapped[str] = mapped_column(String(10), default="active")
    failed_pin_attempts: Mapped[int] = mapped_column(Integer, default=0)
    pin_hash: Mapped[str] = mapped_column(String(255))
    # PIN lockout (``pin_locks.py``): when a temporary lock ends (None while locked: until
    # an agent unlocks), how many locks in a row so far, and when the last one began.
    pin_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pin_lock_level: Mapped[int] = mapped_column(Integer, default=0)
    pin_locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    id_type: Mapped[str | None] = mapped_column(String(24))
    id_number: Mapped[str | None] = mapped_column(String(40))
    kyc_verified_by: Mapped[str | None] = mapped_column(String(36))
    kyc_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self) -> str:
        """First name and initial of the surname ("Awa M."): what a counterparty is
        shown before confirming a payment, enough to spot a wrong number without
        revealing the whole name to whoever types it."""
        return display_name(self.first_name, self.last_name)

    def __repr__(self) -> str:  # no phone number in reprs that may end up in logs
        return f"<Customer {self.id} {self.status} {self.kyc_tier}>"


class Registration(Base):
    """A registration made through the app, waiting for the code texted to its number.

    Not a customer: nothing that resolves a number to a customer reads this table,
    so an unverified number is unregistered for every purpose (no sign-in, nothing
    paid to it). Verifying the code turns the row into a ``Customer`` with the same
    id and deletes it; an expired row is deleted when the number registers again
    or by the hourly purge.
    One row per number (unique), so two racing registrations leave one pending.
    """

    __tablename__ = "customer_registrations"
    __table_args__ = (CheckConstraint(f"language IN {LANGUAGES!r}", name="language_known"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    msisdn: Mapped[str] = mapped_column(String(16), unique=True)
    first_name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    last_name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    language: Mapped[str] = mapped_column(String(2))
    pin_hash: Mapped[str] = mapped_column(String(255))
    challenge_id: Mapped[str] = mapped_column(String(36))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # What the API shows of a registration: a customer-to-be of the basic tier.
    status = "pending_verification"
    kyc_tier = KYC_TIERS[0]

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name)

    def __repr__(self) -> str:
        return f"<Registration {self.id}>"
