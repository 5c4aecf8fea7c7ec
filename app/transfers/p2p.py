"""Person-to-person transfers between wallets.

Through the app (REST) a transfer is placed with the funds reserved and an OTP
sent by SMS, then confirmed with the code. Through USSD the customer already
typed the PIN on the final screen, so the transfer is placed and completed in
one unit of work. SMS-initiated transfers carry lower caps, because an SMS OTP
is a weak factor.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import fees, ledger
from app.clock import clock, local_day_bounds, local_today
from app.customers import limits
from app.customers.models import Customer
from app.customers.service import ensure_can_transact, find_by_msisdn, get_customer, verify_pin
from app.db import settings
from app.errors import LimitExceeded, RecipientNotFound, ValidationFailed
from app.ledger import chart
from app.money import format_amount
from app.transfers.errors import (
    ClientKeyReused,
    SelfTransfer,
    TransferNotFound,
    TransferNotPending,
)
from app.transfers.lifecycle import PENDING, close_pending, complete_pending, expire_if_stale
from app.transfers.locks import lock_transfer
from app.transfers.models import Transfer
from app.transfers.queries import find_by_client_key
from app.transfers.references import new_reference

CONFIRM_PURPOSE = "transfer"
# Payments a customer confirms with the SMS code at /transfers/{id}/confirm.
# A withdrawal is confirmed by its code at the counter instead.
OTP_CONFIRMED_TYPES = ("p2p", "bill", "merchant")


def otp_binding(transfer: Transfer) -> dict[str, Any]:
    """What the OTP confirms: this transfer, this amount, this fee, this recipient."""
    return {
        "transfer_id": transfer.id,
        "type": transfer.type,
        "amount": transfer.amount,
        "fee": transfer.fee,
        "to": transfer.to_msisdn,
    }


def resolve_recipient(session: Session, sender: Customer, to: str) -> Customer:
    from app.customers.msisdn import normalize_msisdn

    msisdn = normalize_msisdn(to, settings(session).ALLOWED_REGIONS)
    if msisdn == sender.msisdn:
        raise SelfTransfer()
    recipient = find_by_msisdn(session, msisdn)
    if recipient is None or recipient.status == "frozen":
        raise RecipientNotFound(f"No PostCash customer at {msisdn}.")
    return recipient


def _existing_for_key(
    session: Session, initiator_id: str, client_key: str | None, **expected: Any
) -> Transfer | None:
    existing = find_by_client_key(session, initiator_id, client_key)
    if existing is None:
        return None
    for field, value in expected.items():
        if getattr(existing, field) != value:
            raise ClientKeyReused()
    return existing


def check_channel_caps(session: Session, sender: Customer, amount: int, channel: str) -> None:
    """SMS-initiated payments are capped per transaction and per day (config)."""
    if channel != "sms":
        return
    config = settings(session)
    if amount > config.SMS_MAX_TX_AMOUNT:
        raise LimitExceeded(
            f"By SMS, at most {format_amount(config.SMS_MAX_TX_AMOUNT)} per transfer.",
            limit="sms_single",
        )
    start, end = local_day_bounds(local_today())
    sent_today = session.scalar(
        select(func.coalesce(func.sum(Transfer.amount), 0)).where(
            Transfer.from_customer_id == sender.id,
            Transfer.channel == "sms",
            Transfer.status.in_((PENDING, "completed")),
            Transfer.created_at >= start,
            Transfer.created_at < end,
        )
    )
    if int(sent_today or 0) + amount > config.SMS_MAX_DAILY_AMOUNT:
        raise LimitExceeded(
            f"By SMS, at most {format_amount(config.SMS_MAX_DAILY_AMOUNT)} per day.",
            limit="sms_daily",
        )


def place_p2p(
    session: Session,
    sender: Customer,
    *,
    to: str,
    amount: int,
    note: str | None = None,
    channel: str = "api",
    client_key: str | None = None,
    ttl_seconds: int | None = None,
) -> Transfer:
    """Check the parties and limits, reserve amount + fee, return the pending transfer."""
    ensure_can_transact(sender)
    recipient = resolve_recipient(session, sender, to)
    existing = _existing_for_key(
        session, sender.id, client_key, amount=amount, to_customer_id=recipient.id
    )
    if existing is not None:
        return existing
    config = settings(session)
    quote = fees.quote(config, "p2p", amount)
    limits.lock_customers(session, sender, recipient)
    limits.check_outgoing(session, sender, amount, quote.fee)
    check_channel_caps(session, sender, amount, channel)
    limits.check_incoming(session, recipient, amount)
    now = clock.now()
    transfer = Transfer(
        id=str(uuid.uuid4()),
        reference=new_reference(session),
        type="p2p",
        status=PENDING,
        channel=channel,
        amount=amount,
        fee=quote.fee,
        commission=0,
        currency=config.CURRENCY,
        initiator_id=sender.id,
        client_key=client_key,
        from_customer_id=sender.id,
        to_customer_id=recipient.id,
        from_msisdn=sender.msisdn,
        to_msisdn=recipient.msisdn,
        note=note,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds or config.OTP_TTL),
        meta=party_meta(sender, recipient),
    )
    session.add(transfer)
    session.flush()
    legs = [
        ledger.debit(chart.wallet(sender.id), quote.total),
        ledger.credit(chart.wallet(recipient.id), amount),
    ]
    if quote.fee:
        legs.append(ledger.credit(chart.fees("p2p"), quote.fee))
    hold = ledger.hold_entry(
        session,
        key=f"p2p:{transfer.id}",
        kind="p2p",
        legs=legs,
        expires_at=transfer.expires_at,
        reference=transfer.reference,
        meta=entry_meta(transfer),
    )
    transfer.hold_entry_id = hold.id
    session.flush()
    return transfer


def party_meta(sender: Customer, recipient: Customer) -> dict[str, Any]:
    return {
        "from": {"name": sender.display_name, "msisdn": sender.msisdn},
        "to": {"name": recipient.display_name, "msisdn": recipient.msisdn},
    }


def entry_meta(transfer: Transfer) -> dict[str, Any]:
    """What statements show about the entry: type, fee and both parties."""
    meta = dict(transfer.meta or {})
    return {"transfer_id": transfer.id, "type": transfer.type, "fee": transfer.fee, **meta}


def create_p2p(
    session: Session,
    sender: Customer,
    *,
    to: str,
    amount: int,
    note: str | None = None,
    channel: str = "api",
    client_key: str | None = None,
) -> Transfer:
    """Place a transfer and send the OTP that confirms it by SMS (the app's flow)."""
    transfer, _code = create_p2p_with_code(
        session,
        sender,
        to=to,
        amount=amount,
        note=note,
        channel=channel,
        client_key=client_key,
        send_otp=True,
    )
    return transfer


def create_p2p_with_code(
    session: Session,
    sender: Customer,
    *,
    to: str,
    amount: int,
    note: str | None = None,
    channel: str = "sms",
    client_key: str | None = None,
    send_otp: bool = False,
) -> tuple[Transfer, str | None]:
    """Place a transfer and issue its OTP; the code is returned for the caller to deliver.

    The SMS channel answers an ``ENVOI`` with one reply carrying the summary and
    the code, instead of a second message. A repeated request returns the
    existing transfer and no code (it was delivered the first time).
    """
    from app.otp.service import issue_challenge

    transfer = place_p2p(
        session, sender, to=to, amount=amount, note=note, channel=channel, client_key=client_key
    )
    if transfer.challenge_id is not None:
        return transfer, None
    recipient = get_customer(session, transfer.to_customer_id or "")
    issued = issue_challenge(
        session,
        subject_id=sender.id,
        msisdn=sender.msisdn,
        language=sender.language,
        purpose=CONFIRM_PURPOSE,
        binding=otp_binding(transfer),
        template="sms.otp.p2p",
        params={"amount": format_amount(transfer.amount), "recipient": recipient.display_name[:24]},
        ttl=settings(session).OTP_TTL,
        send=send_otp,
    )
    transfer.challenge_id = issued.challenge.id
    session.flush()
    return transfer, issued.code


def latest_pending(
    session: Session, customer_id: str, channel: str | None = None
) -> Transfer | None:
    """The customer's most recent payment awaiting an OTP (``OUI <code>`` / ``NON`` by SMS)."""
    query = select(Transfer).where(
        Transfer.initiator_id == customer_id,
        Transfer.status == PENDING,
        Transfer.type.in_(OTP_CONFIRMED_TYPES),
    )
    if channel is not None:
        query = query.where(Transfer.channel == channel)
    return session.scalar(query.order_by(Transfer.created_at.desc(), Transfer.id.desc()).limit(1))


def send_with_pin(
    session: Session,
    sender: Customer,
    *,
    to: str,
    amount: int,
    pin: str,
    channel: str = "ussd",
    client_key: str | None = None,
) -> Transfer:
    """Place and complete at once, authorised by the PIN typed on the final screen.

    Both customers are locked before the PIN is checked: a right PIN after a wrong
    one writes the sender's row, and taking that row alone first would lock the
    pair out of id order (two sends in opposite directions would deadlock).
    """
    if client_key:
        existing = _existing_for_key(session, sender.id, client_key)
        if existing is not None:
            return existing
    limits.lock_customers(session, sender, resolve_recipient(session, sender, to))
    verify_pin(session, sender, pin)
    transfer = place_p2p(
        session, sender, to=to, amount=amount, channel=channel, client_key=client_key
    )
    return complete_pending(session, transfer)


def get_owned(session: Session, transfer_id: str, customer_id: str, *, lock: bool) -> Transfer:
    """The transfer if ``customer_id`` initiated it; NotFound otherwise (no existence leak)."""
    transfer = lock_transfer(session, transfer_id) if lock else session.get(Transfer, transfer_id)
    if transfer is None or transfer.initiator_id != customer_id:
        raise TransferNotFound()
    return transfer


def confirm_transfer(session: Session, transfer_id: str, customer_id: str, otp: str) -> Transfer:
    """Confirm with the OTP. Confirming a completed transfer returns it unchanged."""
    from app.errors import OtpAttemptsExceeded, OtpExpired
    from app.otp.service import verify_challenge

    if not isinstance(otp, str) or not otp.isdigit() or len(otp) != 6:
        raise ValidationFailed({"otp": ["Must be the 6-digit code received by SMS."]})
    transfer = get_owned(session, transfer_id, customer_id, lock=True)
    if transfer.type not in OTP_CONFIRMED_TYPES:
        raise TransferNotPending("This payment is not confirmed with an SMS code.")
    if transfer.status == "completed":
        return transfer
    if expire_if_stale(session, transfer):
        raise OtpExpired("The code has expired; the transfer was cancelled.", commit=True)
    if transfer.status != PENDING:
        raise TransferNotPending(f"The transfer is {transfer.status}.")
    try:
        verify_challenge(session, transfer.challenge_id or "", otp, otp_binding(transfer))
    except OtpAttemptsExceeded as exc:
        close_pending(session, transfer, "failed", "too many wrong codes")
        exc.commit = True
        raise
    except OtpExpired as exc:
        close_pending(session, transfer, "expired", "code expired")
        exc.commit = True
        raise
    return complete_pending(session, transfer)


def cancel_transfer(session: Session, transfer_id: str, customer_id: str) -> Transfer:
    """Cancel a pending transfer; cancelling a cancelled one returns it unchanged."""
    transfer = get_owned(session, transfer_id, customer_id, lock=True)
    if transfer.status == "cancelled":
        return transfer
    if expire_if_stale(session, transfer):
        return transfer
    return close_pending(session, transfer, "cancelled", "cancelled by the customer")
