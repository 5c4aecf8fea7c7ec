"""Row locks of reconciliation runs, in one place.

The on-call alert of a run is prepared, marked sent or failed while holding
the run's row lock (``SELECT … FOR UPDATE``; SQLite serialises writers), so two
copies of the alert job count their attempts one after the other.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.reconciliation.models import Reconciliation


def lock_reconciliation(session: Session, reconciliation_id: int) -> Reconciliation | None:
    return session.get(Reconciliation, reconciliation_id, with_for_update=True)
