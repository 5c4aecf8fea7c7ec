"""Sending a letter: check it, price it, pay for it, store it.

Everything that can refuse a letter runs first (the file, the recipient, the
post office, the funds), so bad input leaves nothing stored and nothing
charged. The file is written to storage last, just before the unit of work
commits: a crash before the commit leaves at most an unreferenced file
(content-addressed, harmless) and no letter and no money; after it, the letter
and its file both exist. A customer's letter waits in ``pending_payment`` for
the SMS code of its payment; a sender's is paid from its prefunded account at
once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.auth.api_keys import get_api_client
from app.clock import clock
from app.customers.models import Customer
from app.customers.msisdn import normalize_msisdn
from app.customers.service import ensure_can_transact
from app.db import settings
from app.errors import InsufficientFunds, ValidationFailed
from app.ledger import chart
from app.mail import delivery, evidence, numbers, s10, tariff
from app.mail.errors import LetterNotFound, TrackingNotFound
from app.mail.models import DELIVERIES, SERVICES, Letter, LetterEvent
from app.mail.payment import open_payment
from app.mail.pdf import CheckedPdf
from app.mail.storage import Storage
from app.transfers.models import Transfer

NAME_MAX = 120
UNPAID_CLOSED = ("cancelled", "expired", "failed")


@dataclass(frozen=True, slots=True)
class LetterRequest:
    """The ``meta`` of a letter, checked."""

    recipient_name: str
    msisdn: str | None
    address: dict[str, Any] | None
    service: str
    delivery: str
    subject: str | None


def _text(
    value: object, field: str, *, required: bool, limit: int, errors: dict[str, list[str]]
) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[field] = ["Required."]
        return None
    if not isinstance(value, str):
        errors[field] = ["Must be text."]
        return None
    cleaned = " ".join(value.split())
    if len(cleaned) > limit or not cleaned.isprintable():
        errors[field] = [f"At most {limit} printable characters."]
        return None
    return cleaned


def clean_meta(meta: object, regions: list[str]) -> LetterRequest:
    """The letter's ``meta`` JSON as a ``LetterRequest``, or every field that is wrong."""
    if not isinstance(meta, dict):
        raise ValidationFailed({"meta": ["A JSON object: {recipient, service, delivery}."]})
    errors: dict[str, list[str]] = {}
    recipient = meta.get("recipient")
    if not isinstance(recipient, dict):
        errors["recipient"] = ["An object: {name, msisdn?, address?}."]
        recipient = {}
    name = _text(
        recipient.get("name"), "recipient.name", required=True, limit=NAME_MAX, errors=errors
    )
    msisdn = None
    raw_msisdn = recipient.get("msisdn")
    if raw_msisdn not in (None, ""):
        try:
            msisdn = normalize_msisdn(raw_msisdn, regions, field="recipient.msisdn")
        except ValidationFailed as exc:
            errors.update(exc.extra.get("errors", {}))
    address = None
    raw_address = recipient.get("address")
    if raw_address is not None:
        if not isinstance(raw_address, dict):
            errors["recipient.address"] = ["An object: {line1, po_box?, city, post_office_code?}."]
        else:
            line1 = _text(
                raw_address.get("line1"),
                "recipient.address.line1",
                required=True,
                limit=120,
                errors=errors,
            )
            po_box = _text(
                raw_address.get("po_box"),
                "recipient.address.po_box",
                required=False,
                limit=40,
                errors=errors,
            )
            city = _text(
                raw_address.get("city"),
                "recipient.address.city",
                required=True,
                limit=60,
                errors=errors,
            )
            office = _text(
                raw_address.get("post_office_code"),
                "recipient.address.post_office_code",
                required=False,
                limit=20,
                errors=errors,
            )
            address = {"line1": line1, "po_box": po_box, "city": city, "post_office_code": office}
    service = meta.get("service", "ordinary")
    if service not in SERVICES:
        errors["service"] = [f"One of: {', '.join(SERVICES)}."]
    wanted = meta.get("delivery", "auto")
    if wanted not in DELIVERIES:
        errors["delivery"] = [f"One of: {', '.join(DELIVERIES)}."]
    subject = _text(meta.get("subject"), "subject", required=False, limit=120, errors=errors)
    if not errors and msisdn is None and address is None:
        errors["recipient"] = ["Give the recipient's number (msisdn) or address."]
    if errors:
        raise ValidationFailed(errors)
    assert name is not None  # required: an error otherwise
    return LetterRequest(name, msisdn, address, str(service), str(wanted), subject)


