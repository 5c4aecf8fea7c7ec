"""Row locks of likelemba groups, in one place.

Everything that changes a group (an answer to the invitation, a collection run,
a payout, a member leaving) holds the group's row until the commit: two workers
running the collection job at once, or a job and a member leaving, queue on it,
and whoever comes second re-reads what the first left (a cycle already paid is
not paid again).

Lock order (docs/CONVENTIONS.md): customer rows first, then the group (the
payment's own row), then the ledger accounts (the pot and the wallets, locked by
the ledger itself). ``lock_group_and_members`` takes the rows of every member's
customer up front, in id order, because a run may debit any of them and credit
the beneficiary: a P2P send by a member locks that same customer row first, so
the send and the contribution queue instead of both spending the same franc.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.customers.locks import lock_customers
from app.customers.models import Customer
from app.likelemba.errors import GroupNotFound
from app.likelemba.models import LikelembaGroup, LikelembaMember


def lock_group(session: Session, group_id: str) -> LikelembaGroup:
    """The group's row, ``FOR UPDATE`` and read afresh; GroupNotFound if unknown."""
    group = session.scalar(
        select(LikelembaGroup)
        .where(LikelembaGroup.id == group_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if group is None:
        raise GroupNotFound()
    return group


def lock_group_and_members(session: Session, group_id: str) -> LikelembaGroup:
    """Every member's customer row (id order), then the group's row.

    Members are fixed when the group is created (only their status changes), so
    the ids read before the locks are the ids the group has under them.
    """
    customers = list(
        session.scalars(
            select(Customer)
            .join(LikelembaMember, LikelembaMember.customer_id == Customer.id)
            .where(LikelembaMember.group_id == group_id)
        )
    )
    if customers:
        lock_customers(session, *customers)
    return lock_group(session, group_id)
