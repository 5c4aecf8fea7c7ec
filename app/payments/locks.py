"""Row locks of payments, in one place.

Approval, decline, expiry and refunds of a payment request happen while
holding its row lock (``SELECT … FOR UPDATE``; SQLite serialises writers with
``BEGIN IMMEDIATE``): a double approval pays once, an approval racing the expiry
sweep either pays or expires, and two refunds at once cannot together give back
more than was paid. A biller is locked while its status changes and while it
is settled (one settlement per biller and day); a merchant or biller callback
while it is claimed for sending and while its outcome is recorded, so two
copies of the delivery job never send it twice.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.payments.errors import PaymentRequestNotFound
from app.payments.models import Biller, CallbackDelivery, PaymentRequest


def lock_request(session: Session, request_id: object) -> PaymentRequest:
    if not isinstance(request_id, str) or len(request_id) > 36:
        raise PaymentRequestNotFound()
    request = session.scalar(
        select(PaymentRequest)
        .where(PaymentRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise PaymentRequestNotFound()
    return request


def lock_request_of_transfer(session: Session, transfer_id: str) -> PaymentRequest | None:
    """The merchant request a transfer paid, locked; None if it paid none."""
    return session.scalar(
        select(PaymentRequest)
        .where(PaymentRequest.transfer_id == transfer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def lock_biller(session: Session, code: str) -> Biller | None:
    return session.get(Biller, code, with_for_update=True, populate_existing=True)


def lock_callback(session: Session, delivery_id: int) -> CallbackDelivery | None:
    return session.get(CallbackDelivery, delivery_id, with_for_update=True, populate_existing=True)
