"""The SMS of bill and merchant payments, one per party per event, each with a dedupe key.

Names are cut to 27 septets and merchant references to 20, the sizes the
catalogs (``payments.*.po``) are checked against, so the longest text still
fits one SMS. They are cut once written in GSM-7 (``gsm_cut``), not by
characters: ``|``, ``€`` or ``[`` take two septets on the air and ``…`` becomes
three dots, so 20 characters of a reference may be 40 septets. Everything is
recorded in the caller's transaction and leaves after the commit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import ledger
from app.customers.models import Customer
from app.ledger import chart
from app.money import format_amount
from app.notify.gsm import gsm_cut
from app.notify.service import send_sms
from app.payments.models import Biller, BillPayment, PaymentRequest
from app.transfers.models import Transfer

NAME_CUT = 27
REFERENCE_CUT = 20


def _balance(session: Session, customer: Customer) -> str:
    return format_amount(ledger.balance(session, chart.wallet(customer.id)).available)


def bill_receipt(
    session: Session, transfer: Transfer, customer: Customer, biller: Biller, bill: BillPayment
) -> None:
    send_sms(
        session,
        to=customer.msisdn,
        template="sms.receipt.bill",
        language=customer.language,
        params={
            "amount": format_amount(transfer.amount),
            "fee": format_amount(transfer.fee),
            "reference": transfer.reference,
            "biller": gsm_cut(biller.name, NAME_CUT),
            "bill_reference": bill.bill_reference,
            "balance": _balance(session, customer),
        },
        purpose="receipt",
        dedupe_key=f"receipt:{transfer.id}:completed:sender",
    )


def request_notice(
    session: Session, request: PaymentRequest, customer: Customer, merchant_name: str, minutes: int
) -> None:
    """Tell the customer a merchant is waiting for their approval."""
    send_sms(
        session,
        to=customer.msisdn,
        template="sms.merchant.request",
        language=customer.language,
        params={
            "merchant": gsm_cut(merchant_name, NAME_CUT),
            "amount": format_amount(request.amount),
            "reference": gsm_cut(request.merchant_reference, REFERENCE_CUT),
            "minutes": minutes,
        },
        purpose="notification",
        dedupe_key=f"payment_request:{request.id}:notice",
        expires_at=request.expires_at,
    )


def merchant_receipt(
    session: Session, transfer: Transfer, customer: Customer, merchant_name: str
) -> None:
    send_sms(
        session,
        to=customer.msisdn,
        template="sms.receipt.merchant",
        language=customer.language,
        params={
            "amount": format_amount(transfer.amount),
            "merchant": gsm_cut(merchant_name, NAME_CUT),
            "reference": transfer.reference,
            "balance": _balance(session, customer),
        },
        purpose="receipt",
        dedupe_key=f"receipt:{transfer.id}:completed:sender",
    )


def refund_receipt(
    session: Session,
    refund_id: str,
    amount: int,
    reference: str,
    customer: Customer,
    merchant_name: str,
) -> None:
    send_sms(
        session,
        to=customer.msisdn,
        template="sms.receipt.merchant_refund",
        language=customer.language,
        params={
            "amount": format_amount(amount),
            "merchant": gsm_cut(merchant_name, NAME_CUT),
            "reference": reference,
            "balance": _balance(session, customer),
        },
        purpose="receipt",
        dedupe_key=f"merchant_refund:{refund_id}",
    )


def refund_as_cash(
    session: Session,
    refund_id: str,
    amount: int,
    customer: Customer,
    merchant_name: str,
    code: str,
) -> None:
    """The refund went to cash pickup (the wallet is at its cap): the code to collect it."""
    send_sms(
        session,
        to=customer.msisdn,
        template="sms.receipt.merchant_refund_cash",
        language=customer.language,
        params={"amount": format_amount(amount), "merchant": gsm_cut(merchant_name, NAME_CUT)},
        secret=code,
        purpose="remittance",
        dedupe_key=f"merchant_refund:{refund_id}",
    )
