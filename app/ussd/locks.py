"""Row locks of USSD sessions, in one place.

Every request of a session takes the session row's lock first (``SELECT … FOR
UPDATE``; SQLite serialises writers), so two requests of one session (a
gateway retry) are answered one after the other.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ussd.models import UssdSession


def lock_session(session: Session, session_id: str) -> UssdSession | None:
    return session.scalar(
        select(UssdSession)
        .where(UssdSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
