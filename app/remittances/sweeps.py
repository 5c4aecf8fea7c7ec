"""Expiry of remittances: OTP holds nobody confirmed, and remittances nobody collected.

Run by the worker's scheduler (``workers.remittances.expire_due``), one
transaction per remittance. Safe to run twice, concurrently, or while a counter
pays the same remittance: each one is re-read under its row lock and only a
still-due one (status and deadline checked again) is expired; the refund's
ledger key (``remittance:<id>:settle``) is shared with payouts, so the money
can leave ``remit:payable`` only once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import clock
from app.remittances.lifecycle import expire_if_due
from app.remittances.locks import lock_for_refund
from app.remittances.models import AWAITING, PENDING, Remittance


def due_remittance_ids(session: Session, limit: int = 500) -> list[str]:
    return list(
        session.scalars(
            select(Remittance.id)
            .where(Remittance.status.in_((PENDING, AWAITING)), Remittance.expires_at <= clock.now())
            .order_by(Remittance.expires_at)
            .limit(limit)
        )
    )


def expire_one(session: Session, remittance_id: str) -> bool:
    remittance = session.get(Remittance, remittance_id)
    if remittance is None:
        return False
    return expire_if_due(session, lock_for_refund(session, remittance))
