"""Racing payments on PostgreSQL cannot together pass a customer's KYC caps: each payment
locks its customers' rows before reading what they already used."""

import pytest
from sqlalchemy import func, select

from app.customers import limits
from app.customers.service import get_customer
from app.errors import InvalidState, LimitExceeded
from app.transfers import p2p, withdrawals
from app.transfers.models import Transfer
from tests import factories
from tests.concurrency import RACERS, committed, together

pytestmark = pytest.mark.postgres_only


def test_racing_transfers_cannot_together_pass_the_daily_limit(runtime):
    awa = committed(runtime, lambda s: factories.customer(s, balance=400_000))
    payees = committed(runtime, lambda s: [factories.customer(s) for _ in range(RACERS)])

    def send(i):
        return committed(
            runtime,
            lambda s: (
                p2p.place_p2p(s, get_customer(s, awa.id), to=payees[i].msisdn, amount=80_000).id
            ),
        )

    outcomes = together(RACERS, send)  # each 80 000 + fee 500, against a daily cap of 200 000
    with runtime.unit_of_work() as uow:
        used = limits.usage(uow.session, get_customer(uow.session, awa.id))["daily"]
    assert used == 2 * 80_500, outcomes
    assert sum(isinstance(o, str) for o in outcomes) == 2, outcomes
    assert sum(isinstance(o, LimitExceeded) for o in outcomes) == RACERS - 2, outcomes


def test_racing_credits_cannot_together_pass_the_balance_cap(runtime):
    bruno = committed(runtime, lambda s: factories.customer(s))  # basic: holds 200 000
    senders = committed(
        runtime,
        lambda s: [factories.customer(s, balance=160_000, tier="standard") for _ in range(RACERS)],
    )

    def send(i):
        return committed(
            runtime,
            lambda s: (
                p2p.place_p2p(s, get_customer(s, senders[i].id), to=bruno.msisdn, amount=150_000).id
            ),
        )

    outcomes = together(RACERS, send)
    assert sum(isinstance(o, str) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, LimitExceeded) for o in outcomes) == RACERS - 1, outcomes


def test_payments_both_ways_between_two_customers_do_not_deadlock(runtime):
    pair = committed(runtime, lambda s: [factories.customer(s, balance=100_000) for _ in range(2)])

    def send(i):
        payer, payee = pair[i % 2], pair[1 - i % 2]
        return committed(
            runtime,
            lambda s: (
                p2p.place_p2p(s, get_customer(s, payer.id), to=payee.msisdn, amount=1_000).status
            ),
        )

    assert together(RACERS, send) == ["pending_confirmation"] * RACERS


def test_racing_withdrawal_requests_leave_one_pending_code(runtime):
    awa = committed(runtime, lambda s: factories.customer(s, balance=100_000))

    def ask(_):
        return committed(
            runtime,
            lambda s: (
                withdrawals.create_withdrawal(s, get_customer(s, awa.id), amount=10_000).transfer.id
            ),
        )

    outcomes = together(RACERS, ask)
    with runtime.unit_of_work() as uow:
        pending = uow.session.scalar(
            select(func.count()).where(
                Transfer.from_customer_id == awa.id, Transfer.status == "pending_confirmation"
            )
        )
    assert pending == 1, outcomes
    assert sum(isinstance(o, InvalidState) for o in outcomes) == RACERS - 1, outcomes
