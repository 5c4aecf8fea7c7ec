"""Lookups of transfers shared by every kind of payment."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.transfers.models import Transfer


def find_by_client_key(
    session: Session, initiator_id: str, client_key: str | None
) -> Transfer | None:
    """The payment this initiator already made with this channel key (a retried step)."""
    if not client_key:
        return None
    return session.scalar(
        select(Transfer).where(
            Transfer.initiator_id == initiator_id, Transfer.client_key == client_key
        )
    )
