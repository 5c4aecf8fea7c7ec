"""Errors of bill and merchant payments; each keeps a stable code of API.md through its parent."""

from __future__ import annotations

from app.errors import Conflict, InvalidState, NotFound


class BillerNotFound(NotFound):
    """No active biller has this code."""

    title = "Biller not found"


class BillPaymentNotFound(NotFound):
    """No bill payment with this id is visible to the caller."""

    title = "Bill payment not found"


class PaymentRequestNotFound(NotFound):
    """No payment request with this id is visible to the caller (merchant or customer)."""

    title = "Payment request not found"


class RequestNotPending(InvalidState):
    """The payment request was already paid, declined or has expired."""

    title = "Payment request is not pending"


class MerchantReferenceReused(Conflict):
    """The merchant already used this reference for a different payment request."""

    title = "Merchant reference already used"


class RefundExceedsPayment(InvalidState):
    """Refunds of a payment may never add up to more than was paid; ``refundable`` says
    how much is left."""

    title = "Refund exceeds what remains of the payment"


class NotReversible(InvalidState):
    """A merchant payment already partly refunded by the merchant is not reversed."""

    title = "Payment cannot be reversed"


class NotRefundable(InvalidState):
    """Only a paid request can be refunded."""

    title = "Payment cannot be refunded"
