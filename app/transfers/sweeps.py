"""Expiry of payments nobody confirmed: release the reserved funds.

Run by the worker's scheduler every minute (``workers.transfers.expire``) and
safe to run twice or concurrently: each transfer is re-read under its row lock
and only a still-pending, past-deadline one is expired.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import clock
from app.transfers.lifecycle import PENDING, expire_if_stale
from app.transfers.locks import lock_transfer
from app.transfers.models import Transfer


def stale_transfer_ids(session: Session, limit: int = 500) -> list[str]:
    return list(
        session.scalars(
            select(Transfer.id)
            .where(Transfer.status == PENDING, Transfer.expires_at <= clock.now())
            .order_by(Transfer.expires_at)
            .limit(limit)
        )
    )


def expire_one(session: Session, transfer_id: str) -> bool:
    return expire_if_stale(session, lock_transfer(session, transfer_id))
