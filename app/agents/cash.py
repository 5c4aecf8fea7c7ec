"""Cash at the counter: cash-in, cash-out of a customer's withdrawal, float top-ups.

Postings (DESIGN.md): cash-in debits the agent's float and credits the
customer's wallet; cash-out debits the wallet (amount + fee) and credits the
float and ``fees:cashout``. The agent's commission (``commission:agents`` →
float) is a leg of the same entry, so a payment and its commission cannot
half-happen.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import fees, ledger
from app.agents.models import StaffUser
from app.agents.till import ensure_open
from app.clock import clock
from app.customers import limits
from app.customers.models import Customer
from app.customers.service import find_by_msisdn
from app.db import settings
from app.errors import (
    InsufficientFunds,
    OtpAttemptsExceeded,
    OtpExpired,
    RecipientNotFound,
    ValidationFailed,
)
from app.ledger import chart
from app.transfers.lifecycle import (
    PENDING,
    close_pending,
    expire_if_stale,
    is_stale,
    mark_completed,
)
from app.transfers.locks import lock_pending_withdrawals
from app.transfers.models import Transfer
from app.transfers.references import new_reference
from app.transfers.withdrawals import withdrawal_binding


def counter_label(agent: StaffUser) -> str:
    """The short name of a counter as customers read it on a receipt ("Poto-Poto")."""
    name = agent.post_office or "PostCash"
    for prefix in ("bureau de poste de ", "bureau de poste d'", "bureau de poste "):
        if name.lower().startswith(prefix):
            name = name[len(prefix) :]
            break
    return name[:24]


def commission_legs(agent_id: str, commission: int) -> list[ledger.Leg]:
    if commission <= 0:
        return []
    return [
        ledger.debit(chart.COMMISSION_AGENTS, commission),
        ledger.credit(chart.float_account(agent_id), commission),
    ]


def quote_cash_in(session: Session, *, msisdn: str, amount: int) -> Customer:
    """The customer a cash-in of ``amount`` would credit, after the same checks as
    ``cash_in`` (a customer at the number, not frozen, room under the balance cap);
    nothing is written. The counter's confirmation screen shows it."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed({"amount": ["Must be a positive integer amount."]})
    customer = find_by_msisdn(session, msisdn)
    if customer is None or customer.status == "frozen":
        raise RecipientNotFound("No PostCash customer at this number.")
    limits.check_incoming(session, customer, amount)
    return customer


def pending_withdrawal(session: Session, msisdn: str) -> Transfer:
    """The withdrawal a counter would pay for this number (amount and fee), before its
    code is typed; nothing is written (a stale one is left to ``cash_out`` and the sweep)."""
    customer = find_by_msisdn(session, msisdn)
    if customer is None:
        raise RecipientNotFound("No PostCash customer at this number.")
    waiting = session.scalars(
        select(Transfer)
        .where(
            Transfer.from_customer_id == customer.id,
            Transfer.type == "withdrawal",
            Transfer.status == PENDING,
        )
        .order_by(Transfer.created_at)
    ).all()
    live = [w for w in waiting if not is_stale(w)]
    if not live:
        raise OtpExpired(
            "No pending withdrawal for this number: already paid, cancelled or expired."
        )
    return live[0]


def cash_in(
    session: Session, agent: StaffUser, *, msisdn: str, amount: int, client_key: str | None = None
) -> Transfer:
    """The customer hands over cash; their wallet is credited from the agent's float at once."""
    ensure_open(session, agent)
    customer = find_by_msisdn(session, msisdn)
    if customer is None or customer.status == "frozen":
        raise RecipientNotFound("No PostCash customer at this number.")
    limits.check_incoming(session, customer, amount)
    config = settings(session)
    commission = fees.commission(config, "cashin", amount, 0)
    now = clock.now()
    transfer = Transfer(
        id=str(uuid.uuid4()),
        reference=new_reference(session),
        type="cashin",
        status=PENDING,
        channel="agent",
        amount=amount,
        fee=0,
        commission=commission,
        currency=config.CURRENCY,
        initiator_id=agent.id,
        client_key=client_key,
        to_customer_id=customer.id,
        to_msisdn=customer.msisdn,
        agent_id=agent.id,
        created_at=now,
        meta={
            "from": {"name": counter_label(agent), "msisdn": None},
            "to": {"name": customer.display_name, "msisdn": customer.msisdn},
        },
    )
    session.add(transfer)
    session.flush()
    entry = ledger.post_entry(
        session,
        key=f"cashin:{transfer.id}",
        kind="cashin",
        legs=[
            ledger.debit(chart.float_account(agent.id), amount),
            ledger.credit(chart.wallet(customer.id), amount),
            *commission_legs(agent.id, commission),
        ],
        reference=transfer.reference,
        meta={"transfer_id": transfer.id, "type": "cashin", "fee": 0, **(transfer.meta or {})},
    )
    transfer.entry_id = entry.id
    return mark_completed(session, transfer)


