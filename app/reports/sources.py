"""The operations of a business day as the payment tables record them.

Each source sums one table's operations completed in ``[start, end)`` per
operation type. Transfers count when they completed (a later reversal is its
own line, on the day it happened, with the fee and commission it gave back as
negative amounts). Remittances count when the money moved: sent when funded
(``confirmed_at``), paid out when collected or claimed (``paid_out_at``),
refunded when an unpaid one was cancelled or expired back to its sender.
A cash-funded remittance nobody collected is not refunded but *returned* to its
sender as a new remittance: no money moves, so it is no line here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.remittances.models import Remittance
from app.reports.daily import register_source
from app.reports.totals import OperationTotals
from app.transfers.models import Transfer

# What the report calls a transfer type (a withdrawal is paid at a counter as a cash-out).
TRANSFER_OPERATIONS = {"withdrawal": "cashout"}
REMITTANCE_SENDS = {"wallet": "remittance_send_wallet", "cash": "remittance_send_cash"}


def _totals(rows: Any, name: Any) -> list[OperationTotals]:
    return [
        OperationTotals(name(key), int(count), int(amount or 0), int(fees or 0), int(comm or 0))
        for key, count, amount, fees, comm in rows
    ]


def transfer_operations(session: Session, start: datetime, end: datetime) -> list[OperationTotals]:
    completed = session.execute(
        select(
            Transfer.type,
            func.count(),
            func.sum(Transfer.amount),
            func.sum(Transfer.fee),
            func.sum(Transfer.commission),
        )
        .where(
            Transfer.status.in_(("completed", "reversed")),
            Transfer.completed_at >= start,
            Transfer.completed_at < end,
        )
        .group_by(Transfer.type)
    ).all()
    reversed_ = session.execute(
        select(
            func.count(),
            func.sum(Transfer.amount),
            -func.sum(Transfer.fee),
            -func.sum(Transfer.commission),
        ).where(
            Transfer.status == "reversed",
            Transfer.reversed_at >= start,
            Transfer.reversed_at < end,
        )
    ).all()
    lines = _totals(completed, lambda t: TRANSFER_OPERATIONS.get(t, t))
    lines += _totals([("reversal", *row) for row in reversed_ if row[0]], str)
    return lines


def remittance_operations(
    session: Session, start: datetime, end: datetime
) -> list[OperationTotals]:
    sends = session.execute(
        select(
            Remittance.source,
            func.count(),
            func.sum(Remittance.amount),
            func.sum(Remittance.fee + Remittance.fx_fee),
            func.sum(Remittance.send_commission),
        )
        .where(
            Remittance.source.in_(("wallet", "cash", "partner")),
            Remittance.confirmed_at >= start,
            Remittance.confirmed_at < end,
        )
        .group_by(Remittance.source)
    ).all()
    payouts = session.execute(
        select(
            Remittance.payout_method,
            func.count(),
            func.sum(Remittance.amount),
            func.sum(0),
            func.sum(Remittance.payout_commission),
        )
        .where(
            Remittance.status == "paid_out",
            Remittance.paid_out_at >= start,
            Remittance.paid_out_at < end,
        )
        .group_by(Remittance.payout_method)
    ).all()
    refunds = session.execute(
        select(
            func.count(),
            func.sum(Remittance.amount),
            func.sum(0),
            func.sum(0),
        ).where(
            Remittance.status.in_(("cancelled", "expired")),
            Remittance.settle_entry_id.is_not(None),
            Remittance.closed_at >= start,
            Remittance.closed_at < end,
        )
    ).all()
    lines = _totals(sends, lambda s: REMITTANCE_SENDS.get(s, "remittance_inbound"))
    lines += _totals(payouts, lambda m: f"remittance_payout_{m}")
    lines += _totals([("remittance_refund", *row) for row in refunds if row[0]], str)
    return lines


def register() -> None:
    """Add transfers and remittances to the daily report (``register_domain_hooks``)."""
    register_source("transfers", transfer_operations)
    register_source("remittances", remittance_operations)
