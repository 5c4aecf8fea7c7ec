"""Remittances at the post-office counter: sending with cash, paying out against a code.

Sending: the sender hands over amount + fee in cash; the agent's float funds
the remittance (``float:agent`` → ``remit:payable`` and ``fees:remit``) and
earns the send commission in the same entry. The sender's name and number are
recorded, and above ``REMITTANCE_CASH_ID_THRESHOLD`` an identity document too
(the KYC of a walk-in customer). The remittance awaits payout at once.

Paying out: any counter, with the 10-digit code and the recipient's identity
document, which is recorded. ``PAYOUT_MAX_MISSES`` wrong codes within an hour
lock that counter's payouts (``misses.py``). Two counters presenting the same
code at once pay it once: the second waits for the row lock and finds it paid.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import fees, ledger
from app.agents.cash import commission_legs
from app.agents.models import StaffUser
from app.agents.till import ensure_open
from app.clock import clock
from app.db import settings
from app.errors import ValidationFailed
from app.ledger import chart
from app.money import format_amount
from app.remittances import codes, lifecycle, misses
from app.remittances.errors import RemittanceNotPayable
from app.remittances.locks import lock_actor, lock_for_refund
from app.remittances.models import AWAITING, PENDING, Remittance
from app.remittances.parties import clean_id, clean_msisdn, clean_name
from app.remittances.references import new_reference

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CashSendQuote:
    """A cash send as the counter confirms it: the parties cleaned, the fee, the total."""

    sender_name: str
    sender_msisdn: str
    sender_id_type: str | None
    sender_id_number: str | None
    recipient_name: str
    recipient_msisdn: str
    amount: int
    fee: int

    @property
    def total(self) -> int:
        return self.amount + self.fee


def quote_send_cash(
    session: Session, *, sender: dict[str, Any], recipient: dict[str, Any], amount: int
) -> CashSendQuote:
    """Check a cash send (names, numbers, the sender's document above the threshold)
    and quote its fee; nothing is written (the counter's confirmation screen)."""
    config = settings(session)
    quote = fees.quote(config, "remittance", amount)
    sender_name = clean_name(sender.get("name"), "sender.name")
    sender_msisdn = clean_msisdn(session, sender.get("msisdn"), "sender.msisdn")
    recipient_name = clean_name(recipient.get("name"), "recipient.name")
    recipient_msisdn = clean_msisdn(session, recipient.get("msisdn"), "recipient.msisdn")
    id_type, id_number = sender.get("id_type"), sender.get("id_number")
    if amount > config.REMITTANCE_CASH_ID_THRESHOLD or id_type or id_number:
        if not id_type or not id_number:
            threshold = format_amount(config.REMITTANCE_CASH_ID_THRESHOLD)
            raise ValidationFailed(
                {"sender.id_number": [f"An identity document is required above {threshold}."]}
            )
        id_type, id_number = clean_id(id_type, id_number, "sender.")
    return CashSendQuote(
        sender_name,
        sender_msisdn,
        id_type or None,
        id_number or None,
        recipient_name,
        recipient_msisdn,
        amount,
        quote.fee,
    )


def send_cash(
    session: Session,
    agent: StaffUser,
    *,
    sender: dict[str, Any],
    recipient: dict[str, Any],
    amount: int,
) -> Remittance:
    """A walk-in customer sends ``amount`` in cash; ``awaiting_payout`` at once."""
    ensure_open(session, agent)
    config = settings(session)
    checked = quote_send_cash(session, sender=sender, recipient=recipient, amount=amount)
    quote = fees.quote(config, "remittance", amount)
    sender_name, sender_msisdn = checked.sender_name, checked.sender_msisdn
    recipient_name, recipient_msisdn = checked.recipient_name, checked.recipient_msisdn
    id_type, id_number = checked.sender_id_type, checked.sender_id_number
    commission = fees.commission(config, "remittance_send", amount, quote.fee)
    remittance = Remittance(
        id=str(uuid.uuid4()),
        reference=new_reference(session),
        source="cash",
        status=PENDING,
        channel="agent",
        amount=amount,
        fee=quote.fee,
        fx_fee=0,
        send_commission=commission,
        payout_commission=0,
        currency=config.CURRENCY,
        initiator_id=agent.id,
        sender_name=sender_name,
        sender_msisdn=sender_msisdn,
        sender_id_type=id_type or None,
        sender_id_number=id_number or None,
        send_agent_id=agent.id,
        recipient_name=recipient_name,
        recipient_msisdn=recipient_msisdn,
        created_at=clock.now(),
    )
    session.add(remittance)
    session.flush()
    legs = [
        ledger.debit(chart.float_account(agent.id), quote.total),
        ledger.credit(chart.REMIT_PAYABLE, amount),
        *commission_legs(agent.id, commission),
    ]
    if quote.fee:
        legs.append(ledger.credit(chart.fees("remit"), quote.fee))
    entry = ledger.post_entry(
        session,
        key=f"remittance:{remittance.id}:send",
        kind="remittance_send",
        legs=legs,
        reference=remittance.reference,
        meta={"remittance_id": remittance.id, "type": "remittance_send", "agent_id": agent.id},
    )
    remittance.entry_id = entry.id
    session.flush()
    lifecycle.activate(session, remittance, sender=None, from_status=PENDING)
    return remittance


def find_by_code(session: Session, code: str) -> Remittance | None:
    """The remittance whose code this is, whatever its status (hash lookup, then a
    constant-time comparison)."""
    secret_key = settings(session).SECRET_KEY
    for digest in codes.code_hashes(secret_key, code):  # the current key first
        remittance = session.scalar(select(Remittance).where(Remittance.code_hash == digest))
        if remittance is not None and codes.matches(secret_key, code, remittance.code_hash):
            return remittance
    return None


def clean_code(code: object) -> str:
    cleaned = codes.normalize(code)
    if not codes.is_well_formed(cleaned):
        raise ValidationFailed({"code": [f"Must be the {codes.DIGITS}-digit remittance code."]})
    return cleaned


def ensure_payable(session: Session, remittance: Remittance) -> None:
    """Refuse a remittance that is no longer awaiting payout; expire one past its
    deadline on the way (the sweep may not have passed yet)."""
    if lifecycle.expire_if_due(session, remittance):
        raise RemittanceNotPayable("This remittance expired and was refunded.", commit=True)
    if remittance.status != AWAITING:
        raise RemittanceNotPayable(f"This remittance is {remittance.status.replace('_', ' ')}.")


def preview_payout(session: Session, agent: StaffUser, *, code: str) -> Remittance:
    """The remittance a counter is about to pay, for its confirmation screen.

    The same checks as ``pay_out`` before the money moves, a wrong code counted as
    a miss the same way (the preview is no way round the payout lock); nothing
    else is written.
    """
    cleaned = clean_code(code)
    actor = f"agent:{agent.id}"
    lock_actor(session, agent)
    misses.ensure_not_locked(session, actor)
    found = find_by_code(session, cleaned)
    if found is None:
        raise misses.count_miss(session, actor=actor, role="agent", actor_id=agent.id)
    ensure_payable(session, found)
    return found


def pay_out(
    session: Session,
    agent: StaffUser,
    *,
    code: str,
    recipient_id_type: str,
    recipient_id_number: str,
) -> Remittance:
    """Pay a remittance in cash at ``agent``'s counter → ``paid_out``."""
    cleaned = clean_code(code)
    id_type, id_number = clean_id(recipient_id_type, recipient_id_number, "recipient_")
    actor = f"agent:{agent.id}"
    ensure_open(session, agent)
    lock_actor(session, agent)
    misses.ensure_not_locked(session, actor)
    found = find_by_code(session, cleaned)
    if found is None:
        raise misses.count_miss(session, actor=actor, role="agent", actor_id=agent.id)
    # The sender's row first: an expired one is refunded on the way (``ensure_payable``).
    remittance = lock_for_refund(session, found)
    ensure_payable(session, remittance)
    lifecycle.pay_cash(session, remittance, agent, id_type=id_type, id_number=id_number)
    return remittance
