"""The till of a post-office counter: the day's figures, and closing the day.

``day_summary`` is the agent's day (``report.daily_report``: every counter
operation, totals per type, commission, opening and closing float, read from
the payment tables and the ledger) as a ``TillDay`` ready to print, with the
cash that crossed the counter each way. ``close_day`` records the close: one
``TillClosure`` row per agent and day, with the figures at closing time and
the whole day frozen in it (and an audit event ``till.close``); closing again
returns the same row, and two closes at once make one (both take the till's
lock, ``locks.lock_till``).
Once closed, the day's report is the stored one, the same at every reprint.

A closed day is closed for business: ``ensure_open`` refuses every cash
operation of the agent with ``till_closed`` until the next day (Brazzaville
time). The agent's cash services call it first (cash-in, cash-out,
remittance send and payout; any new counter operation must too), under the
same lock as the close, so an operation either is in the closed figures or is
refused. Closing a past day (forgotten yesterday) freezes its figures and
refuses nothing today. A day in the future cannot be closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_datetime
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agents import report
from app.agents.errors import TillClosed
from app.agents.locks import lock_till
from app.agents.models import StaffUser, TillClosure
from app.audit import record
from app.clock import LOCAL_TZ, clock, local_today
from app.db import settings
from app.errors import NotFound, ValidationFailed
from app.i18n import translate
from app.money import format_amount

# Cash the customer hands over ("in") or receives ("out") at the counter, per
# operation type of the day report; receipts print the same.
CASH_DIRECTION = {
    "cashin": "in",
    "cashout": "out",
    "remittance_send": "in",
    "remittance_payout": "out",
    "bill": "in",
    "savings_deposit": "in",
}
LANGUAGE = "fr"


def cash_of(operation: str, amount: int, fee: int) -> tuple[str, int]:
    """("in"|"out", francs) that crossed the counter: a payer hands over amount + fee,
    a payee receives the amount (the fee came out of their wallet)."""
    direction = CASH_DIRECTION.get(operation, "in")
    return direction, amount if direction == "out" else amount + fee


def operation_label(operation: str, language: str = LANGUAGE) -> str:
    """'Dépôt d'espèces' for ``cashin``; an unknown type is an 'Opération au guichet'."""
    try:
        return translate(f"receipt.operation.{operation}", language)
    except KeyError:
        return translate("receipt.operation.other", language)


@dataclass(frozen=True, slots=True)
class TillOperation:
    """One line of the day: what, which reference, how much, when (Brazzaville time)."""

    operation: str
    label: str
    reference: str
    amount: int
    fee: int
    commission: int
    cash_direction: str
    cash: int
    customer: str | None
    status: str
    at: datetime
    time_local: str


@dataclass(frozen=True, slots=True)
class TillTotal:
    """One operation type's day."""

    operation: str
    label: str
    count: int
    amount: int
    fees: int
    commission: int


