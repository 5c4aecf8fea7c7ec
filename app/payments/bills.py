"""Bill and e-administration payments: a customer pays a biller from the wallet.

One ``Transfer`` of type ``bill`` per payment, with a ``BillPayment`` row saying
which biller and which bill. The money moves as DESIGN.md says: a pending entry
``wallet:payer`` → ``biller:<code>`` (amount) and ``fees:bill`` (fee), posted
on confirmation. Through the app (REST) the payment waits for the SMS code,
confirmed at ``POST /transfers/{id}/confirm`` like a P2P transfer; through USSD
the PIN typed on the final screen authorises it and it completes at once.

Completion (``on_bill_completed``, hooked to the transfer lifecycle) stamps the
bill as paid, sends the receipt SMS and owes the biller its signed
notification; all of it leaves only after the commit.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app import ledger
from app.customers.models import Customer
from app.customers.service import get_customer
from app.errors import InvalidState, ValidationFailed
from app.fees import Quote
from app.ledger import chart
from app.money import format_amount
from app.notify.gsm import gsm_cut
from app.payments import billers, callbacks
from app.payments.errors import BillPaymentNotFound
from app.payments.models import Biller, BillPayment
from app.transfers import pending
from app.transfers.models import Transfer
from app.transfers.p2p import TRANSFERS, entry_meta

NAME_CUT = 27  # the longest biller name our SMS texts are sized for
list_billers = billers.list_billers


@dataclass(kw_only=True)
class BillOrder(pending.Order[Transfer]):
    """Pay ``amount`` of the bill ``bill_reference`` to the biller ``biller_code``:
    the biller's checks of the reference and amount come first."""

    biller_code: str
    bill_reference: str
    biller: Biller = field(init=False)
    reference: str = field(init=False)  # the bill reference in the biller's own shape

    flow = TRANSFERS
    fee_type = "bill"
    hold = ("bill", "bill:{id}")

    def check(self, session: Session, payer: Customer) -> dict[str, Any]:
        self.biller = billers.get_biller(session, self.biller_code)
        self.reference = billers.clean_reference(self.biller, self.bill_reference)
        billers.check_amount(self.biller, self.amount)
        return {"type": "bill", "amount": self.amount}

    def legs(self, payer: Customer, quote: Quote) -> list[ledger.Leg]:
        return pending.wallet_legs(payer, quote, chart.biller(self.biller.code), chart.fees("bill"))

    def fields(self, payer: Customer) -> dict[str, Any]:
        return {
            "type": "bill",
            "meta": {
                "from": {"name": payer.display_name, "msisdn": payer.msisdn},
                "to": {"name": self.biller.name, "msisdn": None},
                "biller": self.biller.code,
                "bill_reference": self.reference,
            },
        }

    def entry_meta(self, row: Transfer) -> dict[str, Any]:
        return entry_meta(row)

    def opened(self, session: Session, row: Transfer) -> None:
        bill = BillPayment(
            transfer_id=row.id,
            biller_code=self.biller.code,
            bill_reference=self.reference,
            created_at=row.created_at,
        )
        session.add(bill)
        session.flush()

    def code_text(self, session: Session, row: Transfer) -> tuple[str, dict[str, Any]]:
        biller = session.get(Biller, (row.meta or {})["biller"])
        assert biller is not None
        return "sms.otp.bill", {
            "amount": format_amount(row.amount),
            "biller": gsm_cut(biller.name, NAME_CUT),
        }


create_bill_payment = pending.opening(BillOrder)
"""Place the payment and text the OTP that confirms it (``/transfers/{id}/confirm``)."""

pay_bill_with_pin = pending.paying_with_pin(BillOrder)
"""Pay at once, authorised by the PIN typed on the final screen (USSD). The PIN is
checked first, so a wrong one is counted whatever else is wrong; a ``client_key``
already used by this customer returns the first payment."""


def on_bill_completed(session: Session, transfer: Transfer) -> None:
    """Stamp the bill paid, text the receipt, owe the biller its notification."""
    from app.payments import notifications

    bill = session.get(BillPayment, transfer.id)
    if bill is None:
        return
    bill.paid_at = transfer.completed_at
    biller = session.get(Biller, bill.biller_code)
    assert biller is not None
    session.flush()
    if transfer.from_customer_id is not None:  # a walk-in at a counter gets a paper receipt
        customer = get_customer(session, transfer.from_customer_id)
        notifications.bill_receipt(session, transfer, customer, biller, bill)
    notify_biller(session, transfer, bill, biller)


def notify_biller(
    session: Session, transfer: Transfer, bill: BillPayment, biller: Biller, reversed_: bool = False
) -> None:
    """Owe the biller its signed callback: ``bill.paid``, or ``bill.reversed`` when an
    operator reverses the payment (called before the transfer's status changes)."""
    if not biller.webhook_url:
        return
    event = "bill.reversed" if reversed_ else "bill.paid"
    callbacks.queue(
        session,
        target_type="biller",
        target_id=biller.code,
        subject_id=transfer.id,
        event=event,
        url=biller.webhook_url,
        payload=biller_payload(transfer, bill, reversed_),
    )


