"""Text messages customers send us, each stored once, and the numbers they come from.

``sms_inbound_messages`` holds one row per provider message id (unique): the
gateway may post the same message again (a timeout on its side, a replay) and
the second post finds the row and does nothing. The row says what became of
the message (``outcome``) and which reply answered it; its ``text`` is stored
redacted (a confirmation code or anything that looks like a PIN is starred).

``sms_inbound_senders`` has one row per number that ever wrote to us. The row is
locked while a message from that number is handled, so the replies counted
for the pumping guard (``SMS_REPLIES_PER_HOUR``) cannot be overrun by messages
arriving together.

Outcomes: ``received`` (being handled) → ``replied`` (answered, or answered by
the domain itself: a receipt, a resent code) | ``silenced`` (over the hourly
reply budget: no answer, nothing done) | ``ignored`` (no number we may answer)
| ``failed`` (handling broke; the generic error text was sent).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

OUTCOMES = ("received", "replied", "silenced", "ignored", "failed")
# Outcomes that sent the number a text: what the pumping guard counts.
ANSWERED = ("replied", "failed")


def new_id() -> str:
    return str(uuid.uuid4())


class InboundSms(Base):
    __tablename__ = "sms_inbound_messages"
    __table_args__ = (
        CheckConstraint(f"outcome IN {OUTCOMES!r}", name="outcome_known"),
        Index("ix_sms_inbound_messages_sender_received", "from_msisdn", "received_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    provider_id: Mapped[str] = mapped_column(String(100), unique=True)
    # E.164 when the number is one we may answer, else what the provider sent (cut).
    from_msisdn: Mapped[str] = mapped_column(String(32))
    to_code: Mapped[str | None] = mapped_column(String(20))  # our short code
    link_id: Mapped[str | None] = mapped_column(String(100))
    provider_date: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)  # redacted
    command: Mapped[str | None] = mapped_column(String(12))
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    outcome: Mapped[str] = mapped_column(String(10), default="received")
    reply_message_id: Mapped[str | None] = mapped_column(ForeignKey("sms_messages.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboundSender(Base):
    __tablename__ = "sms_inbound_senders"

    msisdn: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
