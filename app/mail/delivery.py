"""Where a letter goes and what happens once it is paid.

``plan`` decides at sending: ``electronic`` needs a number held by an active
customer who accepts electronic mail (every customer does unless they asked
for paper, ``MailboxOptOut``); ``paper`` needs an address whose post office a
print centre serves; ``auto`` takes the e-mailbox when it can, else paper.
``accept`` runs when the letter is paid (at once for a sender, on the OTP for a
customer): ``accepted``, then ``delivered_electronic`` with an SMS notice to
the recipient, or ``queued_for_print`` at the centre serving its post office.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.clock import clock
from app.config import Config
from app.customers.models import Customer
from app.customers.service import find_by_msisdn
from app.db import settings
from app.errors import RecipientNotFound, ValidationFailed
from app.mail import evidence, places
from app.mail.models import Letter, MailboxOptOut
from app.notify.gsm import gsm_cut
from app.notify.service import send_sms

EMAILBOX = "e-mailbox"
SENDER_CUT = 30  # the longest sender name the SMS texts are sized for


@dataclass(frozen=True, slots=True)
class Plan:
    channel: str
    recipient: Customer | None
    post_office: places.PostOffice | None


def accepts_electronic(session: Session, customer: Customer | None) -> bool:
    """An active customer who did not ask for paper."""
    if customer is None or customer.status == "frozen":
        return False
    return session.get(MailboxOptOut, customer.id) is None


def set_accepts_electronic(session: Session, customer: Customer, accepts: bool) -> None:
    """The customer's choice: letters sent ``auto`` to them go to the e-mailbox or on paper."""
    current = session.get(MailboxOptOut, customer.id)
    if accepts and current is not None:
        session.delete(current)
    elif not accepts and current is None:
        session.add(MailboxOptOut(customer_id=customer.id, created_at=clock.now()))
    session.flush()


def plan(
    session: Session,
    config: Config,
    *,
    delivery: str,
    msisdn: str | None,
    address: dict[str, Any] | None,
) -> Plan:
    """The channel of a letter, or the error saying what the recipient lacks."""
    customer = find_by_msisdn(session, msisdn) if msisdn else None
    electronic = accepts_electronic(session, customer)
    if delivery == "electronic" or (delivery == "auto" and electronic):
        if not electronic:
            raise RecipientNotFound(
                "No e-mailbox at this number: send the letter on paper with an address."
            )
        return Plan("electronic", customer, None)
    if address is None:
        field = "recipient.address"
        message = (
            "An address is needed for a paper letter."
            if delivery == "paper"
            else "Give the recipient's address: the number has no e-mailbox."
        )
        if not msisdn and delivery == "auto":
            message = "Give the recipient's number or address."
        raise ValidationFailed({field: [message]}, detail=message)
    office = places.destination(
        config, post_office_code=address.get("post_office_code"), city=address["city"]
    )
    return Plan("paper", customer if electronic else None, office)


def accept(session: Session, letter: Letter, *, actor: str | None = None) -> None:
    """The letter is paid: chain ``accepted`` and send it on its way (row locked or new)."""
    now = clock.now()
    letter.status = "accepted"
    letter.paid_at = now
    evidence.append(session, letter, "accepted", place="PostCash", actor=actor)
    if letter.channel == "electronic":
        letter.status = "delivered_electronic"
        letter.delivered_at = now
        evidence.append(session, letter, "delivered_electronic", place=EMAILBOX)
        notify_arrival(session, letter)
    else:
        letter.status = "queued_for_print"
        config = settings(session)
        evidence.append(
            session,
            letter,
            "queued_for_print",
            place=places.centre_name(config, letter.print_centre or ""),
        )
    session.flush()


def notify_arrival(session: Session, letter: Letter) -> None:
    """SMS the recipient that a letter waits in the e-mailbox (sent after commit)."""
    if letter.recipient_customer_id is None:
        return
    customer = session.get(Customer, letter.recipient_customer_id)
    if customer is None:
        return
    template = "sms.mail.arrived_registered" if letter.registered else "sms.mail.arrived"
    send_sms(
        session,
        to=customer.msisdn,
        template=template,
        language=customer.language,
        params={"sender": gsm_cut(letter.sender_name, SENDER_CUT)},
        dedupe_key=f"mail:arrived:{letter.id}",
    )
