"""Money into and out of a livret: deposits from the wallet or in cash at a counter,
withdrawals to the wallet confirmed by the SMS code (REST) or the PIN (USSD).

Every movement is a ``Transfer`` (``savings_deposit``, ``savings_withdrawal``),
so it has a reference, appears on the wallet's statement and follows the
payment skeleton (``transfers/pending.py``), and a ``SavingsMovement`` dated on
its local day, which the quinzaine rule reads (``accrual.py``).

* A deposit from the wallet is posted at once (wallet → ``savings:<id>``, no
  fee); it counts against the wallet's outgoing KYC limits like any debit of the
  wallet (the ledger's outflow counts it anyway). The livret's row is locked to
  check its balance cap and, on the first deposit, the minimum opening.
* A cash deposit at a counter debits the agent's float instead.
* A withdrawal holds the amount on the livret until its code or PIN, and the
  wallet's balance cap (``limits.check_incoming``) applies to what comes back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.agents.cash import counter_label
from app.agents.models import StaffUser
from app.agents.till import ensure_open
from app.clock import clock, local_today
from app.customers import limits
from app.customers.models import Customer
from app.customers.service import ensure_can_transact, get_customer
from app.db import settings
from app.errors import AccountFrozen, InvalidState
from app.fees import Quote
from app.ledger import chart
from app.money import format_amount
from app.savings.accounts import owned_account
from app.savings.errors import BelowMinimumOpening, SavingsAccountNotFound, SavingsBalanceCap
from app.savings.locks import lock_savings_account
from app.savings.models import SavingsAccount, SavingsMovement
from app.savings.products import get_product
from app.transfers import pending
from app.transfers.lifecycle import mark_completed
from app.transfers.models import Transfer
from app.transfers.p2p import TRANSFERS
from app.transfers.references import new_reference

DEPOSIT = "savings_deposit"
WITHDRAWAL = "savings_withdrawal"


def livret_label(account: SavingsAccount) -> str:
    """How statements and receipts name a livret: "Livret EP0123456789"."""
    return f"Livret {account.number}"


def _check_deposit(session: Session, account: SavingsAccount, amount: int) -> None:
    """Under the livret's row lock: the first deposit reaches the minimum opening,
    no deposit takes the livret above its cap."""
    if account.status != "active":
        raise InvalidState(f"The savings account is {account.status}.")
    product = get_product(settings(session), account.product)
    balance = ledger.balance(session, chart.savings(account.id)).posted
    first = (
        session.scalar(
            select(SavingsMovement.id).where(
                SavingsMovement.account_id == account.id, SavingsMovement.kind == "deposit"
            )
        )
        is None
    )
    if first and balance == 0 and amount < product.min_opening:
        raise BelowMinimumOpening(
            f"The first deposit must be at least {format_amount(product.min_opening)}.",
            limit="min_opening",
            minimum=product.min_opening,
        )
    if balance + amount > product.max_balance:
        raise SavingsBalanceCap(
            f"The savings account may hold at most {format_amount(product.max_balance)}.",
            limit="savings_balance",
            remaining=max(product.max_balance - balance, 0),
        )


def record_movement(
    session: Session, account_id: str, kind: str, amount: int, transfer_id: str | None
) -> SavingsMovement:
    """The movement the quinzaine rule reads, on today's local day."""
    movement = SavingsMovement(
        account_id=account_id,
        day=local_today(),
        kind=kind,
        amount=amount,
        transfer_id=transfer_id,
        created_at=clock.now(),
    )
    session.add(movement)
    session.flush()
    return movement


def _posted_deposit(
    session: Session,
    account: SavingsAccount,
    owner: Customer,
    *,
    amount: int,
    source: str,
    initiator_id: str,
    channel: str,
    agent_id: str | None,
    from_: dict[str, Any],
    client_key: str | None,
) -> Transfer:
    now = clock.now()
    meta = {
        "from": from_,
        "to": {"name": livret_label(account), "msisdn": None},
        "savings_account_id": account.id,
    }
    transfer = Transfer(
        id=str(uuid.uuid4()),
        reference=new_reference(session),
        type=DEPOSIT,
        status=pending.PENDING,
        channel=channel,
        amount=amount,
        fee=0,
        commission=0,
        currency=settings(session).CURRENCY,
        initiator_id=initiator_id,
        client_key=client_key,
        from_customer_id=owner.id if agent_id is None else None,
        from_msisdn=owner.msisdn if agent_id is None else None,
        to_customer_id=owner.id,
        to_msisdn=owner.msisdn,
        agent_id=agent_id,
        created_at=now,
        meta=meta,
    )
    session.add(transfer)
    session.flush()
    entry = ledger.post_entry(
        session,
        key=f"savings_deposit:{transfer.id}",
        kind=DEPOSIT,
        legs=[ledger.debit(source, amount), ledger.credit(chart.savings(account.id), amount)],
        reference=transfer.reference,
        meta={"transfer_id": transfer.id, "type": DEPOSIT, "fee": 0, **meta},
    )
    transfer.entry_id = entry.id
    record_movement(session, account.id, "deposit", amount, transfer.id)
    return mark_completed(session, transfer)


