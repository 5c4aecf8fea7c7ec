"""The till of a counter (issue 16): the day's figures, closing the day, closed for business.

The Poto-Poto counter starts the day (28 November 2026, Brazzaville) with
200 000 FCFA of float. Awa deposits 15 000 in cash, withdraws 10 000 (fee 300),
Marie sends 15 000 to Jean in cash (fee 500): the figures must be the
ledger's, the close must be recorded once, and after it the counter refuses
cash operations until the next day.
"""

from datetime import date

import pytest
from flask import render_template
from sqlalchemy import func, select

from app import ledger
from app.agents import cash, till
from app.agents.errors import TillClosed
from app.agents.models import StaffUser, TillClosure
from app.agents.staff import get_agent
from app.audit import AuditEvent
from app.db import transaction
from app.errors import NotFound, ValidationFailed
from app.ledger import chart
from app.receipts import END_OF_DAY_TEMPLATE, end_of_day_context
from app.remittances.counter import pay_out, send_cash
from app.transfers.withdrawals import create_withdrawal
from tests import factories

DAY = date(2026, 11, 28)  # the frozen clock: 28 November 2026, 10:00 in Brazzaville
JEAN = "+242069990001"
MARIE = "+242055550001"


@pytest.fixture
def counter(runtime, clock):
    clock.advance(days=-1)  # the float arrived the day before
    with transaction(runtime) as session:
        agent = factories.agent(session, float_balance=200_000, username="guichet.pp")
    clock.advance(days=1)
    return agent


def cash_in(runtime, counter, awa, amount=15_000):
    with transaction(runtime) as session:
        return cash.cash_in(
            session, get_agent(session, counter.id), msisdn=awa.msisdn, amount=amount
        )


def cash_out(runtime, counter, awa, amount=10_000):
    with transaction(runtime) as session:
        code = create_withdrawal(session, session.merge(awa), amount=amount).code
    with transaction(runtime) as session:
        return cash.cash_out(session, get_agent(session, counter.id), msisdn=awa.msisdn, code=code)


def send(runtime, counter, amount=15_000):
    with transaction(runtime) as session:
        return send_cash(
            session,
            get_agent(session, counter.id),
            sender={"name": "Marie Nkounkou", "msisdn": MARIE},
            recipient={"name": "Jean Okemba", "msisdn": JEAN},
            amount=amount,
        )


def summary(runtime, counter, day=DAY):
    with transaction(runtime) as session:
        return till.day_summary(session, get_agent(session, counter.id), day)


def close(runtime, counter, day=DAY, counted_cash=None):
    with transaction(runtime) as session:
        closure = till.close_day(session, get_agent(session, counter.id), day, counted_cash)
        return closure.id, closure.closed_at, closure.counted_cash


def float_posted(runtime, counter):
    with transaction(runtime) as session:
        return ledger.balance(session, chart.float_account(counter.id)).posted


@pytest.fixture
def busy_day(runtime, clock, counter, awa):
    cash_in(runtime, counter, awa, 15_000)
    clock.advance(minutes=30)
    cash_out(runtime, counter, awa, 10_000)
    clock.advance(minutes=30)
    send(runtime, counter, 15_000)
    clock.advance(minutes=30)


def test_the_day_starts_with_the_float_of_the_morning(runtime, counter):
    day = summary(runtime, counter)

    assert (day.opening_float, day.closing_float, day.count) == (200_000, 200_000, 0)
    assert day.operations == () and day.totals == ()
    assert not day.final and not day.closed


def test_the_day_lists_each_operation_with_its_brazzaville_time(runtime, counter, busy_day):
    day = summary(runtime, counter)

    assert [(op.operation, op.time_local) for op in day.operations] == [
        ("cashin", "10:00"),
        ("cashout", "10:30"),
        ("remittance_send", "11:00"),
    ]
    assert [op.label for op in day.operations] == [
        "Dépôt d'espèces",
        "Retrait d'espèces",
        "Envoi de mandat en espèces",
    ]
    assert day.day_label == "samedi 28 novembre 2026"


