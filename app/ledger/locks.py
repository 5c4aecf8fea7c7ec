"""Every row lock the ledger takes, in one place.

Accounts whose available balance an entry reduces are locked with
``SELECT … FOR UPDATE`` in ascending id order, so two entries touching the same
accounts queue instead of deadlocking and cannot both spend the same franc.
Accounts that an entry only credits, or that may go negative (fees, commission,
the trust bank), are not pre-locked: they get an atomic increment as the last
statement before commit, so a hot fee account is held for one round trip and
the commit, not for the whole entry. SQLite ignores FOR UPDATE; its
``BEGIN IMMEDIATE`` (app/db.py) already serialises writers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.ledger.models import Account, Entry


def lock_accounts(session: Session, account_ids: Iterable[int]) -> dict[int, Row[Any]]:
    """Lock the accounts in id order and return their current totals."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(
            Account.id,
            Account.code,
            Account.status,
            Account.normal,
            Account.allow_overdraft,
            Account.debits_posted,
            Account.credits_posted,
            Account.debits_pending,
            Account.credits_pending,
        )
        .where(Account.id.in_(ids))
        .order_by(Account.id)
        .with_for_update()
    ).all()
    return {row.id: row for row in rows}


def claim_pending_entry(session: Session, entry_id: int, new_status: str, **values: Any) -> bool:
    """Move a pending entry to ``new_status`` if, and only if, it is still pending.

    The guarded UPDATE takes the entry's row lock, so of two racing post/void
    calls exactly one sees ``True``.
    """
    result = session.execute(
        update(Entry)
        .where(Entry.id == entry_id, Entry.status == "pending")
        .values(status=new_status, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
