"""Handing out S10 tracking numbers: unique and never reused.

One counter row per service indicator, bumped by ``UPDATE … RETURNING`` in the
caller's transaction: on PostgreSQL the update holds the row until commit, so
racing senders get consecutive serials one after the other; a rolled-back
transaction gives its serials back only if nothing later took any (the update
is undone with it), so no number ever names two letters, and a number
given to a letter (paid, cancelled or returned) stays that letter's.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import Config
from app.errors import ValidationFailed
from app.mail import s10
from app.mail.models import MailCounter


class SerialsExhausted(RuntimeError):
    """Every eight-digit serial of a service indicator is taken: configure another one."""


def service_code(config: Config, service: str) -> str:
    code = config.MAIL_SERVICE_CODES.get(service)
    if code is None:
        raise ValidationFailed({"service": [f"One of: {', '.join(sorted(config.MAIL_TARIFF))}."]})
    return code


def _ensure_counter(session: Session, code: str) -> None:
    if session.get(MailCounter, code) is not None:
        return
    try:
        with session.begin_nested():
            session.add(MailCounter(service_code=code, last_serial=0))
            session.flush()
    except IntegrityError:  # another transaction created it first
        pass


def allocate(session: Session, config: Config, service: str, count: int = 1) -> list[str]:
    """``count`` fresh tracking numbers for ``service``, in serial order."""
    if count < 1:
        return []
    code = service_code(config, service)
    _ensure_counter(session, code)
    last = session.execute(
        update(MailCounter)
        .where(MailCounter.service_code == code)
        .values(last_serial=MailCounter.last_serial + count)
        .returning(MailCounter.last_serial)
    ).scalar_one()
    if last > s10.MAX_SERIAL:
        raise SerialsExhausted(code)
    first = last - count + 1
    return [s10.build(code, serial, config.MAIL_COUNTRY) for serial in range(first, last + 1)]


def last_serial(session: Session, code: str) -> int:
    return int(
        session.scalar(select(MailCounter.last_serial).where(MailCounter.service_code == code)) or 0
    )
