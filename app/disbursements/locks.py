"""Row locks of disbursement batches, in one place.

Approving, cancelling and paying a chunk of a batch happen while holding the
batch's row lock (``SELECT … FOR UPDATE``; SQLite serialises writers), so two
copies of a chunk job, or an approval racing a cancel, settle one way.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.disbursements.errors import BatchNotFound
from app.disbursements.models import DisbursementBatch


def lock_batch(session: Session, batch_id: str) -> DisbursementBatch:
    batch = session.get(DisbursementBatch, batch_id, with_for_update=True, populate_existing=True)
    if batch is None:
        raise BatchNotFound()
    return batch
