"""Refunds by a merchant: part or all of a paid request goes back to the customer.

Each refund is a new entry, linked to the payment's (``meta.refund_of``) and
never a reversal of it, since several partial refunds may follow one payment:
``merchant:<id>`` and ``fees:merchant`` → ``wallet:payer``. The merchant's fee
comes back in proportion (the fee on the refunded share), so refunding
everything leaves merchant and operator as if the sale never happened and the
merchant never pays more than it received. Refunds add up to at most the
amount paid: the request's row lock serialises two refunds, and the
``refunded <= amount`` check constraint backs the rule up in the database. A
merchant that already withdrew its balance is refused with ``insufficient_funds``.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.orm import Session

from app import ledger
from app.clock import clock
from app.customers import limits
from app.customers.service import get_customer
from app.errors import ValidationFailed
from app.ledger import chart
from app.payments import callbacks, notifications
from app.payments.errors import NotRefundable, PaymentRequestNotFound, RefundExceedsPayment
from app.payments.locks import lock_request
from app.payments.merchants import get_merchant
from app.payments.models import MerchantRefund, PaymentRequest
from app.payments.requests import callback_url_of
from app.remittances.lifecycle import issue_return
from app.transfers.models import Transfer

log = logging.getLogger(__name__)


def fee_share(request: PaymentRequest, refunded_before: int, amount: int) -> int:
    """The fee given back with ``amount``: cumulative and rounded down, so successive
    partial refunds return exactly the whole fee once everything is refunded."""
    after = request.fee * (refunded_before + amount) // request.amount
    before = request.fee * refunded_before // request.amount
    return after - before


def refund_payment(
    session: Session,
    merchant_id: str,
    request_id: str,
    *,
    amount: int,
    reason: str | None = None,
) -> MerchantRefund:
    """Give ``amount`` of a paid request back to its customer."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed({"amount": ["Must be a positive integer amount."]})
    note = " ".join(reason.split())[:140] if isinstance(reason, str) and reason.strip() else None
    client, merchant = get_merchant(session, merchant_id)
    found = session.get(PaymentRequest, request_id) if isinstance(request_id, str) else None
    customer = get_customer(session, found.customer_id) if found and found.customer_id else None
    if customer is not None:
        # Customer row before the request's (the domain's lock order): the cap
        # read by ``fits_balance`` below holds until the commit.
        limits.lock_customers(session, customer)
    request = lock_request(session, request_id)
    if request.merchant_id != client.id:
        raise PaymentRequestNotFound()
    if request.status != "paid" or request.transfer_id is None:
        raise NotRefundable(f"Only a paid request can be refunded; this one is {request.status}.")
    refundable = request.amount - request.refunded
    if amount > refundable:
        raise RefundExceedsPayment(
            f"At most {refundable} can still be refunded.", refundable=refundable
        )
    payment = session.get(Transfer, request.transfer_id, populate_existing=True)
    assert payment is not None
    if payment.status != "completed":
        raise NotRefundable(f"This payment was {payment.status} by PostCash; nothing to refund.")
    fee_back = fee_share(request, request.refunded, amount)
    refund = MerchantRefund(
        id=str(uuid.uuid4()),
        payment_request_id=request.id,
        amount=amount,
        fee_returned=fee_back,
        reason=note,
        created_at=clock.now(),
    )
    assert customer is not None and customer.id == request.customer_id
    to_wallet = limits.fits_balance(session, customer, amount)
    target = chart.wallet(customer.id) if to_wallet else chart.REMIT_PAYABLE
    legs = [ledger.credit(target, amount)]
    if amount > fee_back:
        legs.append(ledger.debit(chart.merchant(client.id), amount - fee_back))
    if fee_back:
        legs.append(ledger.debit(chart.fees("merchant"), fee_back))
    entry = ledger.post_entry(
        session,
        key=f"merchant_refund:{refund.id}",
        kind="merchant_refund",
        legs=legs,
        reference=payment.reference,
        meta={
            "type": "merchant_refund",
            "fee": 0,
            "refund_of": payment.entry_id,
            "payment_request_id": request.id,
            "refund_id": refund.id,
            "from": {"name": client.name, "msisdn": None},
        },
    )
    refund.entry_id = entry.id
    code = None
    if not to_wallet:
        returned, code = issue_return(
            session,
            amount=amount,
            sender_name=client.name,
            recipient_name=customer.full_name,
            recipient_msisdn=customer.msisdn,
            initiator_id=client.id,
            meta={"merchant_refund_id": refund.id, "reason": "balance_cap"},
        )
        refund.remittance_id = returned.id
    session.add(refund)
    request.refunded += amount
    session.flush()
    if code is None:
        notifications.refund_receipt(
            session, refund.id, amount, payment.reference, customer, client.name
        )
    else:
        notifications.refund_as_cash(session, refund.id, amount, customer, client.name, code)
    url = callback_url_of(request, merchant)
    if url:
        callbacks.queue(
            session,
            target_type="merchant",
            target_id=client.id,
            subject_id=refund.id,
            event="refund.completed",
            url=url,
            payload={
                "id": f"{refund.id}:completed",
                "event": "refund.completed",
                "refund": refund_view(refund, request),
            },
        )
    log.info("payment request %s refunded %d (fee back %d)", request.id, amount, fee_back)
    return refund


def refund_view(refund: MerchantRefund, request: PaymentRequest) -> dict[str, object]:
    return {
        "id": refund.id,
        "payment_request_id": request.id,
        "reference": request.merchant_reference,
        "amount": refund.amount,
        "fee_returned": refund.fee_returned,
        "refunded_total": request.refunded,
        "refundable": request.amount - request.refunded,
        "currency": request.currency,
        "reason": refund.reason,
        # Added: where the money went. ``cash_pickup`` when the customer's wallet
        # was at its balance cap; the code went to the customer by SMS.
        "paid_to": "cash_pickup" if refund.remittance_id else "wallet",
        "created_at": refund.created_at.isoformat(),
    }
