"""What a wallet sent today and this month, as the KYC caps read it: the running
counter on PostgreSQL (app/customers/outflow.py), the ledger's sums on SQLite.
Either way the numbers are the ledger's; the ``wallet_outflow_counters``
invariant, checked after every test, compares each counter row with the sums."""

import pytest
from sqlalchemy import select, update

from app import fees, ledger
from app.customers import limits
from app.customers.outflow import WalletOutflow, counters_match
from app.customers.service import get_customer
from app.db import transaction
from app.ledger import chart
from tests import factories
from tests.concurrency import RACERS, committed, race


def used(runtime, customer):
    with runtime.unit_of_work() as uow:
        return limits.usage(uow.session, get_customer(uow.session, customer.id))


def total(runtime, amount: int) -> int:
    return fees.quote(runtime.config, "p2p", amount).total


@pytest.fixture
def people(runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=150_000)
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
    return awa, bruno


def send(runtime, sender, to, amount):
    from app.transfers import p2p

    return committed(
        runtime, lambda s: p2p.place_p2p(s, get_customer(s, sender.id), to=to, amount=amount)
    )


def test_a_reservation_counts_at_once_and_its_release_gives_it_back(runtime, people):
    from app.transfers import p2p

    awa, bruno = people
    placed = send(runtime, awa, bruno.msisdn, 10_000)
    assert used(runtime, awa) == {
        "daily": total(runtime, 10_000),
        "monthly": total(runtime, 10_000),
    }

    committed(runtime, lambda s: p2p.cancel_transfer(s, placed.id, awa.id))
    assert used(runtime, awa) == {"daily": 0, "monthly": 0}


def test_a_new_day_starts_from_zero_and_the_month_keeps_counting(runtime, people, clock):
    awa, bruno = people
    send(runtime, awa, bruno.msisdn, 10_000)
    clock.advance(days=1)  # 28 → 29 November: same month
    send(runtime, awa, bruno.msisdn, 5_000)
    assert used(runtime, awa) == {
        "daily": total(runtime, 5_000),
        "monthly": total(runtime, 10_000) + total(runtime, 5_000),
    }


def test_money_received_is_not_outflow(runtime, people):
    awa, bruno = people
    send(runtime, awa, bruno.msisdn, 10_000)
    assert used(runtime, bruno) == {"daily": 0, "monthly": 0}


@pytest.mark.postgres_only
def test_racing_payments_count_exactly_and_stop_at_the_daily_cap(app, runtime):
    """Fifty payments of 30 000 at once against the basic daily cap of 200 000."""
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=150_000, tier="standard")
        session.flush()
        factories.fund(session, chart.wallet(awa.id), 150_000)
        awa.kyc_tier = "basic"  # the basic caps, with money for more than the cap allows
        payees = [factories.customer(session) for _ in range(RACERS)]
    one = total(runtime, 30_000)

    from app.transfers import p2p

    outcomes = race(
        app,
        runtime,
        RACERS,
        lambda s, i: (
            p2p.place_p2p(s, get_customer(s, awa.id), to=payees[i].msisdn, amount=30_000).status
        ),
    )

    placed = outcomes.count("pending_confirmation")
    assert placed == 200_000 // one, outcomes
    assert outcomes.count("limit_exceeded") == RACERS - placed, outcomes
    assert used(runtime, awa)["daily"] == placed * one
    with runtime.unit_of_work() as uow:
        assert counters_match(uow.session).ok


@pytest.mark.postgres_only
@pytest.mark.ledger_broken
def test_a_counter_that_differs_from_the_ledger_is_reported(runtime, people):
    awa, bruno = people
    send(runtime, awa, bruno.msisdn, 10_000)
    with transaction(runtime) as session:
        account = ledger.get_account(session, chart.wallet(awa.id))
        session.execute(
            update(WalletOutflow)
            .where(WalletOutflow.account_id == account.id)
            .values(day_total=WalletOutflow.day_total + 1)
        )
    with runtime.unit_of_work() as uow:
        result = counters_match(uow.session)
        rows = uow.session.scalars(select(WalletOutflow)).all()
    assert len(rows) == 1
    assert not result.ok
    assert result.offending[0]["account"] == chart.wallet(awa.id)
