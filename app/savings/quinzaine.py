"""The postal savings "quinzaine" rule, as pure arithmetic (no database, no clock).

The year is 24 fortnights: the 1st-15th and the 16th-end of each month. Every
movement of a livret gets a *value fortnight*:

* a deposit earns from the first day of the **next** fortnight (a deposit on
  3 March and one on 15 March both earn from 16 March; one on 16 March earns
  from 1 April);
* a withdrawal stops earning from the first day of **its own** fortnight (a
  withdrawal on 15 March stops earning on 1 March; one on 16 March on 16 March).

The *earning balance* of a fortnight is the sum of the movements whose value
fortnight is that one or an earlier one (a balance carried over from last year
included), never below zero: a withdrawal of money deposited in the same
fortnight does not make a fortnight earn less than nothing.

A fortnight earns ``earning balance * annual_rate_bp / 10 000 / 24``.

Rounding, precisely, because a savings clerk must find the same franc:

1. **per fortnight and per account**, the interest is rounded down to the whole
   franc: ``earning * rate_bp // 240 000``; the year's interest is the sum of
   its 24 rounded fortnights (so the year is never computed on an unrounded
   total);
2. the **daily provision** spreads a fortnight's rounded interest over its days:
   after day ``k`` of a fortnight of ``n`` days, ``interest * k // n`` is
   provisioned; on its last day (``k = n``) exactly the fortnight's interest
   is. A withdrawal later in the fortnight lowers what the fortnight earns, and
   the provision of that day goes down accordingly (it may be negative);
3. the **tax** withheld at capitalisation is ``gross * tax_bp // 10 000``,
   rounded down on the year's (capitalised) gross of each account; the account
   is credited ``gross - tax``.

A rate change decided on a day applies from the first fortnight that starts
**after** that day: a change on 1 July applies from 16 July (1-15 July still
earns the old rate).

A leap year changes nothing to the interest (24 fortnights still), only the
length of the second fortnight of February (14 days), so its daily provision.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

FORTNIGHTS = 24
DIVISOR = 10_000 * FORTNIGHTS  # basis points per unit, times fortnights per year


@dataclass(frozen=True, slots=True)
class Movement:
    """A deposit (positive ``amount``) or a withdrawal (negative) made on ``day``."""

    day: date
    amount: int


@dataclass(frozen=True, slots=True)
class RateChange:
    """From the first fortnight starting after ``decided_on``, the rate is ``annual_rate_bp``."""

    decided_on: date
    annual_rate_bp: int


def fortnight_index(day: date) -> int:
    """0 for 1-15 January, 1 for 16-31 January, ..., 23 for 16-31 December."""
    return (day.month - 1) * 2 + (0 if day.day <= 15 else 1)


def fortnight_start(year: int, index: int) -> date:
    """The first day of fortnight ``index`` of ``year`` (index 24 is 1 January next year)."""
    year, index = year + index // FORTNIGHTS, index % FORTNIGHTS
    return date(year, index // 2 + 1, 1 if index % 2 == 0 else 16)


def fortnight_end(year: int, index: int) -> date:
    return fortnight_start(year, index + 1) - timedelta(days=1)


def fortnight_days(year: int, index: int) -> int:
    return (fortnight_end(year, index) - fortnight_start(year, index)).days + 1


def day_in_fortnight(day: date) -> tuple[int, int]:
    """``(k, n)``: ``day`` is the ``k``-th of its fortnight's ``n`` days (1-based)."""
    index = fortnight_index(day)
    start = fortnight_start(day.year, index)
    return (day - start).days + 1, fortnight_days(day.year, index)


def value_fortnight(movement: Movement) -> tuple[int, int]:
    """``(year, index)`` of the fortnight from which a movement counts."""
    index = fortnight_index(movement.day)
    if movement.amount > 0:
        index += 1
    year = movement.day.year + index // FORTNIGHTS
    return year, index % FORTNIGHTS


def rate_for(base_rate_bp: int, changes: Sequence[RateChange], year: int, index: int) -> int:
    """The annual rate a fortnight earns: the last change decided before it starts."""
    start = fortnight_start(year, index)
    rate = base_rate_bp
    for change in sorted(changes, key=lambda c: c.decided_on):
        if change.decided_on < start:
            rate = change.annual_rate_bp
    return rate


def fortnight_interest(earning_balance: int, annual_rate_bp: int) -> int:
    """What one fortnight earns, in whole francs rounded down."""
    return max(earning_balance, 0) * annual_rate_bp // DIVISOR


def provision_after(interest: int, k: int, n: int) -> int:
    """The part of a fortnight's ``interest`` provisioned after its ``k``-th day of ``n``."""
    return interest * k // n


def earning_balances(movements: Iterable[Movement], year: int, opening: int = 0) -> list[int]:
    """The earning balance of each of the 24 fortnights of ``year`` (never below zero).

    ``opening`` is the balance carried into the year (last year's closing balance,
    its capitalised interest included); it earns from 1 January. Movements of other
    years are ignored, except a deposit of 16-31 December last year, which earns
    from 1 January: pass it in ``opening``.
    """
    per_fortnight = [0] * FORTNIGHTS
    for movement in movements:
        value_year, index = value_fortnight(movement)
        if value_year == year:
            per_fortnight[index] += movement.amount
    balances, running = [], opening
    for index in range(FORTNIGHTS):
        running += per_fortnight[index]
        balances.append(max(running, 0))
    return balances


def yearly_interest(
    movements: Iterable[Movement],
    year: int,
    base_rate_bp: int,
    changes: Sequence[RateChange] = (),
    opening: int = 0,
) -> int:
    """The gross interest of ``year``: the sum of its 24 fortnights, each rounded down."""
    return sum(
        fortnight_interest(balance, rate_for(base_rate_bp, changes, year, index))
        for index, balance in enumerate(earning_balances(movements, year, opening))
    )


def fortnight_breakdown(
    movements: Iterable[Movement],
    year: int,
    base_rate_bp: int,
    changes: Sequence[RateChange] = (),
    opening: int = 0,
) -> list[tuple[date, int, int, int]]:
    """``(first day, earning balance, rate, interest)`` of each fortnight: the clerk's sheet."""
    rows = []
    for index, balance in enumerate(earning_balances(movements, year, opening)):
        rate = rate_for(base_rate_bp, changes, year, index)
        rows.append(
            (fortnight_start(year, index), balance, rate, fortnight_interest(balance, rate))
        )
    return rows


def provision_through(
    movements: Iterable[Movement],
    day: date,
    base_rate_bp: int,
    changes: Sequence[RateChange] = (),
    opening: int = 0,
) -> int:
    """The interest provisioned for ``day``'s year at the end of ``day``, counting only
    the movements made up to that day: the completed fortnights in full, the current
    one for its days elapsed (what the daily accrual has booked by then)."""
    known = [m for m in movements if m.day <= day]
    index = fortnight_index(day)
    balances = earning_balances(known, day.year, opening)
    total = sum(
        fortnight_interest(balances[i], rate_for(base_rate_bp, changes, day.year, i))
        for i in range(index)
    )
    current = fortnight_interest(balances[index], rate_for(base_rate_bp, changes, day.year, index))
    k, n = day_in_fortnight(day)
    return total + provision_after(current, k, n)
