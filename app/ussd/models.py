"""The ``ussd_sessions`` table: what the USSD channel remembers between two requests.

The menu position is *not* stored: it is rebuilt from the gateway's ``text`` on
every request (``machine.walk``). A row keeps only what ``text`` cannot say:

* ``start``: whether the session began as a registration (the number was
  unknown) or at the main menu. After registering, the same session goes on to
  the main menu while ``text`` still begins with the registration inputs.
* ``text_mac`` and ``reply_sealed``: the last request's inputs (an HMAC, since
  they contain the PIN) and the answer given, encrypted (it may hold a cash-out
  code). A gateway retrying the same request gets that answer back without
  anything being executed again. Sealed with the answer: what each list screen
  (a ``Pick``: billers, payment requests) showed, so a later request reads the
  customer's pick from the list they saw, not from the list as it is now.

Rows live ``USSD_SESSION_TTL`` seconds after their last request; the worker's
``ussd-sessions-purge`` sweep deletes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

STARTS = ("main", "register")
SESSION_ID_MAX = 100


class UssdSession(Base):
    __tablename__ = "ussd_sessions"
    __table_args__ = (
        CheckConstraint(f"start IN {STARTS!r}", name="start_known"),
        Index("ix_ussd_sessions_expires_at", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(SESSION_ID_MAX), primary_key=True)
    msisdn: Mapped[str] = mapped_column(String(16))
    start: Mapped[str] = mapped_column(String(10))
    text_mac: Mapped[str | None] = mapped_column(String(64))
    reply_sealed: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:  # no number, no text: reprs end up in logs
        return f"<UssdSession {self.start} expires {self.expires_at:%H:%M:%S}>"
