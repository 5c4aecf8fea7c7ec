"""OTP tables: one encrypted HOTP seed per subject, one row per challenge.

The seed (``pyotp.random_base32``) is Fernet-encrypted with a key derived from
``SECRET_KEY``; ``next_counter`` only grows, so no two challenges of a subject
share a code. A challenge keeps what a code alone cannot: its counter, the hash
of the operation it is bound to, its expiry and how many tries are left.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

CHALLENGE_STATUSES = ("pending", "used", "expired", "failed")


def new_id() -> str:
    return str(uuid.uuid4())


class OtpSecret(Base):
    __tablename__ = "otp_secrets"

    subject_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    next_counter: Mapped[int] = mapped_column(Integer, default=0)


class Challenge(Base):
    __tablename__ = "otp_challenges"
    __table_args__ = (
        CheckConstraint(f"status IN {CHALLENGE_STATUSES!r}", name="status_known"),
        CheckConstraint("attempts >= 0 AND attempts <= max_attempts", name="attempts_in_range"),
        Index("ix_otp_challenges_subject_status", "subject_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(40))
    binding_hash: Mapped[str] = mapped_column(String(64))
    counter: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sends: Mapped[int] = mapped_column(Integer, default=0)
    sms_message_id: Mapped[str | None] = mapped_column(String(36))

    @property
    def attempts_left(self) -> int:
        return max(self.max_attempts - self.attempts, 0)
