"""Row locks of payment requests, in one place.

Approval, decline, expiry and refunds of a payment request happen while
holding its row lock (``SELECT … FOR UPDATE``; SQLite serialises writers with
``BEGIN IMMEDIATE``): a double approval pays once, an approval racing the expiry
sweep either pays or expires, and two refunds at once cannot together give back
more than was paid.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.payments.errors import PaymentRequestNotFound
from app.payments.models import PaymentRequest


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
