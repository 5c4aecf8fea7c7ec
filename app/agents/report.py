"""The teller's day: every operation at the counter, totals, commission, opening and closing float.

Days are calendar days in Brazzaville time. Other packages (remittances)
contribute their counter operations through ``register_source``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.agents.models import StaffUser
from app.clock import local_day_bounds
from app.customers.msisdn import mask_msisdn
from app.ledger import chart
from app.transfers.models import Transfer

Source = Callable[[Session, str, datetime, datetime], list[dict[str, Any]]]
_SOURCES: list[Source] = []


def register_source(source: Source) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def _transfer_operations(
    session: Session, agent_id: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Transfer)
        .where(
            Transfer.agent_id == agent_id,
            Transfer.status.in_(("completed", "reversed")),
            Transfer.completed_at >= start,
            Transfer.completed_at < end,
        )
        .order_by(Transfer.completed_at)
    )
    operations = []
    for t in rows:
        customer = t.to_msisdn if t.type == "cashin" else t.from_msisdn
        operations.append(
            {
                "reference": t.reference,
                "type": "cashout" if t.type == "withdrawal" else t.type,
                "amount": t.amount,
                "fee": t.fee,
                "commission": t.commission,
                "customer": mask_msisdn(customer) if customer else None,
                "status": t.status,
                "at": t.completed_at,
            }
        )
    return operations


def daily_report(session: Session, agent: StaffUser, day: date) -> dict[str, Any]:
    start, end = local_day_bounds(day)
    operations = _transfer_operations(session, agent.id, start, end)
    for source in _SOURCES:
        operations += source(session, agent.id, start, end)
    operations.sort(key=lambda op: op["at"])
    totals: dict[str, dict[str, int]] = {}
    for op in operations:
        t = totals.setdefault(op["type"], {"count": 0, "amount": 0, "fees": 0, "commission": 0})
        t["count"] += 1
        t["amount"] += op["amount"]
        t["fees"] += op["fee"]
        t["commission"] += op["commission"]
    float_code = chart.float_account(agent.id)
    return {
        "date": day.isoformat(),
        "agent": {"id": agent.id, "username": agent.username, "post_office": agent.post_office},
        "operations": operations,
        "totals": totals,
        "commission": sum(op["commission"] for op in operations),
        "opening_float": ledger.posted_balance_at(session, float_code, start),
        "closing_float": ledger.posted_balance_at(session, float_code, end),
        "currency": "XAF",
    }
