"""Row locks on customers' tables, in one place.

A change of state happens while holding the row's lock (``SELECT … FOR UPDATE``
on PostgreSQL; SQLite serialises writers), so whoever comes second sees what
the first one left: a registration verified meanwhile is gone.

Customer rows are the first locks of the domain's order (docs/LEDGER.md,
"Locking and hot accounts": customer rows, then the payments' own rows, then
ledger accounts), taken ``FOR NO KEY UPDATE``: a row inserted elsewhere that
refers to the customer (a transfer of a bulk payout) takes only a key-share
lock, which this does not wait for. ``lock_customers`` remembers, per
transaction, the rows it already holds, so a payment that locks its two
customers up front and then checks each one's limits (which lock the row they
read) takes each lock once.
"""

from __future__ import annotations

import weakref
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, SessionTransaction

from app.customers.models import Customer, Registration

# The customer ids locked by each open (sub)transaction. A rolled-back savepoint
# releases what it locked on PostgreSQL, and a released one hands its locks to its
# parent: both are forgotten here with the savepoint, at worst locking a row again.
_held: weakref.WeakKeyDictionary[SessionTransaction, set[str]] = weakref.WeakKeyDictionary()


def _current(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


def _already_held(session: Session) -> set[str]:
    held: set[str] = set()
    transaction = _current(session)
    while transaction is not None:
        if transaction.is_active:
            held |= _held.get(transaction, set())
        transaction = transaction.parent
    return held


def lock_customers(session: Session, *customers: Customer) -> None:
    """Hold the rows of ``customers`` until the commit, in id order.

    Rows this transaction already holds are not locked again; when a payment has
    two customers, lock both in one call, before either is locked alone, so two
    payments between the same people in opposite directions cannot deadlock.
    """
    ids = sorted({c.id for c in customers} - _already_held(session))
    if not ids:
        return
    session.execute(_lock_ids(), {"ids": ids}).all()
    transaction = _current(session)
    if transaction is not None:
        _held.setdefault(transaction, set()).update(ids)


@cache
def _lock_ids() -> Select[Any]:
    # Built once: every payment locks its customers (building it cost more CPU than running it).
    return (
        select(Customer.id)
        .where(Customer.id.in_(bindparam("ids", expanding=True)))
        .order_by(Customer.id)
        .with_for_update(key_share=True)
    )


def lock_customer(session: Session, customer_id: str) -> Customer | None:
    """The customer's row, locked ``FOR NO KEY UPDATE`` and read afresh; None if unknown."""
    customer = session.scalar(
        select(Customer)
        .where(Customer.id == customer_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if customer is not None:
        transaction = _current(session)
        if transaction is not None:
            _held.setdefault(transaction, set()).add(customer.id)
    return customer


def lock_registration(session: Session, registration_id: str) -> Registration | None:
    return session.scalar(
        select(Registration)
        .where(Registration.id == registration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
