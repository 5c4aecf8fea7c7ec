"""Real races on PostgreSQL: two closes of one till, a cash-in racing the close.

The close and every counter cash operation take the till's lock
(``agents.locks.lock_till``) first: two closes make one closure, and an
operation is either in the closed figures or refused with ``till_closed``,
never committed into a day whose figures were already frozen without it.
"""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from app import ledger
from app.agents import cash, till
from app.agents.models import TillClosure
from app.agents.staff import get_agent
from app.db import transaction
from app.ledger import chart
from tests import factories
from tests.concurrency import RACERS, race

pytestmark = pytest.mark.postgres_only

DAY = date(2026, 11, 28)


@pytest.fixture
def counter(runtime, clock):
    clock.advance(days=-1)
    with transaction(runtime) as session:
        agent = factories.agent(session, float_balance=100_000)
    clock.advance(days=1)
    return agent


def closures(runtime):
    with transaction(runtime) as session:
        return session.scalar(select(func.count()).select_from(TillClosure))


def test_racing_closes_make_one_closure(app, runtime, counter):
    outcomes = race(
        app,
        runtime,
        RACERS,
        lambda session, i: till.close_day(session, get_agent(session, counter.id), DAY, i).id,
    )

    assert len(set(outcomes)) == 1 and isinstance(outcomes[0], int)
    assert closures(runtime) == 1


def test_a_cash_in_under_way_is_counted_by_the_close_that_waits_for_it(
    app, runtime, monkeypatch, counter, awa
):
    passed_the_till = threading.Barrier(2, timeout=10)
    original = cash.ensure_open

    def open_then_meet(session, agent):
        original(session, agent)
        passed_the_till.wait()  # the close starts while this cash-in holds the till

    monkeypatch.setattr(cash, "ensure_open", open_then_meet)

    def work(session, i):
        agent = get_agent(session, counter.id)
        if i == 0:
            return cash.cash_in(session, agent, msisdn=awa.msisdn, amount=10_000).status
        passed_the_till.wait()
        return till.close_day(session, agent, DAY).operations_count

    assert race(app, runtime, 2, work) == ["completed", 1]
    with transaction(runtime) as session:
        closed = till.day_summary(session, get_agent(session, counter.id), DAY)
        float_now = ledger.balance(session, chart.float_account(counter.id)).posted
    assert closed.closing_float == float_now == 100_000 - 10_000 + 20


def test_cash_ins_racing_a_close_are_counted_or_refused(app, runtime, counter, awa):
    def work(session, i):
        agent = get_agent(session, counter.id)
        if i == 0:
            return ("closed", till.close_day(session, agent, DAY).operations_count)
        return cash.cash_in(session, agent, msisdn=awa.msisdn, amount=1_000).status

    outcomes = race(app, runtime, RACERS, work)

    counted = outcomes[0][1]
    assert outcomes[1:].count("completed") == counted, outcomes
    assert outcomes[1:].count("till_closed") == RACERS - 1 - counted, outcomes
    with transaction(runtime) as session:
        closed = till.day_summary(session, get_agent(session, counter.id), DAY)
        float_now = ledger.balance(session, chart.float_account(counter.id)).posted
    assert closed.closing_float == float_now
