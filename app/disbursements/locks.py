"""Row locks of disbursement batches, in one place.

Approving a batch (by its payer, or by a second operator) happens while holding the
batch's row lock (``SELECT … FOR UPDATE``; SQLite serialises writers), so two
approvals racing settle one way. Paying does not take it: chunks lock their own
lines (``processing.claim_lines``) so that workers share a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.disbursements.errors import BatchNotFound
from app.disbursements.models import DisbursementBatch, DisbursementLine


def lock_batch(session: Session, batch_id: str) -> DisbursementBatch:
    batch = session.get(DisbursementBatch, batch_id, with_for_update=True, populate_existing=True)
    if batch is None:
        raise BatchNotFound()
    return batch


def claim_lines(
    session: Session, batch_id: str, chunk: int, columns: Sequence[Any]
) -> list[Row[Any]]:
    """The batch's first ``chunk`` valid lines no other transaction holds, locked
    ``FOR UPDATE SKIP LOCKED`` (``processing.claim_lines`` says why)."""
    return list(
        session.execute(
            select(*columns)
            .where(DisbursementLine.batch_id == batch_id, DisbursementLine.status == "valid")
            .order_by(DisbursementLine.line)
            .limit(chunk)
            .with_for_update(skip_locked=True)
        ).all()
    )
