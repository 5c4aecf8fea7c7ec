"""Wrong codes: ``PAYOUT_MAX_MISSES`` misses within an hour lock an actor's payouts.

An actor is one counter (``agent:<id>``) or one customer claiming to a wallet
(``customer:<id>``). While locked, a code is refused *before* it is looked up,
so a locked counter learns nothing more about which codes exist. The lock lifts
by itself once the oldest of the recent misses is an hour old; every miss and
every lock-out is in the audit trail. The caller holds the actor's row lock
(``locks.lock_actor``) so concurrent misses are counted one after the other.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record
from app.clock import clock
from app.db import settings
from app.errors import DomainError
from app.remittances.errors import PayoutsLocked, WrongRemittanceCode
from app.remittances.models import CodeMiss

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)


def _recent(session: Session, actor: str) -> int:
    since = clock.now() - WINDOW
    return int(
        session.scalar(
            select(func.count())
            .select_from(CodeMiss)
            .where(CodeMiss.actor == actor, CodeMiss.at > since)
        )
        or 0
    )


def ensure_not_locked(session: Session, actor: str) -> None:
    if _recent(session, actor) >= settings(session).PAYOUT_MAX_MISSES:
        raise PayoutsLocked(
            "Too many wrong codes in the last hour: payouts by code are locked.",
            limit="payout_misses",
        )


def count_miss(session: Session, *, actor: str, role: str, actor_id: str) -> DomainError:
    """Record a miss and return the error to raise (kept on commit): the last allowed
    miss turns into ``PayoutsLocked``."""
    session.add(CodeMiss(actor=actor, at=clock.now()))
    session.flush()
    misses = _recent(session, actor)
    limit = settings(session).PAYOUT_MAX_MISSES
    record(
        session,
        actor_role=role,
        actor_id=actor_id,
        action="remittance.code_rejected",
        target_type=role,
        target_id=actor_id,
        after={"misses_last_hour": misses, "limit": limit},
    )
    if misses >= limit:
        log.warning("%s locked after %d wrong remittance codes", actor, misses)
        record(
            session,
            actor_role=role,
            actor_id=actor_id,
            action="remittance.payouts_locked",
            target_type=role,
            target_id=actor_id,
            after={"misses_last_hour": misses, "limit": limit},
        )
        return PayoutsLocked(
            "Too many wrong codes in the last hour: payouts by code are locked.",
            commit=True,
            limit="payout_misses",
            attempts_left=0,
        )
    return WrongRemittanceCode(
        f"No remittance awaits payout with this code; {limit - misses} attempt(s) left.",
        commit=True,
        attempts_left=limit - misses,
    )
