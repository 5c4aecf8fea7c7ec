"""Row locks on transfers, in one place.

A state change of a payment happens while holding its row lock (``SELECT …
FOR UPDATE`` on PostgreSQL; SQLite serialises writers with ``BEGIN
IMMEDIATE``), so whoever comes second sees the state the first one left.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.transfers.errors import TransferNotFound
from app.transfers.models import Transfer


def lock_transfer(session: Session, transfer_id: str) -> Transfer:
    transfer = session.scalar(
        select(Transfer)
        .where(Transfer.id == transfer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if transfer is None:
        raise TransferNotFound()
    return transfer


def lock_pending_withdrawals(session: Session, customer_id: str) -> list[Transfer]:
    return list(
        session.scalars(
            select(Transfer)
            .where(
                Transfer.from_customer_id == customer_id,
                Transfer.type == "withdrawal",
                Transfer.status == "pending_confirmation",
            )
            .order_by(Transfer.created_at)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def lock_pending_from(session: Session, customer_id: str) -> list[Transfer]:
    """Every pending transfer that would take money out of the customer's wallet, locked
    in id order (before the wallet: the order a confirmation takes them in)."""
    return list(
        session.scalars(
            select(Transfer)
            .where(
                Transfer.from_customer_id == customer_id,
                Transfer.status == "pending_confirmation",
            )
            .order_by(Transfer.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
