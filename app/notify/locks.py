"""Row locks of outgoing messages, in one place.

A message stays locked while its gateway is called, so two copies of the
delivery job cannot both send it; a delivery report is applied under the same
lock, so it cannot cross the send it reports on.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.notify.models import SmsMessage


def lock_message(session: Session, message_id: str) -> SmsMessage | None:
    return session.get(SmsMessage, message_id, with_for_update=True, populate_existing=True)


def lock_message_by_provider_id(session: Session, provider_message_id: str) -> SmsMessage | None:
    return session.scalar(
        select(SmsMessage)
        .where(SmsMessage.provider_message_id == provider_message_id)
        .with_for_update()
    )
