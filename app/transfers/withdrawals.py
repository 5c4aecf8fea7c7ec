"""Withdrawals: the customer asks for cash, an agent pays it at any counter.

The customer reserves amount + fee and receives a 6-digit code valid 15
minutes. The paying counter is unknown until the code is presented, so the
reservation is held against ``clearing:withdrawals``; at the counter it is
voided and the real entry (wallet → float, fee, commission) is posted in the
same unit of work (``app/agents/cash.py``). One pending withdrawal per customer
at a time keeps the code unambiguous at the counter.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from app import fees, ledger
from app.clock import clock
from app.customers import limits
from app.customers.models import Customer
from app.customers.service import ensure_can_transact, verify_pin
from app.db import settings
from app.errors import InvalidState
from app.ledger import chart
from app.money import format_amount
from app.transfers.lifecycle import PENDING, expire_if_stale
from app.transfers.locks import lock_pending_withdrawals
from app.transfers.models import Transfer
from app.transfers.queries import find_by_client_key
from app.transfers.references import new_reference

PURPOSE = "withdrawal"


@dataclass(frozen=True, slots=True)
class IssuedWithdrawal:
    transfer: Transfer
    code: str | None  # None when a repeated request returns an earlier withdrawal


def withdrawal_binding(transfer: Transfer) -> dict[str, object]:
    return {"transfer_id": transfer.id, "amount": transfer.amount, "fee": transfer.fee}


def create_withdrawal(
    session: Session,
    customer: Customer,
    *,
    amount: int,
    channel: str = "api",
    client_key: str | None = None,
    pin: str | None = None,
) -> IssuedWithdrawal:
    """Reserve amount + fee and issue the cash-out code (also sent by SMS)."""
    from app.otp.service import issue_challenge

    ensure_can_transact(customer)
    existing = find_by_client_key(session, customer.id, client_key)
    if existing is not None:
        return IssuedWithdrawal(existing, None)
    if pin is not None:
        verify_pin(session, customer, pin)
    limits.lock_customers(session, customer)  # one pending withdrawal, even when racing
    for pending in lock_pending_withdrawals(session, customer.id):
        if not expire_if_stale(session, pending):
            raise InvalidState(
                "A withdrawal code is already pending: use it at a counter or cancel it.",
                transfer_id=pending.id,
            )
    config = settings(session)
    quote = fees.quote(config, "cashout", amount)
    limits.check_outgoing(session, customer, amount, quote.fee)
    now = clock.now()
    transfer = Transfer(
        id=str(uuid.uuid4()),
        reference=new_reference(session),
        type="withdrawal",
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
        expires_at=now + timedelta(seconds=config.WITHDRAWAL_TTL),
        meta={"from": {"name": customer.display_name, "msisdn": customer.msisdn}},
    )
    session.add(transfer)
    session.flush()
    hold = ledger.hold_entry(
        session,
        key=f"withdrawal:{transfer.id}:hold",
        kind="withdrawal_hold",
        legs=[
            ledger.debit(chart.wallet(customer.id), quote.total),
            ledger.credit(chart.CLEARING_WITHDRAWALS, quote.total),
        ],
        expires_at=transfer.expires_at,
        reference=transfer.reference,
    )
    transfer.hold_entry_id = hold.id
    issued = issue_challenge(
        session,
        subject_id=customer.id,
        msisdn=customer.msisdn,
        language=customer.language,
        purpose=PURPOSE,
        binding=withdrawal_binding(transfer),
        template="sms.otp.withdrawal",
        params={"amount": format_amount(amount)},
        ttl=config.WITHDRAWAL_TTL,
        max_attempts=config.WITHDRAWAL_MAX_ATTEMPTS,
    )
    transfer.challenge_id = issued.challenge.id
    session.flush()
    return IssuedWithdrawal(transfer, issued.code)
