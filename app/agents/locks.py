"""Row locks on staff accounts, in one place.

A change of a staff account (disable, enable) happens while holding its row
lock (``SELECT … FOR UPDATE``; SQLite serialises writers), so whoever comes
second sees what the first one left.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agents.models import FloatRequest, StaffUser


def lock_staff(session: Session, staff_id: str) -> StaffUser | None:
    return session.get(StaffUser, staff_id, with_for_update=True, populate_existing=True)


def lock_admins(session: Session) -> list[StaffUser]:
    """Every admin row, locked in id order until the commit.

    Disabling an admin locks them all, always in the same order, so two admins
    disabling each other serialise (the second sees the first's change)
    instead of both seeing the other still active, or deadlocking.
    """
    return list(
        session.scalars(
            select(StaffUser)
            .where(StaffUser.role == "admin")
            .order_by(StaffUser.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
    )


def lock_till(session: Session, agent_id: str) -> None:
    """Serialise an agent's counter operations with the close of their till.

    Every cash operation at a counter takes it first (``till.ensure_open``),
    and so does ``till.close_day``: an operation either commits before the
    close counts it, or finds the day closed. ``FOR NO KEY UPDATE``, like the
    payout attempts' lock on the same row (``remittances.locks.lock_actor``),
    so a row inserted with a foreign key to this agent never waits on it.
    """
    session.execute(
        select(StaffUser.id).where(StaffUser.id == agent_id).with_for_update(key_share=True)
    )


def lock_float_request(session: Session, request_id: str) -> FloatRequest | None:
    """A float request's row, locked: two operators deciding at once, one wins."""
    return session.get(FloatRequest, request_id, with_for_update=True, populate_existing=True)
