"""Racing savings movements on PostgreSQL: a deposit and a P2P send on the same wallet
never overdraw it, two confirmations of one withdrawal pay it once, two deposits
cannot together pass the livret's cap, and two sweeps provision a day once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app import ledger
from app.customers.service import get_customer
from app.errors import InsufficientFunds, LimitExceeded
from app.ledger import chart
from app.savings import accounts, accrual, movements
from app.savings.models import AccrualDay
from app.transfers import p2p
from tests import factories
from tests.concurrency import RACERS, committed, together
from tests.integration.savings_story import set_day

pytestmark = pytest.mark.postgres_only


def livret_of(runtime, customer):
    return committed(runtime, lambda s: accounts.open_savings_account(s, customer, "livret").id)


def test_a_deposit_and_p2p_sends_racing_on_one_wallet_never_overdraw_it(runtime):
    awa = committed(runtime, lambda s: factories.customer(s, balance=60_000, tier="standard"))
    bruno = committed(runtime, lambda s: factories.customer(s))
    account_id = livret_of(runtime, awa)

    def move(i):
        if i == 0:
            return committed(
                runtime,
                lambda s: (
                    movements.deposit_from_wallet(
                        s, get_customer(s, awa.id), account_id, amount=50_000
                    ).id
                ),
            )
        return committed(
            runtime,
            lambda s: p2p.place_p2p(s, get_customer(s, awa.id), to=bruno.msisdn, amount=40_000).id,
        )

    outcomes = together(RACERS, move)  # the deposit, and sends from many phones
    assert sum(isinstance(o, str) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, InsufficientFunds) for o in outcomes) == RACERS - 1, outcomes
    with runtime.unit_of_work() as uow:
        wallet = ledger.balance(uow.session, chart.wallet(awa.id))
    assert wallet.available >= 0


def test_racing_confirmations_of_one_withdrawal_pay_it_once(runtime, app):
    awa = committed(runtime, lambda s: factories.customer(s, balance=60_000))
    account_id = livret_of(runtime, awa)
    committed(
        runtime,
        lambda s: movements.deposit_from_wallet(
            s, get_customer(s, awa.id), account_id, amount=50_000
        ),
    )
    pending = committed(
        runtime,
        lambda s: movements.create_savings_withdrawal(
            s, get_customer(s, awa.id), account_id=account_id, amount=30_000
        ),
    )
    code = factories.sms_code(app, awa.msisdn, digits=6)

    outcomes = together(
        RACERS,
        lambda i: committed(
            runtime, lambda s: p2p.confirm_transfer(s, pending.id, awa.id, code).status
        ),
    )
    assert outcomes == ["completed"] * RACERS, outcomes
    with runtime.unit_of_work() as uow:
        assert ledger.balance(uow.session, chart.savings(account_id)).posted == 20_000
        assert ledger.balance(uow.session, chart.wallet(awa.id)).posted == 40_000


def test_withdrawals_racing_for_the_same_savings_hold_at_most_the_balance(runtime):
    awa = committed(runtime, lambda s: factories.customer(s, balance=60_000))
    account_id = livret_of(runtime, awa)
    committed(
        runtime,
        lambda s: movements.deposit_from_wallet(
            s, get_customer(s, awa.id), account_id, amount=50_000
        ),
    )

    outcomes = together(
        RACERS,
        lambda i: committed(
            runtime,
            lambda s: (
                movements.withdraw_with_pin(
                    s,
                    get_customer(s, awa.id),
                    account_id=account_id,
                    amount=30_000,
                    pin=factories.PIN,
                ).status
            ),
        ),
    )
    assert sorted(map(str, outcomes)).count("completed") == 1, outcomes
    assert sum(isinstance(o, InsufficientFunds) for o in outcomes) == RACERS - 1, outcomes


def test_racing_deposits_cannot_together_pass_the_livret_cap(runtime, app):
    config = runtime.config
    config.SAVINGS_PRODUCTS = {
        "livret": {**config.SAVINGS_PRODUCTS["livret"], "max_balance": 50_000}
    }
    people = committed(
        runtime,
        lambda s: [factories.customer(s, balance=40_000, tier="standard") for _ in range(1)],
    )
    awa = people[0]
    account_id = livret_of(runtime, awa)
    agents = committed(
        runtime, lambda s: [factories.agent(s, float_balance=100_000) for _ in range(5)]
    )
    number = committed(runtime, lambda s: accounts.owned_account(s, account_id, awa.id).number)

    outcomes = together(
        RACERS,  # five counters, each pressing many times
        lambda i: committed(
            runtime,
            lambda s: (
                movements.deposit_cash(
                    s, s.merge(agents[i % 5]), account_number=number, amount=30_000
                ).status
            ),
        ),
    )
    assert sum(isinstance(o, str) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, LimitExceeded) for o in outcomes) == RACERS - 1, outcomes


def test_racing_sweeps_on_the_same_morning_provision_the_day_once(runtime, clock):
    set_day(clock, date(2027, 1, 2))
    awa = committed(runtime, lambda s: factories.customer(s, balance=200_000, tier="standard"))
    account_id = livret_of(runtime, awa)
    committed(
        runtime,
        lambda s: movements.deposit_from_wallet(
            s, get_customer(s, awa.id), account_id, amount=150_000
        ),
    )
    set_day(clock, date(2027, 1, 20), hour=9)
    outcomes = together(
        RACERS,
        lambda i: committed(runtime, lambda s: len(accrual.accrue_until(s, date(2027, 1, 19)))),
    )
    assert all(isinstance(o, int) for o in outcomes), outcomes
    with runtime.unit_of_work() as uow:
        days = uow.session.scalar(select(func.count()).select_from(AccrualDay))
        account = accounts.owned_account(uow.session, account_id, awa.id)
        assert days == 18  # 2 to 19 January, once each
        assert account.accrued_interest == 156 * 4 // 16  # 16-19 January of 150 000
