"""What an operator's reversal of a bill or merchant payment does beyond the ledger.

A merchant payment goes back to its customer either by the merchant's refunds
or by an operator's reversal, never both: the reversal is refused once the
merchant has refunded any part (the rest is settled by hand), and a reversed
payment counts as refunded in full, so the merchant cannot refund it again.
Both paths hold the payment request's row lock, so a refund racing a reversal
sees what the other did. The merchant is told by a ``payment_request.reversed``
callback.

A reversed bill payment is reported to the biller (``bill.reversed``), and its
status in the biller's polling becomes ``reversed``; settlement reports count
completed payments only.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.payments.bills import notify_biller
from app.payments.errors import NotReversible
from app.payments.locks import lock_request_of_transfer
from app.payments.models import Biller, BillPayment
from app.payments.requests import callback_merchant
from app.transfers.models import Transfer


def on_merchant_reversing(session: Session, transfer: Transfer) -> None:
    request = lock_request_of_transfer(session, transfer.id)
    if request is None:
        return
    if request.refunded:
        raise NotReversible(
            f"The merchant already refunded {request.refunded} of this payment; "
            "settle the rest with the merchant instead of reversing it."
        )
    request.refunded = request.amount
    session.flush()
    callback_merchant(session, request, "reversed")


def on_bill_reversing(session: Session, transfer: Transfer) -> None:
    bill = session.get(BillPayment, transfer.id)
    biller = session.get(Biller, bill.biller_code) if bill is not None else None
    if bill is not None and biller is not None:
        notify_biller(session, transfer, bill, biller, reversed_=True)
