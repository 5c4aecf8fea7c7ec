"""The postal e-mailbox: letters delivered electronically to a customer.

Only the recipient sees them here. The first read of the content records
``read`` in the letter's chain. A registered letter is opened first with the
customer's PIN (``open_letter``; the PIN is checked by
``customers.service.verify_pin``, so wrong PINs count towards the lock of
docs/PIN_LOCKS.md): that opening is the proof of receipt, chained as
``acknowledged`` (USSD "Mon courrier" acknowledges the same way).
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.clock import clock
from app.customers.models import Customer
from app.customers.service import verify_pin
from app.errors import InvalidState, ValidationFailed
from app.mail import evidence
from app.mail.delivery import EMAILBOX
from app.mail.errors import LetterNotFound
from app.mail.locks import lock_letter
from app.mail.models import Letter
from app.mail.storage import Storage

IN_MAILBOX = ("delivered_electronic", "read")


def _mine(customer_id: str) -> Any:
    return and_(
        Letter.recipient_customer_id == customer_id,
        Letter.channel == "electronic",
        Letter.status.in_(IN_MAILBOX),
    )


def _encode(at: datetime, letter_id: str) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{letter_id}".encode()).decode()


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        stamp, _, letter_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        at = datetime.fromisoformat(stamp)
        if at.tzinfo is None or not (0 < len(letter_id) <= 36 and letter_id.isprintable()):
            raise ValueError("not ours")
        return at.astimezone(UTC), letter_id
    except (binascii.Error, UnicodeError, ValueError, OverflowError):
        raise ValidationFailed({"cursor": ["Not a cursor of this list."]}) from None


def list_letters(
    session: Session, customer_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Letter], str | None]:
    """The customer's letters, newest first, a page at a time."""
    query = select(Letter).where(_mine(customer_id))
    if cursor:
        at, last_id = _decode(cursor)
        query = query.where(
            or_(
                Letter.delivered_at < at,
                and_(Letter.delivered_at == at, Letter.id < last_id),
            )
        )
    rows = list(
        session.scalars(
            query.order_by(Letter.delivered_at.desc(), Letter.id.desc()).limit(limit + 1)
        )
    )
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit and page[-1].delivered_at is not None:
        next_cursor = _encode(page[-1].delivered_at, page[-1].id)
    return page, next_cursor


def unread(session: Session, customer_id: str) -> list[Letter]:
    """Letters not read yet, newest first (what USSD "Mon courrier" lists)."""
    return list(
        session.scalars(
            select(Letter)
            .where(_mine(customer_id), Letter.read_at.is_(None))
            .order_by(Letter.delivered_at.desc(), Letter.id.desc())
        )
    )


def count_unread(session: Session, customer_id: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Letter)
            .where(_mine(customer_id), Letter.read_at.is_(None))
        )
        or 0
    )


def count_letters(session: Session, customer_id: str) -> int:
    """Every letter in the customer's mailbox, read or not."""
    return int(
        session.scalar(select(func.count()).select_from(Letter).where(_mine(customer_id))) or 0
    )


def letter_for_recipient(session: Session, letter_id: str, customer_id: str) -> Letter:
    """One letter of the customer's e-mailbox; anyone else's is ``not_found``."""
    letter = session.get(Letter, letter_id) if isinstance(letter_id, str) else None
    if (
        letter is None
        or letter.recipient_customer_id != customer_id
        or letter.channel != "electronic"
        or letter.status not in IN_MAILBOX
    ):
        raise LetterNotFound()
    return letter


def view(letter: Letter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "tracking_number": letter.tracking_number,
        "sender": letter.sender_name,
        "subject": letter.subject,
        "service": letter.service,
        "registered": letter.registered,
        "pages": letter.pages,
        "received_at": letter.delivered_at.isoformat() if letter.delivered_at else None,
        "acknowledged_at": letter.acknowledged_at.isoformat() if letter.acknowledged_at else None,
        "read_at": letter.read_at.isoformat() if letter.read_at else None,
    }


def open_letter(
    session: Session, customer: Customer, letter_id: str, pin: str, *, channel: str
) -> Letter:
    """Open a letter with the PIN: for a registered one, the proof of receipt (chained
    once as ``acknowledged``). A wrong PIN is counted and refused (``invalid_pin``)."""
    letter_for_recipient(session, letter_id, customer.id)
    verify_pin(session, customer, pin)
    letter = lock_letter(session, letter_id)
    if letter.acknowledged_at is None:
        letter.acknowledged_at = clock.now()
        evidence.append(
            session,
            letter,
            "acknowledged",
            place=EMAILBOX,
            detail=f"PIN ({channel})",
            actor=f"customer:{customer.id}",
        )
    return letter


def read_content(
    session: Session, storage: Storage, customer_id: str, letter_id: str
) -> tuple[Letter, bytes]:
    """The PDF; the first read records ``read``. A registered letter not opened with
    the PIN yet is refused (``invalid_state``)."""
    found = letter_for_recipient(session, letter_id, customer_id)
    if found.registered and found.acknowledged_at is None:
        raise InvalidState(
            "A registered letter is opened with your PIN first: POST /me/mailbox/{id}/open."
        )
    letter = lock_letter(session, letter_id)
    data = storage.get(letter.sha256)
    if letter.read_at is None:
        letter.read_at = clock.now()
        letter.status = "read"
        evidence.append(session, letter, "read", place=EMAILBOX, actor=f"customer:{customer_id}")
    return letter, data
