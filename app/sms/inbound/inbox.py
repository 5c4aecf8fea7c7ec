"""The inbox: each provider message handled once, each number answered a bounded number of times.

``record_once`` is the idempotency of the channel: a unique provider id plus a
"return what was already done" path, so a gateway retry finds the first row
(with its outcome and reply) instead of running the command again; two copies
arriving together race on the unique index and the loser gets the winner's row.

``may_answer`` is the pumping guard. Replies cost money and go to whatever
number a message claims to come from, so each number gets at most
``SMS_REPLIES_PER_HOUR`` answers in any sliding hour; past that it gets
silence and its messages do nothing. The count is read from the inbox itself
while the sender's row is locked, so it holds with several web processes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import clock
from app.db import settings
from app.sms.inbound.locks import lock_sender
from app.sms.inbound.models import ANSWERED, InboundSender, InboundSms

WINDOW = timedelta(hours=1)
# Tab, carriage return, vertical tab and form feed read as a space; every other C0
# control character (NUL first: PostgreSQL text cannot hold it), DEL and lone
# surrogates (UTF-8 cannot encode them) are dropped.
_AS_SPACE = re.compile(r"[\t\r\x0b\x0c]")
_DROPPED = re.compile("[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff]")


def clean_field(value: str) -> str:
    """A gateway form field as text we can store: no control character but newlines."""
    return _DROPPED.sub("", _AS_SPACE.sub(" ", value))


@dataclass(frozen=True, slots=True)
class IncomingSms:
    """Africa's Talking's form fields, as received (``from`` is ``sender`` here)."""

    provider_id: str
    sender: str
    to: str | None
    text: str
    date: str | None
    link_id: str | None

    def __repr__(self) -> str:  # no number, no text (it may hold a code) in logs
        return f"IncomingSms({self.provider_id[:40]!r})"

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> IncomingSms:
        """The message as posted, each field cleaned (``clean_field``) before anything
        stores it: a ``SOLDE`` followed by a NUL is answered like ``SOLDE``."""

        def field(name: str) -> str:
            return clean_field(form.get(name) or "")

        return cls(
            provider_id=field("id").strip(),
            sender=field("from").strip(),
            to=field("to") or None,
            text=field("text"),
            date=field("date") or None,
            link_id=field("linkId") or None,
        )


def record_once(
    session: Session, incoming: IncomingSms, *, sender: str, text: str
) -> tuple[InboundSms, bool]:
    """The stored message and True if it is new; the first row and False for a repeat."""
    existing = _by_provider_id(session, incoming.provider_id)
    if existing is not None:
        return existing, False
    row = InboundSms(
        provider_id=incoming.provider_id[:100],
        from_msisdn=sender[:32],
        to_code=(incoming.to or "")[:20] or None,
        link_id=(incoming.link_id or "")[:100] or None,
        provider_date=(incoming.date or "")[:40] or None,
        text=text[:1000],
        outcome="received",
        received_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        existing = _by_provider_id(session, incoming.provider_id)
        if existing is None:
            raise
        return existing, False
    return row, True


def _by_provider_id(session: Session, provider_id: str) -> InboundSms | None:
    return session.scalar(select(InboundSms).where(InboundSms.provider_id == provider_id[:100]))


def may_answer(session: Session, msisdn: str) -> bool:
    """True while ``msisdn`` has had fewer answers than the hourly budget.

    Holds the sender's row lock until the caller's transaction ends, so the
    answer about to be sent is counted before the next message is looked at.
    """
    _lock_sender(session, msisdn)
    since = clock.now() - WINDOW
    answered = session.scalar(
        select(func.count(InboundSms.id)).where(
            InboundSms.from_msisdn == msisdn,
            InboundSms.outcome.in_(ANSWERED),
            InboundSms.received_at > since,
        )
    )
    return int(answered or 0) < settings(session).SMS_REPLIES_PER_HOUR


def _lock_sender(session: Session, msisdn: str) -> InboundSender:
    now = clock.now()
    sender = lock_sender(session, msisdn)
    if sender is None:
        try:
            with session.begin_nested():
                session.add(InboundSender(msisdn=msisdn, first_seen_at=now, last_seen_at=now))
                session.flush()
        except IntegrityError:  # the number's first two messages arrived together
            pass
        sender = lock_sender(session, msisdn)
        assert sender is not None
    sender.last_seen_at = now
    return sender
