"""The back office's dashboard: the daily report's figures over a range of days, as charts.

Everything per day comes from the daily report's own queries (``daily.py``,
``sources.py``), asked once for the whole range (the day of each row is
numbered in SQL), so a figure on a chart is the figure ``/admin/reports/daily``
gives for that day. Two figures are of *now* rather than of a day: the float
per post office (the ledger balance of each agent's ``float:<id>``, summed by
``staff_users.post_office_code``) and the remittances awaiting payout by age.

Scoped to one post office (a supervisor's view), the operations are those of
the office's agents; fees and commissions are then those of these operations
(the ledger's fee accounts belong to no office); the float is per agent of the
office; the remittances awaiting payout are those taken in at the office.
Customers are no office's: their charts are the head office's only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from app.agents.models import StaffUser
from app.clock import clock
from app.errors import ValidationFailed
from app.ledger import chart as ledger_chart
from app.ledger.deferred import apply_deferred
from app.ledger.models import Account
from app.network.models import Office
from app.remittances.models import AWAITING, Remittance
from app.reports.daily import (
    active_wallets_by_day,
    day_bounds,
    ledger_movements_by_day,
    new_customers_by_day,
    operations_by_day,
    split_movements,
)
from app.reports.totals import ALWAYS_SHOWN, CHANNELS, EVERYWHERE, DayTotals, Scope

MAX_DAYS = 92  # a quarter: 92 bars still read, and the queries stay one per table
DEFAULT_DAYS = 30
# Age of a remittance awaiting payout, in whole days since it was funded: [low, high).
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 1),
    (1, 3),
    (3, 7),
    (7, 14),
    (14, 30),
    (30, None),
)


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart and its table: ``series`` are drawn, ``extra`` columns only tabulated.

    ``categories`` are the x axis (ISO days, office codes, usernames or age buckets
    ``"3-7"``); every series has one value per category. Keys, never labels: the
    page names them in French."""

    key: str
    kind: str  # "stacked", "grouped" or "line"
    unit: str  # "count" or "xaf"
    axis: str  # "day", "office", "agent" or "age"
    categories: list[str]
    series: list[tuple[str, list[int]]]
    extra: list[tuple[str, str, list[int]]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # category → a name to show

    def value(self, series: str, category: str) -> int:
        return dict(self.series)[series][self.categories.index(category)]


@dataclass(frozen=True, slots=True)
class Dashboard:
    first: date
    last: date
    office: str | None
    charts: list[Chart]
    headline: dict[str, int]

    def chart(self, key: str) -> Chart:
        for found in self.charts:
            if found.key == key:
                return found
        raise KeyError(key)


def check_range(first: date, last: date) -> None:
    """A range the dashboard draws: in order, at most ``MAX_DAYS`` days."""
    if last < first:
        raise ValidationFailed({"to": ["The range ends before it starts."]})
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed({"from": [f"At most {MAX_DAYS} days."]})


def default_range(today: date) -> tuple[date, date]:
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def dashboard(session: Session, first: date, last: date, scope: Scope = EVERYWHERE) -> Dashboard:
    """Every chart of the range ``first`` … ``last`` (business days, both included)."""
    check_range(first, last)
    bounds = day_bounds(first, last)
    days = [(first + timedelta(days=n)).isoformat() for n in range(len(bounds) - 1)]
    lines = operations_by_day(session, bounds, scope)
    charts = [
        _by(lines, days, "operation", "count", "volumes_by_type"),
        _by(lines, days, "operation", "amount", "values_by_type"),
    ]
    if scope.office is None:
        charts += [
            _by(lines, days, "channel", "count", "volumes_by_channel"),
            _by(lines, days, "channel", "amount", "values_by_channel"),
            _customers(session, bounds, days),
            _ledger_fees(session, bounds, days),
            float_by_office(session),
        ]
    else:
        charts += [_operation_fees(lines, days), float_by_agent(session, scope.office)]
    charts.append(awaiting_by_age(session, clock.now(), scope))
    return Dashboard(first, last, scope.office, charts, _headline(session, bounds, charts, scope))


def _by(lines: list[DayTotals], days: list[str], key: str, measure: str, name: str) -> Chart:
    """One series per operation type (or channel), one value per day."""
    found: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for line in lines:
        found[getattr(line, key)][line.day] += getattr(line, measure)
    order = CHANNELS if key == "channel" else sorted(found)
    unit = "count" if measure == "count" else "xaf"
    series = [(k, found[k]) for k in order if k in found or k in ALWAYS_SHOWN]
    return Chart(name, "stacked", unit, "day", days, series)


def _customers(session: Session, bounds: Sequence[datetime], days: list[str]) -> Chart:
    active = active_wallets_by_day(session, bounds)
    new = new_customers_by_day(session, bounds)
    return Chart(
        "customers",
        "line",
        "count",
        "day",
        days,
        [
            ("active", [active.get(n, 0) for n in range(len(days))]),
            ("new", [new.get(n, 0) for n in range(len(days))]),
        ],
    )


def _ledger_fees(session: Session, bounds: Sequence[datetime], days: list[str]) -> Chart:
    """Fees charged and commissions paid as the ledger's accounts moved (the daily
    report's ``ledger.fees_total`` and ``ledger.commissions_total`` of each day)."""
    movements = ledger_movements_by_day(session, bounds)
    fees, commissions = [0] * len(days), [0] * len(days)
    for n in range(len(days)):
        charged, paid = split_movements(movements.get(n, {}))
        fees[n], commissions[n] = sum(charged.values()), sum(paid.values())
    return Chart(
        "fees", "grouped", "xaf", "day", days, [("fees", fees), ("commissions", commissions)]
    )


def _operation_fees(lines: list[DayTotals], days: list[str]) -> Chart:
    """Fees and commissions of one office's operations (the ledger's fee accounts are
    no office's): the daily report's ``totals.fees`` and ``totals.commissions``."""
    fees, commissions = [0] * len(days), [0] * len(days)
    for line in lines:
        fees[line.day] += line.fees
        commissions[line.day] += line.commissions
    return Chart(
        "fees", "grouped", "xaf", "day", days, [("fees", fees), ("commissions", commissions)]
    )


def _fees_chart(days: list[str], fees: list[int], commissions: list[int]) -> Chart:
    return Chart(
        "fees", "grouped", "xaf", "day", days, [("fees", fees), ("commissions", commissions)]
    )


def _float_balance() -> Any:
    return case(
        (Account.normal == "credit", Account.credits_posted - Account.debits_posted),
        else_=Account.debits_posted - Account.credits_posted,
    )


def float_by_office(session: Session) -> Chart:
    """The posted float of every agent, summed per post office (``post_office_code``)."""
    apply_deferred(session)
    code = literal(ledger_chart.float_account("")) + StaffUser.id
    rows = session.execute(
        select(
            StaffUser.post_office_code,
            func.max(StaffUser.post_office),
            func.count(),
            func.coalesce(func.sum(_float_balance()), 0),
        )
        .join(Account, Account.code == code)
        .where(StaffUser.role == "agent")
        .group_by(StaffUser.post_office_code)
        .order_by(StaffUser.post_office_code)
    ).all()
    codes = [str(r[0]) for r in rows]
    offices = {
        str(c): str(n)
        for c, n in session.execute(select(Office.code, Office.name).where(Office.code.in_(codes)))
    }
    return Chart(
        "float_by_office",
        "grouped",
        "xaf",
        "office",
        codes,
        [("float", [int(r[3]) for r in rows])],
        extra=[("agents", "count", [int(r[2]) for r in rows])],
        names={c: offices.get(c) or str(r[1] or c) for c, r in zip(codes, rows, strict=True)},
    )


def float_by_agent(session: Session, office: str) -> Chart:
    """The posted float of each agent of ``office``."""
    apply_deferred(session)
    code = literal(ledger_chart.float_account("")) + StaffUser.id
    rows = session.execute(
        select(StaffUser.username, _float_balance())
        .join(Account, Account.code == code)
        .where(StaffUser.role == "agent", StaffUser.post_office_code == office)
        .order_by(StaffUser.username)
    ).all()
    return Chart(
        "float_by_agent",
        "grouped",
        "xaf",
        "agent",
        [str(r[0]) for r in rows],
        [("float", [int(r[1]) for r in rows])],
    )


def offices_with_agents(session: Session) -> list[str]:
    """The post-office codes that have agents (the head office picks one's view)."""
    rows = session.scalars(
        select(StaffUser.post_office_code)
        .where(StaffUser.role == "agent", StaffUser.post_office_code.is_not(None))
        .distinct()
        .order_by(StaffUser.post_office_code)
    )
    return [str(code) for code in rows]


def age_label(low: int, high: int | None) -> str:
    return f"{low}+" if high is None else f"{low}-{high}"


def awaiting_by_age(session: Session, now: datetime, scope: Scope = EVERYWHERE) -> Chart:
    """Remittances awaiting payout now, by whole days since they were funded.

    (``remit:payable`` holds exactly their amounts.) Scoped to an office: those its
    agents took in, which its counter is the likeliest to pay out."""
    funded = func.coalesce(Remittance.confirmed_at, Remittance.created_at)
    bucket = case(
        *[
            (funded > now - timedelta(days=high), number)
            for number, (_low, high) in enumerate(AGE_BUCKETS)
            if high is not None
        ],
        else_=len(AGE_BUCKETS) - 1,
    )
    query = select(bucket.label("age"), Remittance.amount).where(Remittance.status == AWAITING)
    if scope.office is not None:
        agents = select(StaffUser.id).where(StaffUser.post_office_code == scope.office)
        query = query.where(Remittance.send_agent_id.in_(agents))
    sub = query.subquery()
    rows = session.execute(
        select(sub.c.age, func.count(), func.sum(sub.c.amount)).group_by(sub.c.age)
    ).all()
    counts, amounts = [0] * len(AGE_BUCKETS), [0] * len(AGE_BUCKETS)
    for age, count, amount in rows:
        counts[int(age)], amounts[int(age)] = int(count), int(amount or 0)
    return Chart(
        "remittances_awaiting",
        "grouped",
        "xaf",
        "age",
        [age_label(low, high) for low, high in AGE_BUCKETS],
        [("amount", amounts)],
        extra=[("count", "count", counts)],
    )


def _headline(
    session: Session, bounds: Sequence[datetime], charts: list[Chart], scope: Scope
) -> dict[str, int]:
    """The range's totals, above the charts."""
    by_key = {c.key: c for c in charts}
    figures = {
        "count": sum(sum(v) for _k, v in by_key["volumes_by_type"].series),
        "amount": sum(sum(v) for _k, v in by_key["values_by_type"].series),
        "fees": sum(dict(by_key["fees"].series)["fees"]),
        "commissions": sum(dict(by_key["fees"].series)["commissions"]),
        "awaiting": sum(dict(by_key["remittances_awaiting"].series)["amount"]),
    }
    float_chart = by_key.get("float_by_office") or by_key["float_by_agent"]
    figures["float"] = sum(dict(float_chart.series)["float"])
    if scope.office is None:
        customers = dict(by_key["customers"].series)
        figures["new_customers"] = sum(customers["new"])
        figures["active_customers"] = active_wallets_by_day(session, [bounds[0], bounds[-1]]).get(
            0, 0
        )
    return figures
