"""The counter's remittance operations for the agent's day report (``app.agents.report``).

Two kinds of line: ``remittance_send`` (cash taken from a walk-in sender, with
the send commission) and ``remittance_payout`` (cash handed to a recipient,
with the payout commission). Customers are shown by masked number only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.customers.msisdn import mask_msisdn
from app.remittances.models import Remittance


def _masked(msisdn: str | None) -> str | None:
    return mask_msisdn(msisdn) if msisdn else None


def counter_operations(
    session: Session, agent_id: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    sends = session.scalars(
        select(Remittance).where(
            Remittance.send_agent_id == agent_id,
            Remittance.created_at >= start,
            Remittance.created_at < end,
        )
    )
    payouts = session.scalars(
        select(Remittance).where(
            Remittance.payout_agent_id == agent_id,
            Remittance.paid_out_at >= start,
            Remittance.paid_out_at < end,
        )
    )
    operations = [
        {
            "reference": r.reference,
            "type": "remittance_send",
            "amount": r.amount,
            "fee": r.fee,
            "commission": r.send_commission,
            "customer": _masked(r.sender_msisdn),
            "status": r.status,
            "at": r.created_at,
        }
        for r in sends
    ]
    operations += [
        {
            "reference": r.reference,
            "type": "remittance_payout",
            "amount": r.amount,
            "fee": 0,
            "commission": r.payout_commission,
            "customer": _masked(r.recipient_msisdn),
            "status": r.status,
            "at": r.paid_out_at,
        }
        for r in payouts
    ]
    return operations
