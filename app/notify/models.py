"""Every SMS we send, recorded before it is sent.

A message is written in the transaction of the operation that causes it and
handed to the ``workers.sms.deliver`` job after commit, so nothing is announced
for money that did not move and a crashed worker leaves a visible ``queued``
row. The ``body`` column never holds a code: a message that carries one (OTP,
cash-out or remittance code) is stored with it masked, and the code itself is
kept Fernet-encrypted in ``secret_encrypted`` only until the gateway has it.

Status: ``queued`` → ``sent`` (the gateway accepted it) → ``delivered`` |
``failed`` | ``rejected`` (delivery report); ``queued`` → ``failed`` when the
gateway refuses it for good or a code expired before it could be sent.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

STATUSES = ("queued", "sent", "delivered", "failed", "rejected")
FINAL_STATUSES = ("delivered", "failed", "rejected")
UNDELIVERED_STATUSES = ("failed", "rejected")


def new_id() -> str:
    return str(uuid.uuid4())


class SmsMessage(Base):
    __tablename__ = "sms_messages"
    __table_args__ = (CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    to_msisdn: Mapped[str] = mapped_column(String(20), index=True)
    template: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(8))
    # Parameters of the template (never the secret): delivery renders from them.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    body: Mapped[str] = mapped_column(Text)
    secret_encrypted: Mapped[str | None] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(20), default="notification")
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    provider_message_id: Mapped[str | None] = mapped_column(String(100), index=True)
    cost: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    # A message carrying a code is not worth sending once the code is dead.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def undelivered(self) -> bool:
        """True once the network or the gateway said it will not reach the phone."""
        return self.status in UNDELIVERED_STATUSES
