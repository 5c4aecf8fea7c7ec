"""Remittances sent from a wallet: to anyone with a phone, collected at any post office.

Through the app (REST) the remittance is placed with amount + fee reserved
(``wallet:sender`` → ``remit:payable`` and ``fees:remit``, one pending entry)
and an OTP sent by SMS; confirming posts that entry and issues the recipient's
code. Through USSD the customer already typed the PIN on the final screen, so
``send_with_pin`` places and confirms in one unit of work. The sender can
cancel until the remittance is paid out: the amount comes back (the fee too
only with ``REMITTANCE_REFUND_FEE``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import fees, ledger
from app.clock import clock
from app.customers import limits
from app.customers.models import Customer
from app.customers.service import ensure_can_transact, get_customer, verify_pin
from app.db import settings
from app.errors import OtpAttemptsExceeded, OtpExpired, ValidationFailed
from app.ledger import chart
from app.money import format_amount
from app.otp.service import issue_challenge, verify_challenge
from app.remittances import lifecycle
from app.remittances.errors import (
    ClientKeyReused,
    RemittanceNotCancellable,
    RemittanceNotFound,
    RemittanceNotPending,
)
from app.remittances.locks import lock_for_refund, lock_remittance
from app.remittances.models import AWAITING, PAID_OUT, PENDING, Remittance
from app.remittances.notifications import short
from app.remittances.parties import clean_msisdn, clean_name
from app.remittances.references import new_reference

OTP_PURPOSE = "remittance"


def otp_binding(remittance: Remittance) -> dict[str, Any]:
    """What the OTP confirms: this remittance, amount, fee and recipient."""
    return {
        "remittance_id": remittance.id,
        "amount": remittance.amount,
        "fee": remittance.fee,
        "to": remittance.recipient_msisdn,
    }


def _existing_for_key(
    session: Session, initiator_id: str, client_key: str | None, **expected: Any
) -> Remittance | None:
    if not client_key:
        return None
    existing = session.scalar(
        select(Remittance).where(
            Remittance.initiator_id == initiator_id, Remittance.client_key == client_key
        )
    )
    if existing is not None:
        for field, value in expected.items():
            if getattr(existing, field) != value:
                raise ClientKeyReused()
    return existing


def place_remittance(
    session: Session,
    sender: Customer,
    *,
    recipient_name: str,
    recipient_msisdn: str,
    amount: int,
    channel: str = "api",
    client_key: str | None = None,
) -> Remittance:
    """Check the parties and the sender's limits, reserve amount + fee; ``pending_confirmation``."""
    ensure_can_transact(sender)
    name = clean_name(recipient_name, "recipient.name")
    msisdn = clean_msisdn(session, recipient_msisdn, "recipient.msisdn")
    existing = _existing_for_key(
        session, sender.id, client_key, amount=amount, recipient_msisdn=msisdn
    )
    if existing is not None:
        return existing
    config = settings(session)
    quote = fees.quote(config, "remittance", amount)
    limits.check_outgoing(session, sender, amount, quote.fee)
    now = clock.now()
    remittance = Remittance(
        id=str(uuid.uuid4()),
        reference=new_reference(session),
        source="wallet",
        status=PENDING,
        channel=channel,
        amount=amount,
        fee=quote.fee,
        fx_fee=0,
        send_commission=0,
        payout_commission=0,
        currency=config.CURRENCY,
        initiator_id=sender.id,
        client_key=client_key,
        sender_customer_id=sender.id,
        sender_name=sender.full_name,
        sender_msisdn=sender.msisdn,
        recipient_name=name,
        recipient_msisdn=msisdn,
        created_at=now,
        expires_at=now + timedelta(seconds=config.OTP_TTL),
    )
    session.add(remittance)
    session.flush()
    legs = [
        ledger.debit(chart.wallet(sender.id), quote.total),
        ledger.credit(chart.REMIT_PAYABLE, amount),
    ]
    if quote.fee:
        legs.append(ledger.credit(chart.fees("remit"), quote.fee))
    hold = ledger.hold_entry(
        session,
        key=f"remittance:{remittance.id}:send",
        kind="remittance_send",
        legs=legs,
        expires_at=remittance.expires_at,  # type: ignore[arg-type]
        reference=remittance.reference,
        meta=lifecycle.statement_meta(remittance, side="to", fee=quote.fee),
    )
    remittance.hold_entry_id = hold.id
    session.flush()
    return remittance


