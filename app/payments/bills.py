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
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app import fees, ledger
from app.clock import clock
from app.customers import limits
from app.customers.models import Customer
from app.customers.service import ensure_can_transact, get_customer, verify_pin
from app.db import settings
from app.errors import InvalidState, ValidationFailed
from app.ledger import chart
from app.money import format_amount
from app.notify.gsm import gsm_cut
from app.payments import billers, callbacks
from app.payments.errors import BillPaymentNotFound
from app.payments.models import Biller, BillPayment
from app.transfers.errors import ClientKeyReused
from app.transfers.lifecycle import PENDING, complete_pending
from app.transfers.models import Transfer
from app.transfers.p2p import CONFIRM_PURPOSE, entry_meta, otp_binding
from app.transfers.queries import find_by_client_key
from app.transfers.references import new_reference

NAME_CUT = 27  # the longest biller name our SMS texts are sized for
list_billers = billers.list_billers


def place_bill(
    session: Session,
    customer: Customer,
    *,
    biller_code: str,
    bill_reference: str,
    amount: int,
    channel: str = "api",
    client_key: str | None = None,
) -> Transfer:
    """Check the biller, the reference, the amount and the limits; reserve amount + fee."""
    ensure_can_transact(customer)
    biller = billers.get_biller(session, biller_code)
    reference = billers.clean_reference(biller, bill_reference)
    billers.check_amount(biller, amount)
    existing = find_by_client_key(session, customer.id, client_key)
    if existing is not None:
        if existing.type != "bill" or existing.amount != amount:
            raise ClientKeyReused()
        return existing
    config = settings(session)
    quote = fees.quote(config, "bill", amount)
    limits.check_outgoing(session, customer, amount, quote.fee)
    now = clock.now()
    transfer = Transfer(
        id=str(uuid.uuid4()),
        reference=new_reference(session),
        type="bill",
        status=PENDING,
        channel=channel,
        amount=amount,
        fee=quote.fee,
        commission=0,
        currency=config.CURRENCY,
        initiator_id=customer.id,
        client_key=client_key,
        from_customer_id=customer.id,
        from_msisdn=customer.msisdn,
        created_at=now,
        expires_at=now + timedelta(seconds=config.OTP_TTL),
        meta={
            "from": {"name": customer.display_name, "msisdn": customer.msisdn},
            "to": {"name": biller.name, "msisdn": None},
            "biller": biller.code,
            "bill_reference": reference,
        },
    )
    session.add(transfer)
    session.flush()
    session.add(
        BillPayment(
            transfer_id=transfer.id,
            biller_code=biller.code,
            bill_reference=reference,
            created_at=now,
        )
    )
    legs = [
        ledger.debit(chart.wallet(customer.id), quote.total),
        ledger.credit(chart.biller(biller.code), amount),
    ]
    if quote.fee:
        legs.append(ledger.credit(chart.fees("bill"), quote.fee))
    hold = ledger.hold_entry(
        session,
        key=f"bill:{transfer.id}",
        kind="bill",
        legs=legs,
        expires_at=transfer.expires_at,  # type: ignore[arg-type]
        reference=transfer.reference,
        meta=entry_meta(transfer),
    )
    transfer.hold_entry_id = hold.id
    session.flush()
    return transfer


def create_bill_payment(
    session: Session,
    customer: Customer,
    *,
    biller_code: str,
    bill_reference: str,
    amount: int,
    channel: str = "api",
    client_key: str | None = None,
) -> Transfer:
    """Place the payment and text the OTP that confirms it (``/transfers/{id}/confirm``)."""
    from app.otp.service import issue_challenge

    transfer = place_bill(
        session,
        customer,
        biller_code=biller_code,
        bill_reference=bill_reference,
        amount=amount,
        channel=channel,
        client_key=client_key,
    )
    if transfer.challenge_id is None:
        biller = session.get(Biller, (transfer.meta or {})["biller"])
        assert biller is not None
        issued = issue_challenge(
            session,
            subject_id=customer.id,
            msisdn=customer.msisdn,
            language=customer.language,
            purpose=CONFIRM_PURPOSE,
            binding=otp_binding(transfer),
            template="sms.otp.bill",
            params={
                "amount": format_amount(transfer.amount),
                "biller": gsm_cut(biller.name, NAME_CUT),
            },
            ttl=settings(session).OTP_TTL,
        )
        transfer.challenge_id = issued.challenge.id
        session.flush()
    return transfer


def pay_bill_with_pin(
    session: Session,
    customer: Customer,
    *,
    biller_code: str,
    bill_reference: str,
    amount: int,
    pin: str,
    channel: str = "ussd",
    client_key: str | None = None,
) -> Transfer:
    """Pay at once, authorised by the PIN typed on the final screen (USSD).

    The PIN is checked first, so a wrong one is counted whatever else is wrong.
    A ``client_key`` already used by this customer returns the first payment.
    """
    existing = find_by_client_key(session, customer.id, client_key)
    if existing is not None:
        return existing
    verify_pin(session, customer, pin)
    transfer = place_bill(
        session,
        customer,
        biller_code=biller_code,
        bill_reference=bill_reference,
        amount=amount,
        channel=channel,
        client_key=client_key,
    )
    if transfer.status == PENDING:
        complete_pending(session, transfer)
    return transfer


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
    customer = get_customer(session, transfer.from_customer_id or "")
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
