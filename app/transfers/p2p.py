"""Person-to-person transfers between wallets.

Through the app (REST) a transfer is placed with the funds reserved and an OTP
sent by SMS, then confirmed with the code. Through USSD the customer already
typed the PIN on the final screen, so the transfer is placed and completed in
one unit of work. SMS-initiated transfers carry lower caps, because an SMS OTP
is a weak factor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import fees, ledger
from app.clock import local_day_bounds, local_today
from app.customers import limits
from app.customers.models import Customer
from app.customers.service import find_by_msisdn, get_customer
from app.db import settings
from app.errors import LimitExceeded, RecipientNotFound
from app.ledger import chart
from app.money import format_amount
from app.transfers import pending
from app.transfers.errors import (
    ClientKeyReused,
    SelfTransfer,
    TransferNotFound,
    TransferNotPending,
)
from app.transfers.lifecycle import PENDING, close_pending, complete_pending, expire_if_stale
from app.transfers.locks import lock_transfer
from app.transfers.models import Transfer
from app.transfers.references import new_reference

CONFIRM_PURPOSE = "transfer"
# Payments a customer confirms with the SMS code at /transfers/{id}/confirm.
# A withdrawal is confirmed by its code at the counter instead.
OTP_CONFIRMED_TYPES = ("p2p", "bill", "merchant", "mail", "savings_withdrawal")  # mail: app/mail


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


class TransferFlow(pending.Flow[Transfer]):
    """Transfers awaiting their payer: the SMS code of a P2P, bill or merchant payment
    (``/transfers/{id}/confirm``, ``OUI``), the PIN of a final USSD screen; a
    withdrawal waits for its code at a counter (``app/agents/cash.py``)."""

    model = Transfer
    noun = "transfer"
    payer = "customer"
    confirmation = pending.Confirmation(CONFIRM_PURPOSE, otp_binding)
    not_pending = TransferNotPending
    key_reused = ClientKeyReused

    def new_reference(self, session: Session) -> str:
        return new_reference(session)

    def payer_fields(self, payer: Customer) -> dict[str, Any]:
        return {"commission": 0, "from_customer_id": payer.id, "from_msisdn": payer.msisdn}

    def lock_to_confirm(self, session: Session, row_id: str, customer_id: str) -> Transfer:
        transfer = get_owned(session, row_id, customer_id, lock=True)
        if transfer.type not in OTP_CONFIRMED_TYPES:
            raise TransferNotPending("This payment is not confirmed with an SMS code.")
        return transfer

    def lock_to_cancel(self, session: Session, row_id: str, customer_id: str) -> Transfer:
        return get_owned(session, row_id, customer_id, lock=True)

    def is_confirmed(self, row: Transfer) -> bool:
        return row.status == "completed"

    def expire_if_due(self, session: Session, row: Transfer) -> bool:
        return expire_if_stale(session, row)

    def close(self, session: Session, row: Transfer, status: str, reason: str) -> None:
        close_pending(session, row, status, reason)

    def complete(self, session: Session, row: Transfer) -> Transfer:
        return complete_pending(session, row)

    def cancel_confirmed(self, session: Session, row: Transfer) -> None:
        raise TransferNotPending(f"transfer is {row.status}")


TRANSFERS = TransferFlow()


@dataclass(kw_only=True)
class P2POrder(pending.Order[Transfer]):
    """Send ``amount`` to the customer at ``to``: both are locked for the limits, the
    recipient's balance cap counts the pending credit, SMS orders have lower caps."""

    to: str
    note: str | None = None
    recipient: Customer = field(init=False)

    flow = TRANSFERS
    fee_type = "p2p"
    hold = ("p2p", "p2p:{id}")

    def check(self, session: Session, payer: Customer) -> dict[str, Any]:
        self.recipient = resolve_recipient(session, payer, self.to)
        return {"amount": self.amount, "to_customer_id": self.recipient.id}

    def check_limits(self, session: Session, payer: Customer, quote: fees.Quote) -> None:
        limits.lock_customers(session, payer, self.recipient)
        limits.check_outgoing(session, payer, quote.amount, quote.fee)
        check_channel_caps(session, payer, quote.amount, self.channel)
        limits.check_incoming(session, self.recipient, quote.amount)

    def legs(self, payer: Customer, quote: fees.Quote) -> list[ledger.Leg]:
        return pending.wallet_legs(payer, quote, chart.wallet(self.recipient.id), chart.fees("p2p"))

    def fields(self, payer: Customer) -> dict[str, Any]:
        recipient = self.recipient
        return {
            "type": "p2p",
            "to_customer_id": recipient.id,
            "to_msisdn": recipient.msisdn,
            "note": self.note,
            "meta": party_meta(payer, recipient),
        }

    def entry_meta(self, row: Transfer) -> dict[str, Any]:
        return entry_meta(row)

    def code_text(self, session: Session, row: Transfer) -> tuple[str, dict[str, Any]]:
        recipient = get_customer(session, row.to_customer_id or "")
        return "sms.otp.p2p", {
            "amount": format_amount(row.amount),
            "recipient": recipient.display_name[:24],
        }

    def lock_before_pin(self, session: Session, payer: Customer) -> None:
        """Both customers: a right PIN after a wrong one writes the sender's row, and
        taking that row alone first would lock the pair out of id order (two sends
        in opposite directions would deadlock)."""
        limits.lock_customers(session, payer, resolve_recipient(session, payer, self.to))


