"""The daily provision and the yearly capitalisation of livrets, run by the sweep.

Figures are checked against the pure quinzaine function (app/savings/quinzaine.py):
the sweep's set-based pass must book, day by day and in total, what the clerk's
arithmetic says.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.reports.safeguarding import safeguarding_positions
from app.savings import accrual
from app.savings.models import AccrualDay, Capitalisation
from app.savings.quinzaine import Movement, provision_through, yearly_interest
from tests.integration.savings_story import (
    balance_of,
    days,
    livret,
    put,
    run_sweep,
    saver,
    set_day,
    take,
)

RATE = 250
YEAR = 2027
# Two savers' years: deposits and withdrawals on days a clerk would pick.
PLAN = {
    0: [(date(YEAR, 1, 2), 100_000), (date(YEAR, 3, 3), 100_000), (date(YEAR, 3, 16), 100_000)],
    1: [(date(YEAR, 1, 2), 300_000), (date(YEAR, 1, 14), -50_000), (date(YEAR, 2, 16), -30_000)],
}
LAST = date(YEAR, 3, 31)


def play(runtime, clock, *, sweep_daily: bool) -> dict[int, str]:
    """Open both livrets on 2 January, make the planned movements on their days and,
    if ``sweep_daily``, run the sweep every morning; else once, on 1 April."""
    set_day(clock, date(YEAR, 1, 2))
    savers = {n: saver(runtime) for n in PLAN}
    for day in days(date(YEAR, 1, 2), LAST):
        set_day(clock, day, hour=9)
        if sweep_daily:
            run_sweep(runtime)
        set_day(clock, day, hour=11)
        for n, plan in PLAN.items():
            customer_id, account_id = savers[n]
            for when, amount in plan:
                if when == day:
                    (put if amount > 0 else take)(runtime, customer_id, account_id, abs(amount))
    set_day(clock, LAST + timedelta(days=1), hour=9)
    run_sweep(runtime)
    return {n: account_id for n, (_customer, account_id) in savers.items()}


def expected_day_totals() -> list[int]:
    totals = []
    for day in days(date(YEAR, 1, 2), LAST):
        total = 0
        for plan in PLAN.values():
            moves = [Movement(d, a) for d, a in plan]
            total += (
                provision_through(moves, day, RATE)
                - provision_through(moves, day - timedelta(days=1), RATE)
                if day.day != 1 or day.month != 1
                else provision_through(moves, day, RATE)
            )
        totals.append(total)
    return totals


def booked_day_totals(runtime) -> list[int]:
    with transaction(runtime) as session:
        rows = session.execute(
            select(AccrualDay.day, AccrualDay.total).order_by(AccrualDay.day)
        ).all()
    return [total for day, total in rows if day >= date(YEAR, 1, 2)]


@pytest.mark.parametrize("sweep_daily", [True, False], ids=["daily", "catch_up"])
def test_the_sweep_books_each_day_what_the_quinzaine_rule_says(runtime, clock, sweep_daily):
    livrets = play(runtime, clock, sweep_daily=sweep_daily)
    assert booked_day_totals(runtime) == expected_day_totals()
    for n, account_id in livrets.items():
        moves = [Movement(d, a) for d, a in PLAN[n]]
        assert livret(runtime, account_id).accrued_interest == provision_through(moves, LAST, RATE)
    with transaction(runtime) as session:
        accrued = ledger.balance(session, chart.SAVINGS_ACCRUED_INTEREST).posted
    assert accrued == sum(
        provision_through([Movement(d, a) for d, a in plan], LAST, RATE) for plan in PLAN.values()
    )


def test_the_sweep_run_twice_the_same_morning_books_nothing_more(runtime, clock):
    set_day(clock, date(YEAR, 1, 2))
    customer_id, account_id = saver(runtime)
    put(runtime, customer_id, account_id, 200_000)
    set_day(clock, date(YEAR, 2, 1), hour=9)
    assert run_sweep(runtime) == 30  # 2 to 31 January
    with transaction(runtime) as session:
        entries = session.scalar(select(func.count()).select_from(ledger.Entry))
    assert run_sweep(runtime) == 0
    with transaction(runtime) as session:
        assert session.scalar(select(func.count()).select_from(ledger.Entry)) == entries
    assert livret(runtime, account_id).accrued_interest == 208  # 16-31 January


def test_a_crash_in_the_middle_of_a_catch_up_pays_nothing_twice(runtime, clock, monkeypatch):
    set_day(clock, date(YEAR, 1, 2))
    customer_id, account_id = saver(runtime)
    put(runtime, customer_id, account_id, 200_000)
    set_day(clock, date(YEAR, 3, 1), hour=9)
    real = accrual.accrue_day

    def crash_on_10_february(session, day):
        row = real(session, day)
        if day == date(YEAR, 2, 10):
            raise RuntimeError("worker killed")
        return row

    monkeypatch.setattr(accrual, "accrue_day", crash_on_10_february)
    with pytest.raises(RuntimeError):
        run_sweep(runtime)
    monkeypatch.setattr(accrual, "accrue_day", real)
    run_sweep(runtime)
    assert livret(runtime, account_id).accrued_interest == 3 * 208  # to 28 February
    assert booked_day_totals(runtime) == [
        provision_through([Movement(date(YEAR, 1, 2), 200_000)], d, RATE)
        - provision_through([Movement(date(YEAR, 1, 2), 200_000)], d - timedelta(days=1), RATE)
        for d in days(date(YEAR, 1, 2), date(YEAR, 2, 28))
    ]


def test_crossing_31_december_capitalises_the_year_less_the_tax(runtime, clock):
    """100 000 on 3 March and 100 000 on 16 March: 3 848 gross, 577 tax, 3 271 net."""
    set_day(clock, date(YEAR, 3, 3))
    customer_id, account_id = saver(runtime)
    put(runtime, customer_id, account_id, 100_000)
    set_day(clock, date(YEAR, 3, 16))
    put(runtime, customer_id, account_id, 100_000)
    set_day(clock, date(YEAR + 1, 1, 2), hour=9)
    run_sweep(runtime)
    moves = [Movement(date(YEAR, 3, 3), 100_000), Movement(date(YEAR, 3, 16), 100_000)]
    assert yearly_interest(moves, YEAR, RATE) == 3_848
    assert balance_of(runtime, account_id) == 200_000 + 3_848 - 577
    with transaction(runtime) as session:
        cap = session.get(Capitalisation, date(YEAR, 12, 31))
        assert (cap.accounts, cap.gross, cap.tax, cap.net) == (1, 3_848, 577, 3_271)
        assert ledger.balance(session, chart.SAVINGS_TAX_PAYABLE).posted == 577
    # 1 January 2028 earns on 203 271 (the interest is a deposit of 31 December)
    assert livret(runtime, account_id).accrued_interest == 203_271 * RATE // 240_000 * 1 // 15


def test_capitalising_the_same_day_twice_pays_nothing_twice(runtime, clock):
    set_day(clock, date(YEAR, 1, 2))
    customer_id, account_id = saver(runtime)
    put(runtime, customer_id, account_id, 200_000)
    set_day(clock, date(YEAR, 7, 1), hour=9)
    with transaction(runtime) as session:
        first = accrual.capitalise(session, date(YEAR, 6, 30))
    with transaction(runtime) as session:
        again = accrual.capitalise(session, date(YEAR, 6, 30))
    assert first == again
    assert first.gross == 11 * 208  # 16 January to 30 June
    assert balance_of(runtime, account_id) == 200_000 + first.net


def test_a_capitalisation_in_the_middle_of_a_fortnight_keeps_the_open_fortnight(runtime, clock):
    set_day(clock, date(YEAR, 1, 2))
    customer_id, account_id = saver(runtime)
    put(runtime, customer_id, account_id, 200_000)
    set_day(clock, date(YEAR, 2, 11), hour=9)
    with transaction(runtime) as session:
        result = accrual.capitalise(session, date(YEAR, 2, 10))
    assert result.gross == 208  # 16-31 January, the only fortnight completed
    assert livret(runtime, account_id).accrued_interest == 208 * 10 // 15


def test_savings_count_in_safeguarding(runtime, clock):
    set_day(clock, date(YEAR, 1, 2))
    customer_id, account_id = saver(runtime)
    put(runtime, customer_id, account_id, 200_000)
    set_day(clock, date(YEAR, 2, 1), hour=9)
    run_sweep(runtime)
    with transaction(runtime) as session:
        (position,) = safeguarding_positions(session)
    assert position.ok
    assert position.by_account_type["savings"] == 200_000
    assert "interest" in position.by_account_type  # the provision and its expense
