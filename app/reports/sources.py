"""The operations of a range of business days as the payment tables record them.

Each source sums one table's operations completed in the range, per day,
operation type and channel, in one query per kind of event (``day_index``).
Transfers count when they completed (a later reversal is its own line, on the
day it happened, with the fee and commission it gave back as negative amounts).
Remittances count when the money moved: sent when funded (``confirmed_at``),
paid out when collected or claimed (``paid_out_at``), refunded when an unpaid
one was cancelled or expired back to its sender. A cash-funded remittance nobody
collected is not refunded but *returned* to its sender as a new remittance: no
money moves, so it is no line here.

Channels: a transfer and a sent remittance record theirs (``channel``), a paid
remittance its payout's (``payout_channel``, since migration 0027: a claim paid
before is ``unknown``); a reversal's is recorded nowhere. What has no channel
counts under ``other``.

Scoped to one post office (``Scope.office``), a source counts only what that
office's agents did: their counter operations, the remittances they took in
and paid out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select, true
from sqlalchemy.orm import Session

from app.agents.models import StaffUser
from app.remittances.models import Remittance
from app.reports.daily import register_source
from app.reports.totals import DayTotals, Scope, channel_of, day_index, in_range
from app.transfers.models import Transfer

# What the report calls a transfer type (a withdrawal is paid at a counter as a cash-out).
TRANSFER_OPERATIONS = {"withdrawal": "cashout"}
REMITTANCE_SENDS = {"wallet": "remittance_send_wallet", "cash": "remittance_send_cash"}


def _at_office(column: Any, scope: Scope) -> ColumnElement[bool]:
    """``column`` (a staff id) is an agent of the scope's office; anything if unscoped."""
    if scope.office is None:
        return true()
    agents = select(StaffUser.id).where(StaffUser.post_office_code == scope.office)
    return column.in_(agents)


def _grouped(
    session: Session,
    bounds: Sequence[datetime],
    at: Any,
    keys: Sequence[Any],
    measures: Sequence[Any],
    *where: Any,
) -> list[Any]:
    """(day, *keys, count, *sums of measures) of the rows where ``where`` holds and ``at``
    falls in the range: one query, grouped in SQL through a subquery (``day_index``)."""
    rows: Select[Any] = select(
        day_index(at, bounds).label("day"),
        *[k.label(f"k{i}") for i, k in enumerate(keys)],
        *[m.label(f"m{i}") for i, m in enumerate(measures)],
    ).where(in_range(at, bounds), *where)
    sub = rows.subquery()
    key_columns = [sub.c.day, *[sub.c[f"k{i}"] for i in range(len(keys))]]
    return list(
        session.execute(
            select(
                *key_columns,
                func.count(),
                *[func.coalesce(func.sum(sub.c[f"m{i}"]), 0) for i in range(len(measures))],
            ).group_by(*key_columns)
        ).all()
    )


def transfer_operations(
    session: Session, bounds: Sequence[datetime], scope: Scope
) -> list[DayTotals]:
    by_agent = _at_office(Transfer.agent_id, scope)
    completed = _grouped(
        session,
        bounds,
        Transfer.completed_at,
        [Transfer.type, Transfer.channel],
        [Transfer.amount, Transfer.fee, Transfer.commission],
        Transfer.status.in_(("completed", "reversed")),
        by_agent,
    )
    reversed_ = _grouped(
        session,
        bounds,
        Transfer.reversed_at,
        [],
        [Transfer.amount, -Transfer.fee, -Transfer.commission],
        Transfer.status == "reversed",
        by_agent,
    )
    lines = [
        DayTotals(day, TRANSFER_OPERATIONS.get(kind, kind), channel_of(channel), *_ints(rest))
        for day, kind, channel, *rest in completed
    ]
    lines += [DayTotals(day, "reversal", "other", *_ints(rest)) for day, *rest in reversed_]
    return lines


def remittance_operations(
    session: Session, bounds: Sequence[datetime], scope: Scope
) -> list[DayTotals]:
    sends = _grouped(
        session,
        bounds,
        Remittance.confirmed_at,
        [Remittance.source, Remittance.channel],
        [Remittance.amount, Remittance.fee + Remittance.fx_fee, Remittance.send_commission],
        Remittance.source.in_(("wallet", "cash", "partner")),
        _at_office(Remittance.send_agent_id, scope),
    )
    payouts = _grouped(
        session,
        bounds,
        Remittance.paid_out_at,
        [Remittance.payout_method, Remittance.payout_channel],
        [Remittance.amount, literal_column("0"), Remittance.payout_commission],
        Remittance.status == "paid_out",
        _at_office(Remittance.payout_agent_id, scope),
    )
    refunds = _grouped(
        session,
        bounds,
        Remittance.closed_at,
        [],
        [Remittance.amount, literal_column("0"), literal_column("0")],
        Remittance.status.in_(("cancelled", "expired")),
        Remittance.settle_entry_id.is_not(None),
        _at_office(Remittance.send_agent_id, scope),
    )
    lines = [
        DayTotals(
            day,
            REMITTANCE_SENDS.get(source, "remittance_inbound"),
            channel_of(channel),
            *_ints(rest),
        )
        for day, source, channel, *rest in sends
    ]
    lines += [
        DayTotals(
            day,
            f"remittance_payout_{method}",
            channel_of(channel),
            *_ints(rest),
        )
        for day, method, channel, *rest in payouts
    ]
    lines += [DayTotals(day, "remittance_refund", "other", *_ints(rest)) for day, *rest in refunds]
    return lines


def _ints(values: Sequence[Any]) -> tuple[int, int, int, int]:
    count, amount, fees, commissions = (int(v or 0) for v in values)
    return count, amount, fees, commissions


def register() -> None:
    """Add transfers and remittances to the daily report (``register_domain_hooks``)."""
    register_source("transfers", transfer_operations)
    register_source("remittances", remittance_operations)