def party_meta(sender: Customer, recipient: Customer) -> dict[str, Any]:
    return {
        "from": {"name": sender.display_name, "msisdn": sender.msisdn},
        "to": {"name": recipient.display_name, "msisdn": recipient.msisdn},
    }


def entry_meta(transfer: Transfer) -> dict[str, Any]:
    """What statements show about the entry: type, fee and both parties."""
    meta = dict(transfer.meta or {})
    return {"transfer_id": transfer.id, "type": transfer.type, "fee": transfer.fee, **meta}


place_p2p = pending.placing(P2POrder)
"""Check the parties and limits, reserve amount + fee, return the pending transfer."""

create_p2p = pending.opening(P2POrder)
"""Place a transfer and send the OTP that confirms it by SMS (the app's flow)."""

send_with_pin = pending.paying_with_pin(P2POrder)
"""Place and complete at once, authorised by the PIN typed on the final screen (USSD)."""


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
    order = P2POrder(to=to, amount=amount, note=note, channel=channel, client_key=client_key)
    return pending.open_with_code(session, sender, order, send=send_otp)


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


def get_owned(session: Session, transfer_id: str, customer_id: str, *, lock: bool) -> Transfer:
    """The transfer if ``customer_id`` initiated it; NotFound otherwise (no existence leak)."""
    transfer = lock_transfer(session, transfer_id) if lock else session.get(Transfer, transfer_id)
    if transfer is None or transfer.initiator_id != customer_id:
        raise TransferNotFound()
    return transfer


def confirm_transfer(session: Session, transfer_id: str, customer_id: str, otp: str) -> Transfer:
    """Confirm with the OTP. Confirming a completed transfer returns it unchanged."""
    return pending.confirm_with_otp(session, TRANSFERS, transfer_id, customer_id, otp)


def cancel_transfer(session: Session, transfer_id: str, customer_id: str) -> Transfer:
    """Cancel a pending transfer; cancelling a cancelled one returns it unchanged."""
    return pending.cancel(session, TRANSFERS, transfer_id, customer_id)


def resend_code(session: Session, transfer_id: str, customer: Customer) -> Transfer:
    """Text the code of a transfer awaiting it again (``POST /transfers/{id}/otp``).

    The code the customer never got (an SMS lost, or dropped because it could
    not leave before it died) is the reason: the same code is sent again while
    it is valid, within ``resend_challenge``'s cooldown and ceiling. A transfer
    past its deadline is expired on the way (its funds released) and refused:
    the customer starts a new one.
    """
    from app.otp.service import resend_challenge

    transfer = TRANSFERS.lock_to_confirm(session, transfer_id, customer.id)
    if transfer.status == PENDING and expire_if_stale(session, transfer):
        raise TransferNotPending("The transfer has expired; start again.", commit=True)
    if transfer.status != PENDING or transfer.challenge_id is None:
        raise TransferNotPending(f"transfer is {transfer.status}")
    resend_challenge(
        session, transfer.challenge_id, msisdn=customer.msisdn, language=customer.language
    )
    return transfer
