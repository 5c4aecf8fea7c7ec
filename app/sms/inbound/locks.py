"""Row locks of the inbound SMS channel, in one place.

Each message of a number is handled while holding that number's sender row
(``SELECT … FOR UPDATE``; SQLite serialises writers), so two messages of one
number arriving together are answered one after the other.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.sms.inbound.models import InboundSender


def lock_sender(session: Session, msisdn: str) -> InboundSender | None:
    return session.get(InboundSender, msisdn, with_for_update=True, populate_existing=True)
