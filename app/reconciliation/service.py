"""Running, storing and reading the daily reconciliation.

``reconcile(session, day)`` looks at every section (``checks.py``), stores the
report as the next version of that business day, and raises an alert when
anything broke (``alerts.py``). It never commits: the edge that called it does,
and only then is the on-call hook delivered, by a job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import LOCAL_TZ, clock, local_day_bounds
from app.errors import Conflict, NotFound
from app.reconciliation import alerts
from app.reconciliation.checks import all_sections
from app.reconciliation.models import Reconciliation

log = logging.getLogger(__name__)

VERSION_ATTEMPTS = 3
# First key of the advisory locks that say "this business day is being reconciled".
LOCK_SPACE = 0x2EC0


class ReconciliationRunning(Conflict):
    """Another run of the same business day has not finished: this one did nothing."""

    title = "Reconciliation in progress"


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Reconciliation]
    next_before_id: int | None


def build_report(session: Session, day: date) -> dict[str, Any]:
    """The report of ``day`` as it stands now, not stored."""
    start, close = local_day_bounds(day)
    now = clock.now()
    sections = all_sections(session, close, now)
    breaks = [{"check": s.name, "detail": detail} for s in sections for detail in s.breaks]
    return {
        "date": day.isoformat(),
        "timezone": LOCAL_TZ.key,
        "window": {"from": start.isoformat(), "to": close.isoformat()},
        "run_at": now.isoformat(),
        "status": "breaks" if breaks else "ok",
        "breaks": breaks,
        "sections": {s.name: s.as_dict() for s in sections},
    }


def reconcile(
    session: Session, day: date, *, trigger: str, by: str | None = None
) -> Reconciliation:
    """Reconcile ``day``, store it as its next version, and alert on any break."""
    claim_day(session, day)
    started = clock.now()
    report = build_report(session, day)
    row = _store(session, day, report, trigger=trigger, by=by, started=started)
    if row.status == "breaks":
        alerts.raise_alert(session, row)
    else:
        log.info("reconciliation of %s (version %d): ok", day.isoformat(), row.version)
    return row


def claim_day(session: Session, day: date) -> None:
    """Say at once when the day is already being reconciled, instead of running twice.

    PostgreSQL: a transaction-scoped advisory lock on the day, tried without
    waiting and released when the run commits or rolls back; a second run of
    the same day meanwhile (the sweep, a command, an operator) is refused with
    ``ReconciliationRunning``. SQLite serialises writers (``BEGIN IMMEDIATE``):
    the second run waits for the first and is stored as the next version.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    got = session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:space, :day)"),
        {"space": LOCK_SPACE, "day": day.toordinal()},
    )
    if not got:
        raise ReconciliationRunning(f"The reconciliation of {day.isoformat()} is already running.")


def _store(
    session: Session,
    day: date,
    report: dict[str, Any],
    *,
    trigger: str,
    by: str | None,
    started: Any,
) -> Reconciliation:
    for _ in range(VERSION_ATTEMPTS):
        latest = session.scalar(
            select(func.max(Reconciliation.version)).where(Reconciliation.business_date == day)
        )
        row = Reconciliation(
            business_date=day,
            version=int(latest or 0) + 1,
            status=report["status"],
            breaks=len(report["breaks"]),
            trigger=trigger,
            triggered_by=by,
            started_at=started,
            finished_at=clock.now(),
            report=report,
            alert_status="none",
            alert_attempts=0,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # another run of the same day took this version first
            continue
        return row
    raise Conflict(f"Another reconciliation of {day.isoformat()} is being stored; retry.")


def latest_run(session: Session, day: date, *, trigger: str | None = None) -> Reconciliation | None:
    query = select(Reconciliation).where(Reconciliation.business_date == day)
    if trigger is not None:
        query = query.where(Reconciliation.trigger == trigger)
    return session.scalar(query.order_by(Reconciliation.version.desc()).limit(1))


def get_run(session: Session, day: date, version: int | None = None) -> Reconciliation:
    """The latest (or the given) version of a day's reconciliation, or NotFound."""
    if version is None:
        row = latest_run(session, day)
    else:
        row = session.scalar(
            select(Reconciliation).where(
                Reconciliation.business_date == day, Reconciliation.version == version
            )
        )
    if row is None:
        raise NotFound(f"No reconciliation of {day.isoformat()}.")
    return row


def versions_of(session: Session, day: date) -> list[Reconciliation]:
    return list(
        session.scalars(
            select(Reconciliation)
            .where(Reconciliation.business_date == day)
            .order_by(Reconciliation.version)
        )
    )


def list_runs(session: Session, *, limit: int, before_id: int | None = None) -> Page:
    """Every run, newest first; ``next_before_id`` continues the listing."""
    query = select(Reconciliation).order_by(Reconciliation.id.desc()).limit(limit + 1)
    if before_id is not None:
        query = query.where(Reconciliation.id < before_id)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].id if more and rows else None)


def get_run_by_id(session: Session, run_id: int) -> Reconciliation:
    """One stored run, or NotFound."""
    row = session.get(Reconciliation, run_id)
    if row is None:
        raise NotFound(f"No reconciliation run {run_id}.")
    return row


def run_for_admin(session: Session, day: date, *, admin_id: str, ip: str | None) -> Reconciliation:
    """An admin asked for a run now: reconcile and leave it in the audit trail."""
    return run_for_staff(session, day, actor_role="admin", actor_id=admin_id, ip=ip)


def run_for_staff(
    session: Session, day: date, *, actor_role: str, actor_id: str, ip: str | None
) -> Reconciliation:
    """Head-office staff (REST admin, back-office operator) asked for a run now: the
    sweep's own ``reconcile``, then the audit trail."""
    from app.audit.service import record

    row = reconcile(session, day, trigger="admin", by=actor_id)
    record(
        session,
        actor_role=actor_role,
        actor_id=actor_id,
        action="reconciliation.run",
        target_type="reconciliation",
        target_id=day.isoformat(),
        after={"version": row.version, "status": row.status, "breaks": row.breaks},
        ip=ip,
    )
    return row