def deposit_from_wallet(
    session: Session,
    customer: Customer,
    account_id: str,
    *,
    amount: int,
    channel: str = "api",
    client_key: str | None = None,
) -> Transfer:
    """Move ``amount`` from the customer's wallet into their livret, at once, no fee.

    Locks: the customer (the wallet's limits, and against a P2P send racing for
    the same money), then the livret's row, then the ledger's accounts.
    """
    ensure_can_transact(customer)
    owned_account(session, account_id, customer.id)
    if client_key:
        earlier = session.scalar(
            select(Transfer).where(
                Transfer.initiator_id == customer.id, Transfer.client_key == client_key
            )
        )
        if earlier is not None:  # a retried USSD step: the first deposit, unchanged
            return earlier
    limits.check_outgoing(session, customer, amount, 0)
    account = lock_savings_account(session, account_id)
    assert account is not None  # read just above; a livret is never deleted
    _check_deposit(session, account, amount)
    return _posted_deposit(
        session,
        account,
        customer,
        amount=amount,
        source=chart.wallet(customer.id),
        initiator_id=customer.id,
        channel=channel,
        agent_id=None,
        from_={"name": customer.display_name, "msisdn": customer.msisdn},
        client_key=client_key,
    )


@dataclass(frozen=True, slots=True)
class CashDepositQuote:
    """What the counter confirms before taking the cash: whose livret, how much."""

    account_number: str
    owner_name: str
    amount: int


def quote_cash_deposit(session: Session, *, account_number: str, amount: int) -> CashDepositQuote:
    """The checks of ``deposit_cash`` (the livret, its owner, the minimum and the cap),
    without a lock or a write: the counter's confirmation screen."""
    number = account_number.strip().upper() if isinstance(account_number, str) else ""
    account = session.scalar(select(SavingsAccount).where(SavingsAccount.number == number))
    if account is None:
        raise SavingsAccountNotFound("No savings account has this number.")
    owner = get_customer(session, account.customer_id)
    if owner.status == "frozen":
        raise AccountFrozen("This customer's accounts are frozen.")
    _check_deposit(session, account, amount)
    return CashDepositQuote(account.number, owner.display_name, amount)


def deposit_cash(
    session: Session, agent: StaffUser, *, account_number: str, amount: int
) -> Transfer:
    """Cash handed over at the counter: the agent's float → the livret, at once.

    Counted in the agent's till like every cash operation, so refused once the day
    is closed (``till_closed``): the till lock comes first, before the customer's."""
    ensure_open(session, agent)
    account = session.scalar(
        select(SavingsAccount).where(SavingsAccount.number == account_number.strip().upper())
    )
    if account is None:
        raise SavingsAccountNotFound("No savings account has this number.")
    owner = get_customer(session, account.customer_id)
    if owner.status == "frozen":
        raise AccountFrozen("This customer's accounts are frozen.")
    limits.lock_customers(session, owner)
    locked = lock_savings_account(session, account.id)
    assert locked is not None  # found just above
    _check_deposit(session, locked, amount)
    return _posted_deposit(
        session,
        locked,
        owner,
        amount=amount,
        source=chart.float_account(agent.id),
        initiator_id=agent.id,
        channel="agent",
        agent_id=agent.id,
        from_={"name": counter_label(agent), "msisdn": None},
        client_key=None,
    )


@dataclass(kw_only=True)
class SavingsWithdrawalOrder(pending.Order[Transfer]):
    """Bring ``amount`` back from the livret ``account_id`` into the wallet: held on the
    livret until the SMS code (``/transfers/{id}/confirm``) or the PIN (USSD); the
    wallet's balance cap counts it (``check_incoming``)."""

    account_id: str
    account: SavingsAccount = field(init=False)

    flow = TRANSFERS
    fee_type = "savings"
    hold = (WITHDRAWAL, "savings_withdrawal:{id}")

    def check(self, session: Session, payer: Customer) -> dict[str, Any]:
        self.account = owned_account(session, self.account_id, payer.id)
        if self.account.status != "active":
            raise InvalidState(f"The savings account is {self.account.status}.")
        return {"amount": self.amount, "type": WITHDRAWAL}

    def check_limits(self, session: Session, payer: Customer, quote: Quote) -> None:
        limits.lock_customers(session, payer)
        limits.check_incoming(session, payer, quote.amount)

    def legs(self, payer: Customer, quote: Quote) -> list[ledger.Leg]:
        return [
            ledger.debit(chart.savings(self.account.id), quote.amount),
            ledger.credit(chart.wallet(payer.id), quote.amount),
        ]

    def fields(self, payer: Customer) -> dict[str, Any]:
        return {
            "type": WITHDRAWAL,
            "to_customer_id": payer.id,
            "to_msisdn": payer.msisdn,
            "meta": {
                "from": {"name": livret_label(self.account), "msisdn": None},
                "to": {"name": payer.display_name, "msisdn": payer.msisdn},
                "savings_account_id": self.account.id,
            },
        }

    def entry_meta(self, row: Transfer) -> dict[str, Any]:
        return {"transfer_id": row.id, "type": WITHDRAWAL, "fee": 0, **(row.meta or {})}

    def code_text(self, session: Session, row: Transfer) -> tuple[str, dict[str, Any]]:
        return "sms.otp.savings_withdrawal", {"amount": format_amount(row.amount)}

    def lock_before_pin(self, session: Session, payer: Customer) -> None:
        limits.lock_customers(session, payer)


create_savings_withdrawal = pending.opening(SavingsWithdrawalOrder)
"""Hold the amount on the livret and text the OTP that confirms it (the app's door)."""

withdraw_with_pin = pending.paying_with_pin(SavingsWithdrawalOrder)
"""Withdraw to the wallet at once, authorised by the PIN of the final screen (USSD)."""


def on_withdrawal_completed(session: Session, transfer: Transfer) -> None:
    """The completion hook of a ``savings_withdrawal``: its movement, dated today."""
    account_id = str((transfer.meta or {}).get("savings_account_id") or "")
    if account_id:
        record_movement(session, account_id, "withdrawal", -transfer.amount, transfer.id)