def _new_letter(
    session: Session,
    request: LetterRequest,
    pdf: CheckedPdf,
    *,
    sender_kind: str,
    sender_id: str,
    sender_name: str,
    plan: delivery.Plan,
    price: int,
) -> Letter:
    config = settings(session)
    (tracking,) = numbers.allocate(session, config, request.service)
    office = plan.post_office
    letter = Letter(
        id=str(uuid.uuid4()),
        tracking_number=tracking,
        status="pending_payment",
        service=request.service,
        delivery=request.delivery,
        channel=plan.channel,
        sender_kind=sender_kind,
        sender_id=sender_id,
        sender_name=sender_name[:NAME_MAX],
        subject=request.subject,
        recipient_name=request.recipient_name,
        recipient_msisdn=request.msisdn,
        recipient_customer_id=plan.recipient.id if plan.recipient is not None else None,
        address=request.address,
        post_office_code=office.code if office else None,
        print_centre=office.centre if office else None,
        sha256=pdf.sha256,
        size=pdf.size,
        pages=pdf.pages,
        price=price,
        currency=config.CURRENCY,
        last_hash=pdf.sha256,
        created_at=clock.now(),
    )
    session.add(letter)
    session.flush()
    return letter


def _store(storage: Storage, pdf: CheckedPdf) -> None:
    """Write the file last: nothing is stored for a letter refused on the way."""
    if storage.put(pdf.data) != pdf.sha256:
        raise RuntimeError("stored file does not match its fingerprint")


def send_as_customer(
    session: Session, storage: Storage, customer: Customer, request: LetterRequest, pdf: CheckedPdf
) -> Letter:
    """A customer's letter, ``pending_payment``: its price held in the wallet and the
    code texted; confirmed at ``/transfers/{payment.transfer_id}/confirm``."""
    config = settings(session)
    ensure_can_transact(customer)
    plan = delivery.plan(
        session, config, delivery=request.delivery, msisdn=request.msisdn, address=request.address
    )
    price = tariff.price(config, request.service, pdf.pages)
    letter = _new_letter(
        session,
        request,
        pdf,
        sender_kind="customer",
        sender_id=customer.id,
        sender_name=customer.display_name,
        plan=plan,
        price=price,
    )
    transfer = open_payment(
        session,
        customer,
        amount=price,
        letter_id=letter.id,
        tracking_number=letter.tracking_number,
    )
    letter.transfer_id = transfer.id
    session.flush()
    _store(storage, pdf)
    return letter


def send_as_sender(
    session: Session, storage: Storage, sender_id: str, request: LetterRequest, pdf: CheckedPdf
) -> Letter:
    """An organisation's letter, paid at once from its prefunded account and accepted."""
    config = settings(session)
    client = get_api_client(session, sender_id, role="sender")
    plan = delivery.plan(
        session, config, delivery=request.delivery, msisdn=request.msisdn, address=request.address
    )
    price = tariff.price(config, request.service, pdf.pages)
    account = chart.sender(client.id)
    if ledger.balance(session, account).available < price:
        raise InsufficientFunds("The prefunded account does not cover this letter.")
    letter = _new_letter(
        session,
        request,
        pdf,
        sender_kind="sender",
        sender_id=client.id,
        sender_name=client.name,
        plan=plan,
        price=price,
    )
    pay_from_prefunding(session, letter)
    delivery.accept(session, letter, actor=f"sender:{client.id}")
    _store(storage, pdf)
    return letter


def pay_from_prefunding(session: Session, letter: Letter) -> None:
    """``sender:<id>`` → ``fees:mail``, keyed by the letter: never paid twice."""
    if letter.price:
        entry = ledger.post_entry(
            session,
            key=f"mail:{letter.id}",
            kind="mail",
            legs=[
                ledger.debit(chart.sender(letter.sender_id), letter.price),
                ledger.credit(chart.fees("mail"), letter.price),
            ],
            reference=letter.tracking_number,
            meta={"letter_id": letter.id, "tracking_number": letter.tracking_number},
        )
        letter.entry_id = entry.id
    session.flush()