def biller_payload(
    transfer: Transfer, bill: BillPayment, reversed_: bool = False
) -> dict[str, Any]:
    """What the biller is told (and polls): our reference identifies the payment."""
    payment = payment_view(transfer, bill)
    if not reversed_:
        return {"id": transfer.reference, "event": "bill.paid", "payment": payment}
    payment["status"] = "reversed"
    return {"id": f"{transfer.reference}:reversed", "event": "bill.reversed", "payment": payment}


def payment_view(transfer: Transfer, bill: BillPayment) -> dict[str, Any]:
    return {
        "reference": transfer.reference,
        "biller": bill.biller_code,
        "bill_reference": bill.bill_reference,
        "amount": transfer.amount,
        "currency": transfer.currency,
        "status": transfer.status,
        "paid_at": bill.paid_at.isoformat() if bill.paid_at else None,
        "payer_name": ((transfer.meta or {}).get("from") or {}).get("name"),
    }


@dataclass(frozen=True, slots=True)
class Receipt:
    transfer: Transfer
    bill: BillPayment
    biller: Biller


def receipt(session: Session, transfer_id: str, *, customer_id: str | None) -> Receipt:
    """The receipt of a completed bill payment, for its payer (or an admin: ``None``)."""
    transfer = session.get(Transfer, transfer_id) if isinstance(transfer_id, str) else None
    if transfer is None or transfer.type != "bill":
        raise BillPaymentNotFound()
    if customer_id is not None and transfer.initiator_id != customer_id:
        raise BillPaymentNotFound()
    if transfer.status not in ("completed", "reversed"):
        raise InvalidState(f"No receipt: the payment is {transfer.status}.")
    bill = session.get(BillPayment, transfer.id)
    assert bill is not None
    biller = session.get(Biller, bill.biller_code)
    assert biller is not None
    return Receipt(transfer, bill, biller)


def receipt_view(result: Receipt) -> dict[str, Any]:
    transfer, bill, biller = result.transfer, result.bill, result.biller
    return {
        "transfer_id": transfer.id,
        "reference": transfer.reference,
        "status": transfer.status,
        "biller": {"code": biller.code, "name": biller.name, "category": biller.category},
        "bill_reference": bill.bill_reference,
        "amount": transfer.amount,
        "fee": transfer.fee,
        "total": transfer.total,
        "currency": transfer.currency,
        "payer": (transfer.meta or {}).get("from"),
        "paid_at": bill.paid_at.isoformat() if bill.paid_at else None,
    }


# -- what a biller polls -------------------------------------------------------


_ID_LENGTH = 36  # a transfer id is a UUID


def _encode(paid_at: datetime, transfer_id: str) -> str:
    return base64.urlsafe_b64encode(f"{paid_at.isoformat()}|{transfer_id}".encode()).decode()


def _decode(cursor: str) -> tuple[datetime, str]:
    """``_encode``'s position back; anything we could not have written is refused:
    a time without its zone or outside UTC's calendar, an id longer than ours or
    with a control character (a NUL would reach PostgreSQL)."""
    try:
        stamp, _, transfer_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        paid_at = datetime.fromisoformat(stamp)
        if paid_at.tzinfo is None:
            raise ValueError("no time zone")
        paid_at = paid_at.astimezone(UTC)
        if not (0 < len(transfer_id) <= _ID_LENGTH and transfer_id.isprintable()):
            raise ValueError("not a transfer id")
    except (binascii.Error, UnicodeError, ValueError, OverflowError):
        raise ValidationFailed({"cursor": ["Not a cursor of this list."]}) from None
    return paid_at, transfer_id


def payments_for_biller(
    session: Session,
    biller: Biller,
    *,
    since: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The biller's paid bills, oldest first, from ``since`` (paid at or after it)."""
    query = (
        select(Transfer, BillPayment)
        .join(BillPayment, BillPayment.transfer_id == Transfer.id)
        .where(BillPayment.biller_code == biller.code, BillPayment.paid_at.is_not(None))
    )
    if since is not None:
        query = query.where(BillPayment.paid_at >= since)
    if cursor:
        paid_at, last_id = _decode(cursor)
        query = query.where(
            or_(
                BillPayment.paid_at > paid_at,
                and_(BillPayment.paid_at == paid_at, BillPayment.transfer_id > last_id),
            )
        )
    rows = session.execute(
        query.order_by(BillPayment.paid_at, BillPayment.transfer_id).limit(limit + 1)
    ).all()
    items = [payment_view(transfer, bill) for transfer, bill in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        _, last = rows[limit - 1]
        assert last.paid_at is not None
        next_cursor = _encode(last.paid_at, last.transfer_id)
    return items, next_cursor
