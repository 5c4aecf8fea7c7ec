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

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app import ledger
from app.customers.models import Customer
from app.customers.service import get_customer
from app.db import settings
from app.fees import Quote
from app.ledger import chart
from app.money import format_amount
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
from app.transfers import pending

OTP_PURPOSE = "remittance"


def otp_binding(remittance: Remittance) -> dict[str, Any]:
    """What the OTP confirms: this remittance, amount, fee and recipient."""
    return {
        "remittance_id": remittance.id,
        "amount": remittance.amount,
        "fee": remittance.fee,
        "to": remittance.recipient_msisdn,
    }


class WalletRemittanceFlow(pending.Flow[Remittance]):
    """Remittances a wallet sends: awaiting the sender's SMS code (``/remittances/{id}/confirm``)
    or the PIN of a final USSD screen; confirmed, they await their payout."""

    model = Remittance
    noun = "remittance"
    payer = "sender"
    confirmation = pending.Confirmation(OTP_PURPOSE, otp_binding)
    not_pending = RemittanceNotPending
    key_reused = ClientKeyReused

    def new_reference(self, session: Session) -> str:
        return new_reference(session)

    def payer_fields(self, payer: Customer) -> dict[str, Any]:
        return {
            "source": "wallet",
            "fx_fee": 0,
            "send_commission": 0,
            "payout_commission": 0,
            "sender_customer_id": payer.id,
            "sender_name": payer.full_name,
            "sender_msisdn": payer.msisdn,
        }

    def lock_to_confirm(self, session: Session, row_id: str, customer_id: str) -> Remittance:
        return get_owned(session, row_id, customer_id, lock=True)

    def lock_to_cancel(self, session: Session, row_id: str, customer_id: str) -> Remittance:
        """The sender's row first, then the remittance (``locks.lock_for_refund``)."""
        return lock_for_refund(session, get_owned(session, row_id, customer_id, lock=False))

    def is_confirmed(self, row: Remittance) -> bool:
        return row.status in (AWAITING, PAID_OUT)

    def expire_if_due(self, session: Session, row: Remittance) -> bool:
        return lifecycle.expire_if_due(session, row)

    def close(self, session: Session, row: Remittance, status: str, reason: str) -> None:
        lifecycle.close_pending(session, row, status, reason)

    def complete(self, session: Session, row: Remittance) -> Remittance:
        """Post the hold; the remittance awaits its payout and the recipient gets the code."""
        assert row.hold_entry_id is not None and row.sender_customer_id is not None
        sender = get_customer(session, row.sender_customer_id)
        ledger.post_pending(session, row.hold_entry_id)
        row.entry_id = row.hold_entry_id
        session.flush()
        lifecycle.activate(session, row, sender=sender, from_status=PENDING)
        return row

    def cancel_confirmed(self, session: Session, row: Remittance) -> None:
        if row.status != AWAITING:
            raise RemittanceNotCancellable(f"The remittance is {row.status}.")
        lifecycle.refund(session, row, "cancelled", "cancelled by the sender")


REMITTANCES = WalletRemittanceFlow()


@dataclass(kw_only=True)
class RemittanceOrder(pending.Order[Remittance]):
    """Send ``amount`` from the wallet to ``recipient_name`` at ``recipient_msisdn``,
    who collects it at any counter with the code texted on confirmation."""

    recipient_name: str
    recipient_msisdn: str
    name: str = field(init=False)  # as checked: the name trimmed, the number normalised
    msisdn: str = field(init=False)

    flow = REMITTANCES
    fee_type = "remittance"
    hold = ("remittance_send", "remittance:{id}:send")

    def check(self, session: Session, payer: Customer) -> dict[str, Any]:
        self.name = clean_name(self.recipient_name, "recipient.name")
        self.msisdn = clean_msisdn(session, self.recipient_msisdn, "recipient.msisdn")
        return {"amount": self.amount, "recipient_msisdn": self.msisdn}

    def legs(self, payer: Customer, quote: Quote) -> list[ledger.Leg]:
        return pending.wallet_legs(payer, quote, chart.REMIT_PAYABLE, chart.fees("remit"))

    def fields(self, payer: Customer) -> dict[str, Any]:
        return {"recipient_name": self.name, "recipient_msisdn": self.msisdn}

    def entry_meta(self, row: Remittance) -> dict[str, Any]:
        return lifecycle.statement_meta(row, side="to", fee=row.fee)

    def code_text(self, session: Session, row: Remittance) -> tuple[str, dict[str, Any]]:
        return "sms.otp.remittance", {
            "amount": format_amount(row.amount),
            "recipient": short(row.recipient_name),
            "minutes": settings(session).OTP_TTL // 60,
        }


place_remittance = pending.placing(RemittanceOrder)
"""Check the parties and the sender's limits, reserve amount + fee; ``pending_confirmation``."""

create_remittance = pending.opening(RemittanceOrder)
"""Place a remittance and send the OTP that confirms it (REST, SMS)."""

send_with_pin = pending.paying_with_pin(RemittanceOrder)
"""Place and confirm at once, authorised by the PIN typed on the final screen (USSD); a
``client_key`` already used by this sender returns the first remittance unchanged (a
USSD gateway retrying the same step)."""


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
    return pending.confirm_with_otp(session, REMITTANCES, remittance_id, customer_id, otp)


def cancel_remittance(session: Session, remittance_id: str, customer_id: str) -> Remittance:
    """The sender takes it back before payout: a pending one is released, an unpaid one
    refunded: into the wallet, or as a cash pickup when the wallet is at its
    balance cap (``lifecycle.refund``). Cancelling a cancelled remittance
    returns it unchanged."""
    return pending.cancel(session, REMITTANCES, remittance_id, customer_id)
