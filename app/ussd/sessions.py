"""The USSD session rows: open (and lock) one per request, replay, remember, purge.

Every request of a session takes the row's lock first (``SELECT … FOR UPDATE``
on PostgreSQL; SQLite serialises writers anyway), so a gateway retry that
arrives while the first attempt is still paying waits for it, then finds its
answer remembered and gets it back. This module is the channel's only query
and the only place it takes a lock.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import clock
from app.runtime import settings
from app.secretbox import InvalidToken, seal, unseal
from app.ussd.models import UssdSession
from app.ussd.protocol import Reply

SEAL_PURPOSE = "ussd-reply"
_MAC_LABEL = b"postcash/ussd-text"


@dataclass(frozen=True, slots=True)
class Opened:
    row: UssdSession
    owned: bool  # False when the session id belongs to another number


def text_mac(secret_key: str, session_id: str, text: str) -> str:
    """An HMAC of the inputs: equal for a retried request, useless to a database reader
    (the inputs hold the PIN, and four digits are too few for a plain hash)."""
    key = hmac.new(secret_key.encode(), _MAC_LABEL, hashlib.sha256).digest()
    message = session_id.encode() + b"\x00" + text.encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def session_digest(session_id: str) -> str:
    """A short stable name of the session for client keys and logs (never the raw id)."""
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def open_session(session: Session, session_id: str, msisdn: str, start: str) -> Opened:
    """The session's row, locked; created with ``start`` on the first request.

    A row past its expiry starts over (its remembered answer is dropped): the
    gateway has closed that session long ago.
    """
    row = _locked(session, session_id)
    if row is None:
        row = _create(session, session_id, msisdn, start)
    elif row.expires_at <= clock.now():
        row.msisdn, row.start, row.text_mac, row.reply_sealed = msisdn, start, None, None
        row.created_at = clock.now()
        _touch(session, row)
    return Opened(row, owned=row.msisdn == msisdn)


def _locked(session: Session, session_id: str) -> UssdSession | None:
    return session.scalar(
        select(UssdSession)
        .where(UssdSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _create(session: Session, session_id: str, msisdn: str, start: str) -> UssdSession:
    now = clock.now()
    row = UssdSession(
        id=session_id,
        msisdn=msisdn,
        start=start,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(seconds=settings(session).USSD_SESSION_TTL),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same first request twice at once: the other one won
        found = _locked(session, session_id)
        if found is None:
            raise
        return found
    return row


def _touch(session: Session, row: UssdSession) -> None:
    now = clock.now()
    row.updated_at = now
    row.expires_at = now + timedelta(seconds=settings(session).USSD_SESSION_TTL)
    session.flush()


def replay(session: Session, row: UssdSession, text: str) -> Reply | None:
    """The answer already given to exactly this request, if any."""
    if row.text_mac is None or row.reply_sealed is None:
        return None
    secret_key = settings(session).SECRET_KEY
    if not hmac.compare_digest(row.text_mac, text_mac(secret_key, row.id, text)):
        return None
    try:
        return Reply.parse(unseal(secret_key, SEAL_PURPOSE, row.reply_sealed))
    except (InvalidToken, ValueError):  # SECRET_KEY rotated: answer afresh
        return None


def remember(session: Session, row: UssdSession, text: str, reply: Reply) -> None:
    """Keep ``reply`` as the answer to ``text`` (sealed: it may carry a cash-out code)."""
    secret_key = settings(session).SECRET_KEY
    row.text_mac = text_mac(secret_key, row.id, text)
    row.reply_sealed = seal(secret_key, SEAL_PURPOSE, reply.render())
    _touch(session, row)


def purge_expired(session: Session, limit: int = 5_000) -> int:
    """Delete rows past their expiry (oldest first, ``limit`` at a time); how many went."""
    ids = list(
        session.scalars(
            select(UssdSession.id)
            .where(UssdSession.expires_at <= clock.now())
            .order_by(UssdSession.expires_at)
            .limit(limit)
        )
    )
    if ids:
        session.execute(delete(UssdSession).where(UssdSession.id.in_(ids)))
    return len(ids)
