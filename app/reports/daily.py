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
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from app.clock import LOCAL_TZ, local_day_bounds
from app.customers.models import Customer
from app.ledger.models import Account, Entry, Posting
from app.reports.totals import OperationTotals, Source

_SOURCES: dict[str, Source] = {}


def register_source(name: str, source: Source) -> None:
    """Add (or replace, by name) the operations of a package to the daily report."""
    _SOURCES[name] = source


def operations(session: Session, start: datetime, end: datetime) -> list[OperationTotals]:
    merged: dict[str, list[int]] = {}
    for source in _SOURCES.values():
        for line in source(session, start, end):
            row = merged.setdefault(line.operation, [0, 0, 0, 0])
            row[0] += line.count
            row[1] += line.amount
            row[2] += line.fees
            row[3] += line.commissions
    return [OperationTotals(name, *row) for name, row in sorted(merged.items())]


def _ledger_movements(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Net movement, on the account's normal side, of income and expense accounts in the day."""
    net = func.sum(case((Posting.side == "credit", Posting.amount), else_=-Posting.amount))
    rows = session.execute(
        select(Account.code, Account.type, net)
        .select_from(Posting)
        .join(Entry, Entry.id == Posting.entry_id)
        .join(Account, Account.id == Posting.account_id)
        .where(
            Account.type.in_(("income", "expense")),
            Entry.status == "posted",
            Entry.posted_at >= start,
            Entry.posted_at < end,
        )
        .group_by(Account.code, Account.type)
        .order_by(Account.code)
    ).all()
    return {code: int(v or 0) if t == "income" else -int(v or 0) for code, t, v in rows}


def _active_wallets(session: Session, start: datetime, end: datetime) -> int:
    """Wallets with at least one posted movement in the day."""
    return int(
        session.scalar(
            select(func.count(distinct(Posting.account_id)))
            .join(Entry, Entry.id == Posting.entry_id)
            .join(Account, Account.id == Posting.account_id)
            .where(
                Account.code.like("wallet:%"),
                Entry.status == "posted",
                Entry.posted_at >= start,
                Entry.posted_at < end,
            )
        )
        or 0
    )


def _new_customers(session: Session, start: datetime, end: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Customer)
            .where(Customer.created_at >= start, Customer.created_at < end)
        )
        or 0
    )


def daily_report(session: Session, day: date, currency: str = "XAF") -> dict[str, Any]:
    """The report of one business day; the same figures feed the JSON and the CSV."""
    start, end = local_day_bounds(day)
    lines = operations(session, start, end)
    movements = _ledger_movements(session, start, end)
    fees = {code: v for code, v in movements.items() if code.startswith("fees:")}
    commissions = {code: v for code, v in movements.items() if not code.startswith("fees:")}
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
        "new_customers": _new_customers(session, start, end),
        "active_wallets": _active_wallets(session, start, end),
    }