def test_the_figures_are_the_ledgers(runtime, counter, busy_day):
    day = summary(runtime, counter)

    assert day.opening_float == 200_000
    assert day.closing_float == float_posted(runtime, counter)
    # cash-in -15 000 +30 commission; cash-out +10 000 +120; send -15 500 +150
    assert day.closing_float == 200_000 - 15_000 + 30 + 10_000 + 120 - 15_500 + 150
    assert day.commission == 30 + 120 + 150
    assert (day.count, day.fees) == (3, 300 + 500)
    assert (day.cash_in, day.cash_out) == (15_000 + 15_500, 10_000)


def test_totals_are_given_per_operation_type(runtime, counter, awa, busy_day):
    cash_in(runtime, counter, awa, 5_000)

    totals = {
        t.operation: (t.count, t.amount, t.fees, t.commission)
        for t in summary(runtime, counter).totals
    }

    assert totals == {
        "cashin": (2, 20_000, 0, 40),
        "cashout": (1, 10_000, 300, 120),
        "remittance_send": (1, 15_000, 500, 150),
    }


def test_another_day_has_its_own_figures(runtime, clock, counter, busy_day, awa):
    clock.advance(days=1)
    cash_in(runtime, counter, awa, 5_000)

    yesterday = summary(runtime, counter, DAY)
    today = summary(runtime, counter, date(2026, 11, 29))

    assert yesterday.final and yesterday.count == 3
    assert today.opening_float == yesterday.closing_float
    assert today.count == 1


def test_closing_records_the_figures_of_that_moment(runtime, counter, busy_day):
    before = summary(runtime, counter)

    close(runtime, counter, counted_cash=150_000)

    day = summary(runtime, counter)
    assert day.closed and day.final
    assert (day.opening_float, day.closing_float, day.commission, day.count) == (
        before.opening_float,
        before.closing_float,
        before.commission,
        before.count,
    )
    assert day.operations == before.operations and day.totals == before.totals
    assert day.counted_cash == 150_000
    assert day.closed_at_local == "28 novembre 2026 à 11:30"


def test_closing_twice_returns_the_same_closure(runtime, clock, counter, busy_day):
    first = close(runtime, counter, counted_cash=150_000)
    clock.advance(minutes=5)

    assert close(runtime, counter, counted_cash=1) == first
    with transaction(runtime) as session:
        assert session.scalar(select(func.count()).select_from(TillClosure)) == 1


def test_the_close_is_audited_once(runtime, counter, busy_day):
    close(runtime, counter, counted_cash=150_000)
    close(runtime, counter)

    with transaction(runtime) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "till.close")).all()
    assert [(e.actor_id, e.target_id) for e in events] == [(counter.id, counter.id)]
    assert events[0].after["counted_cash"] == 150_000


def test_a_closed_day_reads_the_stored_figures_even_if_the_float_moves(
    runtime, clock, counter, busy_day
):
    close(runtime, counter)
    closed = summary(runtime, counter)
    clock.advance(minutes=10)
    with transaction(runtime) as session:  # an admin tops the float up after the close
        factories.fund(session, chart.float_account(counter.id), 50_000)

    assert summary(runtime, counter).closing_float == closed.closing_float
    assert float_posted(runtime, counter) == closed.closing_float + 50_000


def test_after_closing_every_cash_operation_is_refused_until_tomorrow(
    app, runtime, clock, counter, awa, busy_day
):
    send(runtime, counter, 5_000)  # to be paid out after the close
    close(runtime, counter)
    with transaction(runtime) as session:
        code = create_withdrawal(session, session.merge(awa), amount=2_000).code
    float_then = float_posted(runtime, counter)

    with pytest.raises(TillClosed):
        cash_in(runtime, counter, awa)
    with pytest.raises(TillClosed):
        send(runtime, counter)
    with transaction(runtime) as session, pytest.raises(TillClosed):
        cash.cash_out(session, get_agent(session, counter.id), msisdn=awa.msisdn, code=code)
    with transaction(runtime) as session, pytest.raises(TillClosed):
        pay_out(
            session,
            get_agent(session, counter.id),
            code=factories.sms_code(app, JEAN),
            recipient_id_type="national_id",
            recipient_id_number="CG123456",
        )

    assert float_posted(runtime, counter) == float_then
    assert summary(runtime, counter).count == 4
    clock.advance(days=1)
    assert cash_in(runtime, counter, awa, 1_000).status == "completed"


