"""The USSD session rows: open (and lock) one per request, recall, remember, purge.

Every request of a session takes the row's lock first (``SELECT … FOR UPDATE``
on PostgreSQL; SQLite serialises writers anyway), so a gateway retry that
arrives while the first attempt is still paying waits for it, then finds its
answer remembered and gets it back. This module is the channel's only query
and the only place it takes a lock.

What a row remembers is sealed together in ``reply_sealed`` (a JSON document):
the last answer, and what each ``Pick`` screen of the session showed, named by
an HMAC of the inputs it answered (``machine.Shown``), so a pick is read from
the list the customer saw, not from the list as it is now. Only the lists on
the way to the current screen are kept.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import clock
from app.db import settings
from app.secretbox import InvalidToken, seal, unseal
from app.ussd.locks import lock_session
from app.ussd.machine import Shown
from app.ussd.models import UssdSession
from app.ussd.protocol import Reply, UssdRequest

SEAL_PURPOSE = "ussd-reply"
_MAC_LABEL = b"postcash/ussd-text"
_SCREEN_LABEL = b"postcash/ussd-screen"


@dataclass(frozen=True, slots=True)
class Opened:
    row: UssdSession
    owned: bool  # False when the session id belongs to another number


@dataclass(frozen=True, slots=True)
class Memory:
    """What a session's row recalls when a request comes in."""

    reply: Reply | None  # the answer already given to exactly this request
    lists: Mapping[str, Shown]  # what each Pick screen showed, by ``screen_mac`` of its inputs
    inputs: tuple[str, ...]  # this request's
    secret_key: str
    session_id: str

    def shown(self, step: int) -> Shown | None:
        """What the ``Pick`` screen answered to the first ``step`` inputs showed, if known."""
        return self.lists.get(self._mac(self.inputs[:step]))

    def keeping(self, showing: Shown | None) -> dict[str, Shown]:
        """The lists to keep after this request: those of the screens on the way to it
        (a pick further on may still be read from them), and the one it shows."""
        way = {self._mac(self.inputs[:step]) for step in range(len(self.inputs))}
        kept = {mac: shown for mac, shown in self.lists.items() if mac in way}
        if showing is not None:
            kept[self._mac(self.inputs)] = showing
        return kept

    def _mac(self, inputs: Sequence[str]) -> str:
        return screen_mac(self.secret_key, self.session_id, inputs)


def text_mac(secret_key: str, session_id: str, text: str) -> str:
    """An HMAC of the inputs: equal for a retried request, useless to a database reader
    (the inputs hold the PIN, and four digits are too few for a plain hash)."""
    key = hmac.new(secret_key.encode(), _MAC_LABEL, hashlib.sha256).digest()
    message = session_id.encode() + b"\x00" + text.encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def screen_mac(secret_key: str, session_id: str, inputs: Sequence[str]) -> str:
    """Names the screen answered to ``inputs`` (an HMAC: the inputs may hold a PIN)."""
    key = hmac.new(secret_key.encode(), _SCREEN_LABEL, hashlib.sha256).digest()
    message = json.dumps([session_id, *inputs]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def session_digest(session_id: str) -> str:
    """A short stable name of the session for client keys and logs (never the raw id)."""
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def open_session(session: Session, session_id: str, msisdn: str, start: str) -> Opened:
    """The session's row, locked; created with ``start`` on the first request.

    A row past its expiry starts over (its remembered answer is dropped): the
    gateway has closed that session long ago.
    """
    row = lock_session(session, session_id)
    if row is None:
        row = _create(session, session_id, msisdn, start)
    elif row.expires_at <= clock.now():
        row.msisdn, row.start, row.text_mac, row.reply_sealed = msisdn, start, None, None
        row.created_at = clock.now()
        _touch(session, row)
    return Opened(row, owned=row.msisdn == msisdn)


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
        found = lock_session(session, session_id)
        if found is None:
            raise
        return found
    return row


def _touch(session: Session, row: UssdSession) -> None:
    now = clock.now()
    row.updated_at = now
    row.expires_at = now + timedelta(seconds=settings(session).USSD_SESSION_TTL)
    session.flush()


def recall(session: Session, row: UssdSession, request: UssdRequest) -> Memory:
    """The answer already given to exactly this request, if any, and the lists shown."""
    secret_key = settings(session).SECRET_KEY
    reply, lists = _unsealed(secret_key, row)
    if row.text_mac is None or not hmac.compare_digest(
        row.text_mac, text_mac(secret_key, row.id, request.text)
    ):
        reply = None
    return Memory(reply, lists, tuple(request.inputs), secret_key, row.id)


def _unsealed(secret_key: str, row: UssdSession) -> tuple[Reply | None, dict[str, Shown]]:
    if row.reply_sealed is None:
        return None, {}
    try:
        text = unseal(secret_key, SEAL_PURPOSE, row.reply_sealed)
        if not text.startswith("{"):  # sealed before the lists were kept: the answer alone
            return Reply.parse(text), {}
        kept = json.loads(text)
        lists = {
            mac: Shown(tuple(values), bool(more)) for mac, (values, more) in kept["shown"].items()
        }
        return Reply.parse(kept["reply"]), lists
    except (InvalidToken, ValueError, KeyError, TypeError):  # SECRET_KEY rotated: start afresh
        return None, {}


def remember(
    session: Session,
    row: UssdSession,
    request: UssdRequest,
    reply: Reply,
    lists: Mapping[str, Shown],
) -> None:
    """Keep ``reply`` as the answer to ``request`` and the ``lists`` shown so far, sealed
    (the answer may carry a cash-out code)."""
    secret_key = settings(session).SECRET_KEY
    kept = {
        "reply": reply.render(),
        "shown": {mac: [list(shown.values), shown.more] for mac, shown in lists.items()},
    }
    row.text_mac = text_mac(secret_key, row.id, request.text)
    row.reply_sealed = seal(secret_key, SEAL_PURPOSE, json.dumps(kept, ensure_ascii=False))
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
