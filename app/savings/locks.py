"""Row locks of postal savings, in one place (docs/CONVENTIONS.md).

Order across the domain: customer rows first (``customers.locks``), then these,
then the ledger's accounts.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.savings.models import SavingsAccount


def lock_savings_account(session: Session, account_id: str) -> SavingsAccount | None:
    """A livret's row: serialises deposits against its balance cap (two deposits racing
    cannot both fit under it) and its first deposit against the minimum opening."""
    return session.scalar(
        select(SavingsAccount)
        .where(SavingsAccount.id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