def cash_out(session: Session, agent: StaffUser, *, msisdn: str, code: str) -> Transfer:
    """Pay a customer's pending withdrawal against its code."""
    from app.otp.service import verify_challenge

    if not isinstance(code, str) or not code.isdigit() or len(code) != 6:
        raise ValidationFailed({"code": ["Must be the customer's 6-digit withdrawal code."]})
    ensure_open(session, agent)
    customer = find_by_msisdn(session, msisdn)
    if customer is None:
        raise RecipientNotFound("No PostCash customer at this number.")
    pending = [
        w for w in lock_pending_withdrawals(session, customer.id) if not expire_if_stale(session, w)
    ]
    if not pending:
        raise OtpExpired(
            "No pending withdrawal for this number: already paid, cancelled or expired.",
            commit=True,
        )
    withdrawal = pending[0]
    try:
        verify_challenge(
            session, withdrawal.challenge_id or "", code, withdrawal_binding(withdrawal)
        )
    except OtpAttemptsExceeded as exc:
        close_pending(session, withdrawal, "failed", "too many wrong codes at the counter")
        exc.commit = True
        raise
    except OtpExpired as exc:
        close_pending(session, withdrawal, "expired", "code expired before the counter")
        exc.commit = True
        raise
    return _pay(session, agent, withdrawal)


def _pay(session: Session, agent: StaffUser, withdrawal: Transfer) -> Transfer:
    config = settings(session)
    commission = fees.commission(config, "cashout", withdrawal.amount, withdrawal.fee)
    assert withdrawal.hold_entry_id is not None and withdrawal.from_customer_id is not None
    ledger.void_pending(session, withdrawal.hold_entry_id, "paid at a counter")
    legs = [
        ledger.debit(chart.wallet(withdrawal.from_customer_id), withdrawal.total),
        ledger.credit(chart.float_account(agent.id), withdrawal.amount),
        *commission_legs(agent.id, commission),
    ]
    if withdrawal.fee:
        legs.append(ledger.credit(chart.fees("cashout"), withdrawal.fee))
    meta = dict(withdrawal.meta or {})
    meta["to"] = {"name": counter_label(agent), "msisdn": None}
    withdrawal.meta = meta
    entry = ledger.post_entry(
        session,
        key=f"withdrawal:{withdrawal.id}:paid",
        kind="cashout",
        legs=legs,
        reference=withdrawal.reference,
        meta={"transfer_id": withdrawal.id, "type": "withdrawal", "fee": withdrawal.fee, **meta},
    )
    withdrawal.entry_id = entry.id
    withdrawal.agent_id = agent.id
    withdrawal.commission = commission
    return mark_completed(session, withdrawal)


def topup_float(
    session: Session, agent: StaffUser, *, amount: int, key: str, by_admin_id: str
) -> ledger.PostedEntry:
    """Move money from the trust bank to an agent's float (the admin records the deposit)."""
    entry = ledger.post_entry(
        session,
        key=ledger.entry_key("float_topup", key),
        kind="float_topup",
        legs=[
            ledger.debit(chart.TRUST_BANK, amount),
            ledger.credit(chart.float_account(agent.id), amount),
        ],
        meta={"agent_id": agent.id, "by": by_admin_id},
    )
    return entry


def return_float(
    session: Session, agent: StaffUser, *, amount: int, key: str, by_id: str
) -> ledger.PostedEntry:
    """Move excess float back to the trust bank (the agent deposits the cash at the bank).

    Refuses more than the float's available balance with ``insufficient_funds``
    before posting; the ledger refuses it again under the account's lock (a float
    never overdraws), so a cash-out racing the return cannot leave it negative.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed({"amount": ["Must be a positive integer amount."]})
    available = ledger.balance(session, chart.float_account(agent.id)).available
    if amount > available:
        raise InsufficientFunds(
            "The float holds less than the amount to return.", available=available
        )
    return ledger.post_entry(
        session,
        key=ledger.entry_key("float_return", key),
        kind="float_return",
        legs=[
            ledger.debit(chart.float_account(agent.id), amount),
            ledger.credit(chart.TRUST_BANK, amount),
        ],
        meta={"agent_id": agent.id, "by": by_id},
    )
