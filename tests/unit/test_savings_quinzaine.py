"""The quinzaine rule, as a savings clerk checks it (docs/API.md "Postal savings").

The demo livret earns 2.5 % a year (250 bp): a fortnight earns
``balance * 250 / 10 000 / 24``, i.e. a 960th of the balance, rounded down to
the franc per fortnight. 100 000 FCFA earn 104 FCFA a fortnight (104.17),
200 000 earn 208 (208.33), 150 000 earn 156 (156.25).
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.savings.quinzaine import (
    Movement,
    RateChange,
    day_in_fortnight,
    fortnight_breakdown,
    fortnight_days,
    fortnight_index,
    fortnight_start,
    provision_through,
    yearly_interest,
)

RATE = 250
YEAR = 2027  # not a leap year
TAX_BP = 1_500


def deposit(day: date, amount: int) -> Movement:
    return Movement(day, amount)


def withdrawal(day: date, amount: int) -> Movement:
    return Movement(day, -amount)


def test_the_year_has_24_fortnights_the_1st_to_15th_and_the_16th_to_the_end():
    assert fortnight_index(date(YEAR, 1, 1)) == 0
    assert fortnight_index(date(YEAR, 1, 15)) == 0
    assert fortnight_index(date(YEAR, 1, 16)) == 1
    assert fortnight_index(date(YEAR, 12, 31)) == 23
    assert fortnight_start(YEAR, 24) == date(YEAR + 1, 1, 1)


def test_a_deposit_on_the_3rd_earns_from_the_16th_and_one_on_the_16th_from_the_1st():
    """100 000 deposited on 3 March, 100 000 more on 16 March."""
    movements = [deposit(date(YEAR, 3, 3), 100_000), deposit(date(YEAR, 3, 16), 100_000)]
    sheet = {
        start: interest
        for start, _balance, _rate, interest in fortnight_breakdown(movements, YEAR, RATE)
    }
    assert sheet[date(YEAR, 3, 1)] == 0  # 1-15 March: the deposit of the 3rd does not earn yet
    assert sheet[date(YEAR, 3, 16)] == 104  # 16-31 March: 100 000 earn
    assert sheet[date(YEAR, 4, 1)] == 208  # from 1 April: 200 000 earn
    # 104 for 16-31 March, then 18 fortnights of 208 from April to December
    assert yearly_interest(movements, YEAR, RATE) == 104 + 18 * 208 == 3_848


def test_a_withdrawal_on_the_15th_stops_earning_on_the_1st_one_on_the_16th_on_the_16th():
    """200 000 carried into the year, 50 000 withdrawn in March."""
    on_15th = [withdrawal(date(YEAR, 3, 15), 50_000)]
    on_16th = [withdrawal(date(YEAR, 3, 16), 50_000)]
    # the 15th: 1-15 March already earns on 150 000 (4 fortnights of 208, 20 of 156)
    assert yearly_interest(on_15th, YEAR, RATE, opening=200_000) == 4 * 208 + 20 * 156 == 3_952
    # the 16th: 1-15 March earned on 200 000 (5 fortnights of 208, 19 of 156)
    assert yearly_interest(on_16th, YEAR, RATE, opening=200_000) == 5 * 208 + 19 * 156 == 4_004


def test_a_leap_year_earns_the_same_its_february_fortnight_is_a_day_longer():
    movements_2027 = [deposit(date(2027, 2, 10), 100_000)]
    movements_2028 = [deposit(date(2028, 2, 10), 100_000)]
    assert fortnight_days(2027, 3) == 13  # 16-28 February
    assert fortnight_days(2028, 3) == 14  # 16-29 February
    assert (
        yearly_interest(movements_2028, 2028, RATE)
        == yearly_interest(movements_2027, 2027, RATE)
        == 21 * 104  # from 16 February: 21 fortnights
    )
    # the provision of 16-29 February 2028 is complete on the 29th, not the 28th
    assert provision_through(movements_2028, date(2028, 2, 28), RATE) == 104 * 13 // 14
    assert provision_through(movements_2028, date(2028, 2, 29), RATE) == 104


def test_an_account_opened_mid_year_earns_from_the_fortnight_after_its_first_deposit():
    """Opened on 10 June with 50 000: earns from 16 June, 13 fortnights of 52."""
    movements = [deposit(date(YEAR, 6, 10), 50_000)]
    assert yearly_interest(movements, YEAR, RATE) == 13 * 52 == 676


def test_a_rate_change_on_1_july_applies_from_the_next_fortnight():
    """240 000 all year; the rate goes from 2.5 % to 3 % by a decision of 1 July."""
    change = (RateChange(date(YEAR, 7, 1), 300),)
    sheet = fortnight_breakdown([], YEAR, RATE, change, opening=240_000)
    rates = {start: rate for start, _balance, rate, _interest in sheet}
    assert rates[date(YEAR, 7, 1)] == 250  # 1-15 July: still the old rate
    assert rates[date(YEAR, 7, 16)] == 300
    # 13 fortnights of 250 (January to 15 July), 11 of 300
    assert yearly_interest([], YEAR, RATE, change, opening=240_000) == 13 * 250 + 11 * 300


def test_each_fortnight_is_rounded_down_before_the_year_is_added_up():
    """1 000 FCFA earn 1.04 a fortnight: 1 franc, so 24 a year (not 25)."""
    assert yearly_interest([], YEAR, RATE, opening=1_000) == 24


def test_the_tax_is_withheld_on_the_gross_rounded_down():
    gross = 3_848
    assert gross * TAX_BP // 10_000 == 577  # 577.2: the customer is credited 3 271


def test_a_withdrawal_of_money_deposited_the_same_fortnight_never_earns_below_zero():
    movements = [deposit(date(YEAR, 5, 2), 10_000), withdrawal(date(YEAR, 5, 5), 5_000)]
    sheet = fortnight_breakdown(movements, YEAR, RATE)
    assert all(balance >= 0 for _start, balance, _rate, _interest in sheet)
    assert yearly_interest(movements, YEAR, RATE) == 15 * (5_000 * RATE // 240_000)


def test_the_daily_provision_spreads_a_fortnight_over_its_days():
    """100 000 earning over 16-31 March (16 days, 104 FCFA): 6 after the first day."""
    movements = [deposit(date(YEAR, 3, 3), 100_000)]
    assert day_in_fortnight(date(YEAR, 3, 16)) == (1, 16)
    assert provision_through(movements, date(YEAR, 3, 16), RATE) == 6
    assert provision_through(movements, date(YEAR, 3, 23), RATE) == 52
    assert provision_through(movements, date(YEAR, 3, 31), RATE) == 104


def test_a_withdrawal_late_in_a_fortnight_takes_back_its_provision():
    movements = [withdrawal(date(YEAR, 1, 14), 100_000)]
    assert provision_through(movements, date(YEAR, 1, 13), RATE, opening=100_000) == 104 * 13 // 15
    assert provision_through(movements, date(YEAR, 1, 14), RATE, opening=100_000) == 0


# -- properties ---------------------------------------------------------------------

days_of_year = st.integers(min_value=0, max_value=364).map(
    lambda n: date(YEAR, 1, 1) + timedelta(n)
)
amounts = st.integers(min_value=1, max_value=5_000_000)


def first_day_of_its_fortnight(day: date) -> date:
    return fortnight_start(day.year, fortnight_index(day))


@given(st.lists(st.tuples(days_of_year, amounts), min_size=1, max_size=12), st.data())
def test_interest_depends_on_the_fortnight_of_a_deposit_never_on_its_day(deposits, data):
    moved = []
    for day, amount in deposits:
        start = first_day_of_its_fortnight(day)
        n = fortnight_days(start.year, fortnight_index(start))
        other = start + timedelta(days=data.draw(st.integers(min_value=0, max_value=n - 1)))
        moved.append(deposit(other, amount))
    original = [deposit(day, amount) for day, amount in deposits]
    assert yearly_interest(moved, YEAR, RATE) == yearly_interest(original, YEAR, RATE)


@given(
    st.lists(
        st.tuples(days_of_year, st.integers(min_value=-300_000, max_value=300_000)), max_size=20
    ),
    st.integers(min_value=0, max_value=1_000_000),
)
def test_the_provision_on_31_december_is_the_year_interest(movements, opening):
    moves = [Movement(day, amount) for day, amount in movements if amount]
    assert provision_through(moves, date(YEAR, 12, 31), RATE, opening=opening) == yearly_interest(
        moves, YEAR, RATE, opening=opening
    )
