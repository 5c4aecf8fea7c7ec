"""What a source of the daily report returns, and the SQL that cuts time into days.

Its own module so that the report (``daily.py``) and the sources that feed it
(``sources.py``, and any package's) import it without importing each other.

A source answers for a *range* of business days in one query per table
(``day_index`` numbers each row's day in SQL), so the daily report (one day) and
the back office's dashboard (30 days) read the same queries: the one-day report
is the range of one day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

# How the dashboard names the channel an operation came through, from the
# ``channel`` the payment tables record. Partners and payers call the REST API;
# ``web`` is the customers' web portal; ``bulk`` (disbursement batches) and
# ``system`` (a returned remittance) are nobody's channel: they go to ``other``, as
# would a value added tomorrow. The first four are always shown, the others when used.
CHANNELS = ("rest", "ussd", "sms", "counter", "web", "other")
ALWAYS_SHOWN = CHANNELS[:4]
CHANNEL_OF = {
    "web": "web",
    "api": "rest",
    "partner": "rest",
    "payer": "rest",
    "ussd": "ussd",
    "sms": "sms",
    "agent": "counter",
}


def channel_of(recorded: str | None) -> str:
    return CHANNEL_OF.get(recorded or "", "other")


@dataclass(frozen=True, slots=True)
class OperationTotals:
    """One operation type's day: how many, how much, the fees charged, commissions paid."""

    operation: str
    count: int
    amount: int
    fees: int
    commissions: int


@dataclass(frozen=True, slots=True)
class DayTotals:
    """One operation type through one channel on day number ``day`` of a range."""

    day: int
    operation: str
    channel: str
    count: int
    amount: int
    fees: int
    commissions: int


@dataclass(frozen=True, slots=True)
class Scope:
    """Which operations a source counts: all (``office=None``) or those made at the
    counters of one post office (its agents, by ``staff_users.post_office_code``)."""

    office: str | None = None


EVERYWHERE = Scope()

Source = Callable[[Session, Sequence[datetime], Scope], Iterable[DayTotals]]
"""``source(session, bounds, scope)``: ``bounds`` are the ``n + 1`` UTC instants that
cut ``n`` consecutive business days; each row says which day (0 … n-1) it falls in."""


def day_index(column: Any, bounds: Sequence[datetime]) -> ColumnElement[Any]:
    """The number of the day ``column`` falls in (NULL before or after the range).

    A CASE over the day boundaries rather than date arithmetic: it holds whatever
    the time zone does, reads the same on SQLite and PostgreSQL, and costs at most
    30 comparisons a row. Group by it through a subquery (PostgreSQL does not see
    two copies of an expression with bound parameters as the same one)."""
    if len(bounds) < 2:
        raise ValueError("a range of days needs at least two bounds")
    return case(
        *[(column < end, number) for number, end in enumerate(bounds[1:])],
        else_=None,
    )


def in_range(column: Any, bounds: Sequence[datetime]) -> ColumnElement[bool]:
    return (column >= bounds[0]) & (column < bounds[-1])
