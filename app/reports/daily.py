"""The operator's day: volumes and values per operation type, fees, commissions, customers.

A business day is a calendar day in Brazzaville time (``local_day_bounds``).
Operations come from *sources*, each registered with ``register_source(name,
source)`` by the application factory (``register_domain_hooks``): transfers and
remittances (``sources.py``); a package whose operations live in its own tables
adds its own (a package whose payments are
``Transfer`` rows — bills, merchant payments, disbursements — is already
counted and must not register them again). Fees and commissions are also read
from the ledger (what the income and commission accounts actually moved), so
an operation type no source knows about still shows up in the money.

Every query here answers for a range of consecutive days at once, numbered in
SQL (``totals.day_index``): the daily report is the range of one day, the back
office's dashboard (``dashboard.py``) the range of 30, from the same queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from app.clock import LOCAL_TZ, local_day_bounds
from app.customers.models import Customer
from app.ledger.models import Account, Entry, Posting
from app.reports.totals import (
    EVERYWHERE,
    DayTotals,
    OperationTotals,
    Scope,
    Source,
    day_index,
    in_range,
)

_SOURCES: dict[str, Source] = {}


def register_source(name: str, source: Source) -> None:
    """Add (or replace, by name) the operations of a package to the daily report."""
    _SOURCES[name] = source


def day_bounds(first: date, last: date) -> list[datetime]:
    """The UTC instants that cut the business days ``first`` … ``last`` (n + 1 of them)."""
    if last < first:
        raise ValueError("the range ends before it starts")
    days = (last - first).days + 1
    starts = [local_day_bounds(first + timedelta(days=n))[0] for n in range(days)]
    return [*starts, local_day_bounds(last)[1]]


def operations_by_day(
    session: Session, bounds: Sequence[datetime], scope: Scope = EVERYWHERE
) -> list[DayTotals]:
    """Every source's lines of the range, per day, operation type and channel."""
    merged: dict[tuple[int, str, str], list[int]] = {}
    for source in _SOURCES.values():
        for line in source(session, bounds, scope):
            row = merged.setdefault((line.day, line.operation, line.channel), [0, 0, 0, 0])
            row[0] += line.count
            row[1] += line.amount
            row[2] += line.fees
            row[3] += line.commissions
    return [DayTotals(*key, *row) for key, row in sorted(merged.items())]


def operations(session: Session, start: datetime, end: datetime) -> list[OperationTotals]:
    """The lines of ``[start, end)`` per operation type, whatever the channel."""
    merged: dict[str, list[int]] = {}
    for line in operations_by_day(session, [start, end]):
        row = merged.setdefault(line.operation, [0, 0, 0, 0])
        row[0] += line.count
        row[1] += line.amount
        row[2] += line.fees
        row[3] += line.commissions
    return [OperationTotals(name, *row) for name, row in sorted(merged.items())]


def ledger_movements_by_day(
    session: Session, bounds: Sequence[datetime]
) -> dict[int, dict[str, int]]:
    """Per day, the net movement, on the account's normal side, of each income and
    expense account (fees charged, commissions paid, interest served)."""
    net = case((Posting.side == "credit", Posting.amount), else_=-Posting.amount)
    sub = (
        select(
            day_index(Entry.posted_at, bounds).label("day"),
            Account.code.label("code"),
            Account.type.label("type"),
            net.label("net"),
        )
        .select_from(Posting)
        .join(Entry, Entry.id == Posting.entry_id)
        .join(Account, Account.id == Posting.account_id)
        .where(
            Account.type.in_(("income", "expense")),
            Entry.status == "posted",
            in_range(Entry.posted_at, bounds),
        )
        .subquery()
    )
    rows = session.execute(
        select(sub.c.day, sub.c.code, sub.c.type, func.sum(sub.c.net))
        .group_by(sub.c.day, sub.c.code, sub.c.type)
        .order_by(sub.c.day, sub.c.code)
    ).all()
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for day, code, kind, value in rows:
        found[int(day)][code] = int(value or 0) if kind == "income" else -int(value or 0)
    return found


def active_wallets_by_day(session: Session, bounds: Sequence[datetime]) -> dict[int, int]:
    """Per day, the wallets with at least one posted movement that day."""
    sub = (
        select(day_index(Entry.posted_at, bounds).label("day"), Posting.account_id)
        .join(Entry, Entry.id == Posting.entry_id)
        .join(Account, Account.id == Posting.account_id)
        .where(
            Account.code.like("wallet:%"),
            Entry.status == "posted",
            in_range(Entry.posted_at, bounds),
        )
        .subquery()
    )
    rows = session.execute(
        select(sub.c.day, func.count(distinct(sub.c.account_id))).group_by(sub.c.day)
    ).all()
    return {int(day): int(count) for day, count in rows}


def new_customers_by_day(session: Session, bounds: Sequence[datetime]) -> dict[int, int]:
    """Per day, the customers who registered that day."""
    sub = (
        select(day_index(Customer.created_at, bounds).label("day"))
        .where(in_range(Customer.created_at, bounds))
        .subquery()
    )
    rows = session.execute(select(sub.c.day, func.count()).group_by(sub.c.day)).all()
    return {int(day): int(count) for day, count in rows}


def split_movements(movements: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """(fees, commissions): the income accounts ``fees:*``, and every other income or
    expense account (agents' commissions, interest served)."""
    fees = {code: v for code, v in movements.items() if code.startswith("fees:")}
    commissions = {code: v for code, v in movements.items() if not code.startswith("fees:")}
    return fees, commissions


def daily_report(session: Session, day: date, currency: str = "XAF") -> dict[str, Any]:
    """The report of one business day; the same figures feed the JSON and the CSV."""
    start, end = local_day_bounds(day)
    lines = operations(session, start, end)
    movements = ledger_movements_by_day(session, [start, end]).get(0, {})
    fees, commissions = split_movements(movements)
    return {
        "date": day.isoformat(),
        "timezone": LOCAL_TZ.key,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "currency": currency,
        "operations": [asdict(line) for line in lines],
        "totals": {
            "count": sum(line.count for line in lines),
            "amount": sum(line.amount for line in lines),
            "fees": sum(line.fees for line in lines),
            "commissions": sum(line.commissions for line in lines),
        },
        "ledger": {
            "fees": fees,
            "fees_total": sum(fees.values()),
            "commissions": commissions,
            "commissions_total": sum(commissions.values()),
        },
        "new_customers": new_customers_by_day(session, [start, end]).get(0, 0),
        "active_wallets": active_wallets_by_day(session, [start, end]).get(0, 0),
    }