# -- reading -----------------------------------------------------------------------------


def settle_unpaid(session: Session, letter: Letter) -> Letter:
    """A letter whose payment was cancelled, expired or failed is ``cancelled``."""
    if letter.status != "pending_payment" or letter.transfer_id is None:
        return letter
    transfer = session.get(Transfer, letter.transfer_id)
    if transfer is not None and transfer.status in UNPAID_CLOSED:
        letter.status = "cancelled"
        session.flush()
    return letter


def letter_for_sender(
    session: Session, letter_id: str, *, sender_kind: str | None, sender_id: str | None
) -> Letter:
    """The letter for its sender (``None``: staff); anyone else gets ``not_found``."""
    letter = session.get(Letter, letter_id)
    if letter is None:
        raise LetterNotFound()
    if sender_kind is not None and (letter.sender_kind, letter.sender_id) != (
        sender_kind,
        sender_id,
    ):
        raise LetterNotFound()
    return settle_unpaid(session, letter)


def letter_for_party(
    session: Session,
    letter_id: str,
    *,
    sender_kind: str | None,
    sender_id: str | None,
    customer_id: str | None,
) -> Letter:
    """The letter for its sender or its (electronic) recipient; staff: all ``None``."""
    letter = session.get(Letter, letter_id)
    if letter is None:
        raise LetterNotFound()
    staff = sender_kind is None and customer_id is None
    is_sender = (letter.sender_kind, letter.sender_id) == (sender_kind, sender_id)
    is_recipient = customer_id is not None and letter.recipient_customer_id == customer_id
    if not (staff or is_sender or is_recipient):
        raise LetterNotFound()
    return settle_unpaid(session, letter)


def view(letter: Letter) -> dict[str, Any]:
    """The letter as its sender sees it."""
    return {
        "id": letter.id,
        "tracking_number": letter.tracking_number,
        "status": letter.status,
        "service": letter.service,
        "delivery": letter.delivery,
        "channel": letter.channel,
        "pages": letter.pages,
        "size": letter.size,
        "price": letter.price,
        "currency": letter.currency,
        "sha256": letter.sha256,
        "subject": letter.subject,
        "recipient": {
            "name": letter.recipient_name,
            "msisdn": letter.recipient_msisdn,
            "address": letter.address,
        },
        "post_office_code": letter.post_office_code,
        "payment": {"transfer_id": letter.transfer_id} if letter.transfer_id else None,
        "created_at": letter.created_at.isoformat(),
        "paid_at": letter.paid_at.isoformat() if letter.paid_at else None,
        "delivered_at": letter.delivered_at.isoformat() if letter.delivered_at else None,
        "acknowledged_at": letter.acknowledged_at.isoformat() if letter.acknowledged_at else None,
        "read_at": letter.read_at.isoformat() if letter.read_at else None,
    }


def events_view(session: Session, letter: Letter) -> list[dict[str, Any]]:
    return [
        {"at": e.at.isoformat(), "status": e.status, "place": e.place, "detail": e.detail}
        for e in evidence.events(session, letter.id)
    ]


def track(session: Session, tracking_number: str) -> dict[str, Any]:
    """Public tracking: statuses and places only, never names or content."""
    if not isinstance(tracking_number, str) or len(tracking_number) > 40:
        raise ValidationFailed({"tracking_number": ["Not a tracking number."]})
    try:
        service, serial, country = s10.parse(tracking_number)
    except s10.S10Error as exc:
        raise ValidationFailed({"tracking_number": [str(exc)]}, detail=str(exc)) from None
    number = f"{service}{serial}{s10.check_digit(serial)}{country}"
    letter = session.scalar(select(Letter).where(Letter.tracking_number == number))
    if letter is None:
        raise TrackingNotFound()
    letter = settle_unpaid(session, letter)
    rows = session.scalars(
        select(LetterEvent).where(LetterEvent.letter_id == letter.id).order_by(LetterEvent.seq)
    )
    return {
        "tracking_number": letter.tracking_number,
        "status": letter.status,
        "events": [{"at": e.at.isoformat(), "status": e.status, "place": e.place} for e in rows],
    }