def create_remittance(
    session: Session,
    sender: Customer,
    *,
    recipient_name: str,
    recipient_msisdn: str,
    amount: int,
    channel: str = "api",
    client_key: str | None = None,
) -> Remittance:
    """Place a remittance and send the OTP that confirms it (REST, SMS)."""
    remittance = place_remittance(
        session,
        sender,
        recipient_name=recipient_name,
        recipient_msisdn=recipient_msisdn,
        amount=amount,
        channel=channel,
        client_key=client_key,
    )
    if remittance.challenge_id is None:
        config = settings(session)
        issued = issue_challenge(
            session,
            subject_id=sender.id,
            msisdn=sender.msisdn,
            language=sender.language,
            purpose=OTP_PURPOSE,
            binding=otp_binding(remittance),
            template="sms.otp.remittance",
            params={
                "amount": format_amount(remittance.amount),
                "recipient": short(remittance.recipient_name),
                "minutes": config.OTP_TTL // 60,
            },
            ttl=config.OTP_TTL,
        )
        remittance.challenge_id = issued.challenge.id
        session.flush()
    return remittance


def _complete(session: Session, remittance: Remittance, sender: Customer) -> Remittance:
    assert remittance.hold_entry_id is not None
    ledger.post_pending(session, remittance.hold_entry_id)
    remittance.entry_id = remittance.hold_entry_id
    session.flush()
    lifecycle.activate(session, remittance, sender=sender, from_status=PENDING)
    return remittance


def send_with_pin(
    session: Session,
    sender: Customer,
    *,
    recipient_name: str,
    recipient_msisdn: str,
    amount: int,
    pin: str,
    channel: str = "ussd",
    client_key: str | None = None,
) -> Remittance:
    """Place and confirm at once, authorised by the PIN typed on the final screen (USSD).

    With a ``client_key`` already used by this sender, the first remittance is
    returned unchanged (a USSD gateway retrying the same step).
    """
    if client_key:
        existing = _existing_for_key(session, sender.id, client_key)
        if existing is not None:
            return existing
    verify_pin(session, sender, pin)
    remittance = place_remittance(
        session,
        sender,
        recipient_name=recipient_name,
        recipient_msisdn=recipient_msisdn,
        amount=amount,
        channel=channel,
        client_key=client_key,
    )
    return _complete(session, remittance, sender)


def get_owned(session: Session, remittance_id: str, customer_id: str, *, lock: bool) -> Remittance:
    """The remittance if ``customer_id`` sent it from their wallet; NotFound otherwise."""
    if lock:
        try:
            remittance: Remittance | None = lock_remittance(session, remittance_id)
        except RemittanceNotFound:
            remittance = None
    else:
        remittance = session.get(Remittance, remittance_id)
    if remittance is None or remittance.sender_customer_id != customer_id:
        raise RemittanceNotFound()
    return remittance


def confirm_remittance(
    session: Session, remittance_id: str, customer_id: str, otp: str
) -> Remittance:
    """Confirm with the OTP → ``awaiting_payout``. A confirmed remittance is returned unchanged."""
    if not isinstance(otp, str) or not otp.isdigit() or len(otp) != 6:
        raise ValidationFailed({"otp": ["Must be the 6-digit code received by SMS."]})
    remittance = get_owned(session, remittance_id, customer_id, lock=True)
    if remittance.status in (AWAITING, PAID_OUT):
        return remittance
    if lifecycle.expire_if_due(session, remittance):
        raise OtpExpired("The code has expired; the remittance was cancelled.", commit=True)
    if remittance.status != PENDING:
        raise RemittanceNotPending(f"The remittance is {remittance.status}.")
    try:
        verify_challenge(session, remittance.challenge_id or "", otp, otp_binding(remittance))
    except OtpAttemptsExceeded as exc:
        lifecycle.close_pending(session, remittance, "failed", "too many wrong codes")
        exc.commit = True
        raise
    except OtpExpired as exc:
        lifecycle.close_pending(session, remittance, "expired", "code expired")
        exc.commit = True
        raise
    return _complete(session, remittance, get_customer(session, customer_id))


def cancel_remittance(session: Session, remittance_id: str, customer_id: str) -> Remittance:
    """The sender takes it back before payout: a pending one is released, an unpaid one
    refunded: into the wallet, or as a cash pickup when the wallet is at its
    balance cap (``lifecycle.refund``). Cancelling a cancelled remittance
    returns it unchanged."""
    found = get_owned(session, remittance_id, customer_id, lock=False)
    remittance = lock_for_refund(session, found)
    if remittance.status == "cancelled":
        return remittance
    if lifecycle.expire_if_due(session, remittance):
        return remittance
    if remittance.status == PENDING:
        lifecycle.close_pending(session, remittance, "cancelled", "cancelled by the sender")
    elif remittance.status == AWAITING:
        lifecycle.refund(session, remittance, "cancelled", "cancelled by the sender")
    else:
        raise RemittanceNotCancellable(f"The remittance is {remittance.status}.")
    return remittance
