"""A payment takes each customer's row lock once (customers/locks.lock_customers).

A P2P locks its two customers together, in id order, before reading their limits;
the limit checks that follow lock the row they read, which this transaction
already holds: no second ``SELECT … FOR NO KEY UPDATE`` for it. A lock released
with its savepoint or its transaction is taken again.
"""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.customers import limits
from app.customers.locks import lock_customers
from app.customers.service import get_customer
from app.transfers import p2p, withdrawals
from tests import factories
from tests.concurrency import committed

pytestmark = pytest.mark.postgres_only


@contextmanager
def customer_locks(runtime):
    """The statements that lock customer rows, as they are sent."""
    sent = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        if "FROM customers" in statement and "FOR NO KEY UPDATE" in statement:
            sent.append(statement)

    engine = runtime.database.engine
    event.listen(engine, "before_cursor_execute", watch)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", watch)


def test_a_p2p_locks_its_two_customers_once(runtime):
    awa, bruno = committed(
        runtime, lambda s: (factories.customer(s, balance=50_000), factories.customer(s))
    )
    with customer_locks(runtime) as sent, runtime.unit_of_work() as uow:
        s = uow.session
        p2p.place_p2p(s, get_customer(s, awa.id), to=bruno.msisdn, amount=5_000)
    assert len(sent) == 1, sent


def test_a_withdrawal_locks_its_customer_once(runtime):
    awa = committed(runtime, lambda s: factories.customer(s, balance=50_000))
    with customer_locks(runtime) as sent, runtime.unit_of_work() as uow:
        withdrawals.create_withdrawal(uow.session, get_customer(uow.session, awa.id), amount=5_000)
    assert len(sent) == 1, sent


def test_a_row_locked_before_is_not_locked_again_in_the_same_transaction(runtime):
    awa = committed(runtime, lambda s: factories.customer(s))
    with customer_locks(runtime) as sent, runtime.unit_of_work() as uow:
        customer = get_customer(uow.session, awa.id)
        lock_customers(uow.session, customer)
        limits.check_incoming(uow.session, customer, 1_000)
        lock_customers(uow.session, customer)
    assert len(sent) == 1


def test_a_rolled_back_savepoint_gives_its_locks_back(runtime):
    awa = committed(runtime, lambda s: factories.customer(s))
    with customer_locks(runtime) as sent, runtime.unit_of_work() as uow:
        customer = get_customer(uow.session, awa.id)
        savepoint = uow.session.begin_nested()
        lock_customers(uow.session, customer)
        savepoint.rollback()
        lock_customers(uow.session, customer)
    assert len(sent) == 2


def test_the_next_transaction_locks_again(runtime):
    awa = committed(runtime, lambda s: factories.customer(s))
    with customer_locks(runtime) as sent:
        for _ in range(2):
            with runtime.unit_of_work() as uow:
                lock_customers(uow.session, get_customer(uow.session, awa.id))
    assert len(sent) == 2