def test_till_closed_is_a_clear_refusal(runtime, counter, awa):
    close(runtime, counter)

    with pytest.raises(TillClosed) as refused:
        cash_in(runtime, counter, awa)

    assert refused.value.code == "till_closed"
    assert refused.value.status == 409


def test_a_closed_till_refuses_only_its_own_counter(runtime, counter, awa):
    with transaction(runtime) as session:
        neighbour = factories.agent(session, float_balance=50_000)
    close(runtime, counter)

    assert cash_in(runtime, neighbour, awa, 1_000).status == "completed"


def test_closing_yesterday_refuses_nothing_today(runtime, clock, counter, awa, busy_day):
    clock.advance(days=1)

    close(runtime, counter, DAY)

    assert summary(runtime, counter, DAY).closed
    assert cash_in(runtime, counter, awa, 1_000).status == "completed"


def test_a_day_to_come_cannot_be_closed(runtime, counter):
    with pytest.raises(ValidationFailed):
        close(runtime, counter, date(2026, 11, 29))


@pytest.mark.parametrize("counted", [-1, 1.5, True, "100"])
def test_the_counted_cash_is_whole_francs(runtime, counter, counted):
    with pytest.raises(ValidationFailed):
        close(runtime, counter, counted_cash=counted)


def test_the_end_of_day_page_prints_the_figures(app, runtime, counter, busy_day):
    close(runtime, counter, counted_cash=150_000)
    day = summary(runtime, counter)

    with app.test_request_context():
        page = render_template(END_OF_DAY_TEMPLATE, **end_of_day_context(day))

    assert "Arrêté de caisse" in page and "samedi 28 novembre 2026" in page
    assert "Caisse clôturée le 28 novembre 2026 à 11:30" in page
    assert "200 000 FCFA" in page  # opening float
    assert day.money(day.closing_float) in page
    assert "150 000 FCFA" in page  # counted
    for op in day.operations:
        assert f'data-operation="{op.reference}"' in page
    assert 'data-total="cashout"' in page


def test_the_end_of_day_page_of_an_open_day_says_its_figures_may_move(app, runtime, counter):
    with app.test_request_context():
        page = render_template(END_OF_DAY_TEMPLATE, **end_of_day_context(summary(runtime, counter)))

    assert "Caisse ouverte" in page and "Fonds de caisse actuel" in page
    assert "Aucune opération ce jour." in page


@pytest.fixture
def supervisor(runtime):
    with transaction(runtime) as session:
        return factories.supervisor(session)


@pytest.fixture
def other_office_agent(runtime):
    with transaction(runtime) as session:
        return factories.agent(
            session,
            float_balance=50_000,
            username="guichet.bc",
            post_office="Bureau de poste de Bacongo",
            post_office_code="BZV-BC",
        )


def staff(session, who):
    return session.get(StaffUser, who.id)


def test_a_supervisor_sees_the_day_of_each_agent_of_their_office_only(
    runtime, counter, awa, supervisor, other_office_agent
):
    cash_in(runtime, counter, awa)
    with transaction(runtime) as session:
        days = till.office_day(session, staff(session, supervisor), DAY)
    assert [(d.agent, d.opening_float, d.count, d.closed) for d in days] == [
        ("guichet.pp", 200_000, 1, False)
    ]


def test_a_supervisor_opens_an_agent_of_their_office(runtime, counter, supervisor):
    with transaction(runtime) as session:
        agent = till.office_agent(session, staff(session, supervisor), counter.id)
    assert agent.username == "guichet.pp"


def test_another_offices_agent_is_not_found_for_a_supervisor(
    runtime, supervisor, other_office_agent
):
    with transaction(runtime) as session, pytest.raises(NotFound):
        till.office_agent(session, staff(session, supervisor), other_office_agent.id)


def test_an_agent_is_not_a_supervisor(runtime, counter):
    with transaction(runtime) as session, pytest.raises(NotFound):
        till.office_day(session, staff(session, counter), DAY)
