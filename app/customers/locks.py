"""Row locks on customers' tables, in one place.

A change of state happens while holding the row's lock (``SELECT … FOR UPDATE``
on PostgreSQL; SQLite serialises writers), so whoever comes second sees what
the first one left: a registration verified meanwhile is gone.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.customers.models import Registration


def lock_registration(session: Session, registration_id: str) -> Registration | None:
    return session.scalar(
        select(Registration)
        .where(Registration.id == registration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
