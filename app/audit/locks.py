"""The audit chain's one row lock.

Recorders append to the hash chain one after the other: each locks the single
head row (``SELECT … FOR UPDATE`` on PostgreSQL, held until its transaction
ends; SQLite's ``BEGIN IMMEDIATE`` already serialises writers).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditChainHead


def lock_chain_head(session: Session) -> tuple[int, str] | None:
    """(last id, last hash) of the locked head row; None if there is no head yet."""
    row = session.execute(
        select(AuditChainHead.last_id, AuditChainHead.last_hash)
        .where(AuditChainHead.id == 1)
        .with_for_update()
    ).first()
    return (row.last_id, row.last_hash) if row else None