@dataclass(frozen=True, slots=True)
class TillDay:
    """The agent's day at the counter; ``closed`` when it comes from the stored closure.

    ``final`` is true once the figures cannot move any more (the day is over or
    closed): until then ``closing_float`` is the float as it stands now.
    """

    operator: str
    service: str
    agent_id: str
    agent: str
    post_office: str
    post_office_code: str
    day: date
    day_label: str
    currency: str
    opening_float: int
    closing_float: int
    commission: int
    fees: int
    count: int
    cash_in: int
    cash_out: int
    operations: tuple[TillOperation, ...]
    totals: tuple[TillTotal, ...]
    final: bool
    closed: bool = False
    closed_at: datetime | None = None
    closed_at_local: str | None = None
    counted_cash: int | None = None

    def money(self, amount: int | None) -> str:
        """'15 000 FCFA' (templates: ``till.money(till.opening_float)``)."""
        return "" if amount is None else format_amount(amount, self.currency)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready; what a closure stores and what the REST answer shows."""
        return {
            "operator": self.operator,
            "service": self.service,
            "agent_id": self.agent_id,
            "agent": self.agent,
            "post_office": self.post_office,
            "post_office_code": self.post_office_code,
            "date": self.day.isoformat(),
            "day_label": self.day_label,
            "currency": self.currency,
            "opening_float": self.opening_float,
            "closing_float": self.closing_float,
            "commission": self.commission,
            "fees": self.fees,
            "count": self.count,
            "cash_in": self.cash_in,
            "cash_out": self.cash_out,
            "operations": [
                {
                    "operation": op.operation,
                    "label": op.label,
                    "reference": op.reference,
                    "amount": op.amount,
                    "fee": op.fee,
                    "commission": op.commission,
                    "cash_direction": op.cash_direction,
                    "cash": op.cash,
                    "customer": op.customer,
                    "status": op.status,
                    "at": op.at.isoformat(),
                    "time_local": op.time_local,
                }
                for op in self.operations
            ],
            "totals": [
                {
                    "operation": t.operation,
                    "label": t.label,
                    "count": t.count,
                    "amount": t.amount,
                    "fees": t.fees,
                    "commission": t.commission,
                }
                for t in self.totals
            ],
            "final": self.final,
            "closed": self.closed,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "counted_cash": self.counted_cash,
        }


def _from_stored(closure: TillClosure) -> TillDay:
    """The day as it was frozen at closing time."""
    data = closure.report["till"]
    operations = tuple(
        TillOperation(
            operation=op["operation"],
            label=op["label"],
            reference=op["reference"],
            amount=op["amount"],
            fee=op["fee"],
            commission=op["commission"],
            cash_direction=op["cash_direction"],
            cash=op["cash"],
            customer=op["customer"],
            status=op["status"],
            at=datetime.fromisoformat(op["at"]),
            time_local=op["time_local"],
        )
        for op in data["operations"]
    )
    totals = tuple(TillTotal(**t) for t in data["totals"])
    return TillDay(
        operator=data["operator"],
        service=data["service"],
        agent_id=data["agent_id"],
        agent=data["agent"],
        post_office=data["post_office"],
        post_office_code=data["post_office_code"],
        day=date.fromisoformat(data["date"]),
        day_label=data["day_label"],
        currency=data["currency"],
        opening_float=closure.opening_float,
        closing_float=closure.closing_float,
        commission=closure.commission,
        fees=data["fees"],
        count=closure.operations_count,
        cash_in=data["cash_in"],
        cash_out=data["cash_out"],
        operations=operations,
        totals=totals,
        final=True,
        closed=True,
        closed_at=closure.closed_at,
        closed_at_local=_local_time(closure.closed_at, "d MMMM y 'à' HH:mm"),
        counted_cash=closure.counted_cash,
    )


def _local_time(at: datetime, pattern: str) -> str:
    return format_datetime(at, pattern, tzinfo=LOCAL_TZ, locale=LANGUAGE)


def live_summary(session: Session, agent: StaffUser, day: date) -> TillDay:
    """The day computed now from the payment tables and the ledger (never the stored one)."""
    return _live(session, agent, day)[0]


def _json_report(raw: dict[str, Any]) -> dict[str, Any]:
    """``report.daily_report`` as JSON (its operations' times as ISO 8601)."""
    return {**raw, "operations": [{**op, "at": op["at"].isoformat()} for op in raw["operations"]]}


def _live(session: Session, agent: StaffUser, day: date) -> tuple[TillDay, dict[str, Any]]:
    """The day now, as a ``TillDay`` and as the agent's report (JSON) it is built from."""
    config = settings(session)
    raw = report.daily_report(session, agent, day)
    operations = []
    for op in raw["operations"]:
        direction, cash = cash_of(op["type"], op["amount"], op["fee"])
        operations.append(
            TillOperation(
                operation=op["type"],
                label=operation_label(op["type"]),
                reference=op["reference"],
                amount=op["amount"],
                fee=op["fee"],
                commission=op["commission"],
                cash_direction=direction,
                cash=cash,
                customer=op["customer"],
                status=op["status"],
                at=op["at"],
                time_local=_local_time(op["at"], "HH:mm"),
            )
        )
    totals = tuple(
        TillTotal(
            operation=name,
            label=operation_label(name),
            count=t["count"],
            amount=t["amount"],
            fees=t["fees"],
            commission=t["commission"],
        )
        for name, t in sorted(raw["totals"].items())
    )
    summary = TillDay(
        operator=config.OPERATOR_NAME,
        service=config.SERVICE_NAME,
        agent_id=agent.id,
        agent=agent.username,
        post_office=agent.post_office or config.SERVICE_NAME,
        post_office_code=agent.post_office_code or "",
        day=day,
        day_label=format_date(day, "EEEE d MMMM y", locale=LANGUAGE),
        currency=raw["currency"],
        opening_float=raw["opening_float"],
        closing_float=raw["closing_float"],
        commission=raw["commission"],
        fees=sum(op.fee for op in operations),
        count=len(operations),
        cash_in=sum(op.cash for op in operations if op.cash_direction == "in"),
        cash_out=sum(op.cash for op in operations if op.cash_direction == "out"),
        operations=tuple(operations),
        totals=totals,
        final=day < local_today(),
    )
    return summary, _json_report(raw)


def closure_of(session: Session, agent_id: str, day: date) -> TillClosure | None:
    return session.scalar(
        select(TillClosure).where(TillClosure.agent_id == agent_id, TillClosure.day == day)
    )


def day_summary(session: Session, agent: StaffUser, day: date) -> TillDay:
    """The agent's day: the stored figures once closed, the live ones until then."""
    closure = closure_of(session, agent.id, day)
    if closure is not None:
        return _from_stored(closure)
    return live_summary(session, agent, day)


def office_agent(session: Session, supervisor: StaffUser, agent_id: str) -> StaffUser:
    """The agent ``agent_id`` if ``supervisor`` oversees their post office.

    Anyone else, another office's agent or a reader who is no supervisor gets
    ``NotFound``, the same answer as an unknown id: no way to probe other offices.
    """
    agent = session.get(StaffUser, agent_id)
    if (
        supervisor.role != "supervisor"
        or not supervisor.post_office_code
        or agent is None
        or agent.role != "agent"
        or agent.post_office_code != supervisor.post_office_code
    ):
        raise NotFound("No agent of your post office has this id.")
    return agent


def office_day(session: Session, supervisor: StaffUser, day: date) -> list[TillDay]:
    """Each agent of the supervisor's post office with their ``day``, by username."""
    if supervisor.role != "supervisor" or not supervisor.post_office_code:
        raise NotFound("Only a post office's supervisor sees its agents.")
    agents = session.scalars(
        select(StaffUser)
        .where(
            StaffUser.role == "agent",
            StaffUser.post_office_code == supervisor.post_office_code,
        )
        .order_by(StaffUser.username)
    ).all()
    return [day_summary(session, agent, day) for agent in agents]


def agent_report(session: Session, agent: StaffUser, day: date) -> dict[str, Any]:
    """``GET /agent/report``: the stored report once the day is closed, the live one before."""
    closure = closure_of(session, agent.id, day)
    if closure is not None:
        return dict(closure.report["daily"])
    return _json_report(report.daily_report(session, agent, day))


def close_day(
    session: Session,
    agent: StaffUser,
    day: date | None = None,
    counted_cash: int | None = None,
    *,
    by: StaffUser | None = None,
) -> TillClosure:
    """Close ``agent``'s till for ``day`` (default today); idempotent.

    The first close records the figures of that moment (and ``counted_cash``,
    the cash the agent counted in the drawer, if given); any later call returns
    that same closure unchanged. ``by``: who closed it (the agent, or an admin
    closing for them).
    """
    today = local_today()
    day = day or today
    if day > today:
        raise ValidationFailed({"date": ["A day that has not come cannot be closed."]})
    if counted_cash is not None and (
        isinstance(counted_cash, bool) or not isinstance(counted_cash, int) or counted_cash < 0
    ):
        raise ValidationFailed({"counted_cash": ["Must be a whole number of francs, 0 or more."]})
    lock_till(session, agent.id)
    existing = closure_of(session, agent.id, day)
    if existing is not None:
        return existing
    summary, daily = _live(session, agent, day)
    closure = TillClosure(
        agent_id=agent.id,
        day=day,
        closed_at=clock.now(),
        closed_by=(by or agent).id,
        currency=summary.currency,
        opening_float=summary.opening_float,
        closing_float=summary.closing_float,
        commission=summary.commission,
        operations_count=summary.count,
        counted_cash=counted_cash,
        report={"till": summary.as_dict(), "daily": daily},
    )
    session.add(closure)
    session.flush()
    closer = by or agent
    record(
        session,
        actor_role=closer.role,
        actor_id=closer.id,
        action="till.close",
        target_type="staff",
        target_id=agent.id,
        after={
            "day": day.isoformat(),
            "opening_float": closure.opening_float,
            "closing_float": closure.closing_float,
            "commission": closure.commission,
            "operations": closure.operations_count,
            "counted_cash": counted_cash,
        },
    )
    return closure


def ensure_open(session: Session, agent: StaffUser) -> None:
    """Refuse a cash operation once the agent closed today's till (``till_closed``).

    Takes the till's lock (``locks.lock_till``) until the commit: call it first,
    before any other lock of the operation.
    """
    lock_till(session, agent.id)
    if closure_of(session, agent.id, local_today()) is not None:
        raise TillClosed("The till is closed for today: operations resume tomorrow.")
