"""Opening and reading livrets: one per product per customer, its owner's only.

A livret's money is the ledger account ``savings:<id>`` (``chart.savings``), a
liability that never overdraws: its balance is read from the ledger, never kept
here. Opening writes no money (the first deposit must reach the product's
``min_opening``, ``movements.py``).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import ledger
from app.clock import clock, local_today
from app.customers import limits
from app.customers.models import Customer
from app.customers.service import ensure_can_transact
from app.db import settings
from app.ledger import chart
from app.principal import Principal
from app.savings.errors import SavingsAccountExists, SavingsAccountNotFound
from app.savings.models import AccrualDay, SavingsAccount
from app.savings.products import get_product

NUMBER_PREFIX = "EP"  # épargne postale; then 10 digits


def _new_number(session: Session) -> str:
    while True:
        number = NUMBER_PREFIX + "".join(secrets.choice("0123456789") for _ in range(10))
        if session.scalar(select(SavingsAccount.id).where(SavingsAccount.number == number)) is None:
            return number


def last_accrued_day(session: Session) -> date | None:
    """The last day the daily accrual has provisioned (None before the first run)."""
    day: date | None = session.scalar(select(func.max(AccrualDay.day)))
    return day


def open_savings_account(session: Session, customer: Customer, product_code: str) -> SavingsAccount:
    """Open the customer's livret of ``product_code``; a second one is a conflict (409).

    The customer's row is locked first, so two requests racing to open the same
    product find each other (the unique constraint is the last guard).
    """
    product = get_product(settings(session), product_code)
    ensure_can_transact(customer)
    limits.lock_customers(session, customer)
    existing = session.scalar(
        select(SavingsAccount.id).where(
            SavingsAccount.customer_id == customer.id, SavingsAccount.product == product.code
        )
    )
    if existing is not None:
        raise SavingsAccountExists(
            "A savings account of this product is already open.", account_id=existing
        )
    # Nothing to provision before today; never behind the accrual already run.
    accrued_through = local_today() - timedelta(days=1)
    last = last_accrued_day(session)
    if last is not None and last > accrued_through:
        accrued_through = last
    account = SavingsAccount(
        id=str(uuid.uuid4()),
        number=_new_number(session),
        customer_id=customer.id,
        product=product.code,
        status="active",
        opened_at=clock.now(),
        accrued_through=accrued_through,
        closing=0,
        earning=0,
        accrued_in_fortnight=0,
        accrued_interest=0,
    )
    session.add(account)
    session.flush()
    ledger.open_account(
        session,
        chart.savings(account.id),
        "liability",
        settings(session).CURRENCY,
        allow_overdraft=False,
        name=f"Livret {account.number}",
    )
    return account


def accounts_of(session: Session, customer_id: str) -> list[SavingsAccount]:
    return list(
        session.scalars(
            select(SavingsAccount)
            .where(SavingsAccount.customer_id == customer_id)
            .order_by(SavingsAccount.opened_at, SavingsAccount.id)
        )
    )


def all_accounts(session: Session, *, limit: int = 100) -> list[SavingsAccount]:
    return list(
        session.scalars(
            select(SavingsAccount).order_by(SavingsAccount.opened_at.desc()).limit(limit)
        )
    )


def readable_account(session: Session, account_id: str, principal: Principal) -> SavingsAccount:
    """The account if ``principal`` owns it (or is an admin); NotFound otherwise
    (the same answer as for an id that does not exist: no existence leak)."""
    account = session.get(SavingsAccount, account_id)
    if account is None:
        raise SavingsAccountNotFound()
    if principal.role == "admin" or (
        principal.role == "customer" and account.customer_id == principal.id
    ):
        return account
    raise SavingsAccountNotFound()


def owned_account(session: Session, account_id: str, customer_id: str) -> SavingsAccount:
    """The customer's own account (NotFound for anyone else's)."""
    account = session.get(SavingsAccount, account_id)
    if account is None or account.customer_id != customer_id:
        raise SavingsAccountNotFound()
    return account


def account_view(session: Session, account: SavingsAccount) -> dict[str, Any]:
    """API.md's savings account object: its balance from the ledger, the interest
    provisioned and not yet capitalised, the rate its current fortnight earns."""
    product = get_product(settings(session), account.product)
    return {
        "id": account.id,
        "number": account.number,
        "product": account.product,
        "status": account.status,
        "balance": ledger.balance(session, chart.savings(account.id)).posted,
        "accrued_interest": account.accrued_interest,
        "annual_rate_bp": product.rate_on(local_today()),
        "opened_at": account.opened_at,
        "currency": settings(session).CURRENCY,
    }


def main_account(session: Session, customer_id: str) -> SavingsAccount:
    """The customer's livret the phone channels act on (their first one); NotFound
    when they have none (USSD and SMS say how to open one)."""
    found = accounts_of(session, customer_id)
    if not found:
        raise SavingsAccountNotFound("No savings account yet.")
    return found[0]


def summary(session: Session, customer: Customer) -> dict[str, Any]:
    """What USSD and SMS tell about the livret: number, balance, interest so far, rate."""
    return account_view(session, main_account(session, customer.id))
