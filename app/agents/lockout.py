"""Staff sign-in lockout: five failures in a row lock the account until an admin unlocks it.

Counting is atomic. Before a password is hashed, the attempt is *taken* with
one guarded ``UPDATE … SET failed_logins = failed_logins + 1 WHERE locked_at
IS NULL AND failed_logins < limit``: on PostgreSQL the row stays locked until
the sign-in commits, so attempts on one account are evaluated one after the
other, and fifty requests racing each other get at most ``limit`` evaluations;
the rest are refused with ``account_locked`` without touching the password.
A success resets the count (``staff.authenticate_staff``); the failure that
reaches the limit sets ``locked_at``.

Every failure is written to the audit trail (``staff.login_failed``: the
reason, the count, the address; never the password or the code), a lock too
(``staff.lock``), and counted in ``postcash_staff_login_failures_total``. A
lock, and a burst of failures across all staff accounts
(``STAFF_LOGIN_BURST`` failures within ``STAFF_LOGIN_BURST_WINDOW`` seconds,
read from the audit trail, so it holds across web nodes), raise an alert the
way a broken reconciliation does: an error-level log line for the log-based
alert rules and, when ``ONCALL_WEBHOOK_URL`` is set, a JSON POST by the
``workers.security.notify_oncall`` job after commit.

Unlocking (``unlock_staff``, REST ``POST /admin/staff/{id}/unlock`` or
``flask users unlock``) needs a reason and is audited.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.agents.locks import lock_staff
from app.agents.models import StaffUser
from app.audit import AuditEvent, record, record_by
from app.audit.reasons import operator_reason
from app.auth.throttle import throttle_of
from app.clock import clock
from app.db import jobs, rows_matched, runtime_of, settings
from app.errors import NotFound
from app.ops.metrics import STAFF_LOCKOUTS, STAFF_LOGIN_BURSTS, STAFF_LOGIN_FAILURES
from app.principal import Principal

log = logging.getLogger(__name__)

FAILED = "staff.login_failed"
ALERT_JOB = "workers.security.notify_oncall"
UNKNOWN_LOCK = "1 day"
REASONS = ("unknown_username", "password", "totp", "totp_replayed", "disabled", "locked")


def take_attempt(session: Session, staff: StaffUser) -> int | None:
    """Count one more attempt before it is evaluated; its number, or None if the account
    is locked (or its last free attempts are being evaluated right now)."""
    limit = settings(session).STAFF_LOGIN_MAX_FAILURES
    taken = session.execute(
        update(StaffUser)
        .where(
            StaffUser.id == staff.id,
            StaffUser.locked_at.is_(None),
            StaffUser.failed_logins < limit,
        )
        .values(failed_logins=StaffUser.failed_logins + 1)
        .execution_options(synchronize_session=False)
    )
    if not rows_matched(taken):
        return None
    return session.execute(
        select(StaffUser.failed_logins).where(StaffUser.id == staff.id)
    ).scalar_one()


def take_unknown_attempt(session: Session, username: str) -> bool:
    """Count a sign-in for a username nobody has; False once it has had the failures that
    would have locked a real account.

    So the lock is no oracle: after five failures any username, real or not, answers
    ``account_locked`` (an unknown one for ``UNKNOWN_LOCK`` rather than until an
    unlock). The names are counted hashed, in the rate-limit storage, never stored.
    """
    runtime = runtime_of(session)
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    limits = f"{runtime.config.STAFF_LOGIN_MAX_FAILURES}/{UNKNOWN_LOCK}"
    try:
        return throttle_of(runtime).take(limits, "staff-unknown", digest) is None
    except Exception as exc:  # storage down: a plain refusal, as for a wrong password
        log.error("throttle storage unavailable: %s", exc.__class__.__name__)
        return True


def failed(
    session: Session, staff: StaffUser | None, reason: str, *, attempt: int | None, ip: str | None
) -> None:
    """Audit and count a refused sign-in; lock the account when ``attempt`` reaches the limit."""
    STAFF_LOGIN_FAILURES.labels(reason=reason).inc()
    event = record(
        session,
        actor_role="anonymous",
        actor_id=None,
        action=FAILED,
        target_type="staff" if staff is not None else None,
        target_id=staff.id if staff is not None else None,
        after={"reason": reason, "failures_in_a_row": attempt},
        ip=ip,
    )
    log.warning(
        "staff sign-in refused (%s) for %s",
        reason,
        staff.id if staff is not None else "an unknown username",
    )
    limit = settings(session).STAFF_LOGIN_MAX_FAILURES
    if staff is not None and attempt is not None and attempt >= limit:
        _lock(session, staff, ip)
    _burst(session, event)


def _lock(session: Session, staff: StaffUser, ip: str | None) -> None:
    locked = session.execute(
        update(StaffUser)
        .where(StaffUser.id == staff.id, StaffUser.locked_at.is_(None))
        .values(locked_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if not rows_matched(locked):
        return
    STAFF_LOCKOUTS.inc()
    limit = settings(session).STAFF_LOGIN_MAX_FAILURES
    event = record(
        session,
        actor_role="system",
        actor_id=None,
        action="staff.lock",
        target_type="staff",
        target_id=staff.id,
        before={"locked": False},
        after={"locked": True, "failures_in_a_row": limit},
        ip=ip,
    )
    log.error(
        "staff %s locked after %d sign-in failures in a row",
        staff.id,
        limit,
        extra={"fields": {"staff_id": staff.id, "alert": "staff.locked"}},
    )
    _page_oncall(session, event)


def _burst(session: Session, event: AuditEvent) -> None:
    """Alert once when the failures of the last window across all staff reach the threshold."""
    config = settings(session)
    since = clock.now() - timedelta(seconds=config.STAFF_LOGIN_BURST_WINDOW)
    recent = session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == FAILED, AuditEvent.occurred_at > since
        )
    )
    if int(recent or 0) != config.STAFF_LOGIN_BURST:
        return
    log.error(
        "burst of staff sign-in failures: %d in %d s",
        config.STAFF_LOGIN_BURST,
        config.STAFF_LOGIN_BURST_WINDOW,
        extra={"fields": {"alert": "staff.login_failures_burst"}},
    )
    STAFF_LOGIN_BURSTS.inc()
    _page_oncall(session, event)


def _page_oncall(session: Session, event: AuditEvent) -> None:
    if settings(session).ONCALL_WEBHOOK_URL:
        jobs.enqueue(session, ALERT_JOB, audit_event_id=event.id)


def alert_payload(session: Session, audit_event_id: int) -> dict[str, object] | None:
    """What on-call is told about a lock or a burst (ids and counts, no username)."""
    event = session.get(AuditEvent, audit_event_id)
    if event is None:
        return None
    config = settings(session)
    if event.action == "staff.lock":
        return {
            "event": "staff.locked",
            "staff_id": event.target_id,
            "at": event.occurred_at.isoformat(),
            "failures_in_a_row": config.STAFF_LOGIN_MAX_FAILURES,
        }
    return {
        "event": "staff.login_failures_burst",
        "at": event.occurred_at.isoformat(),
        "failures": config.STAFF_LOGIN_BURST,
        "window_seconds": config.STAFF_LOGIN_BURST_WINDOW,
    }


def unlock_staff(
    session: Session, staff_id: str, *, reason: str, by: Principal | None = None
) -> StaffUser:
    """Let a locked staff account sign in again (the failure count starts over); idempotent."""
    why = operator_reason(reason)
    staff = lock_staff(session, staff_id)
    if staff is None:
        raise NotFound("No such staff member.")
    if staff.locked_at is None and staff.failed_logins == 0:
        return staff
    before = {"locked": staff.locked_at is not None, "failures_in_a_row": staff.failed_logins}
    staff.locked_at = None
    staff.failed_logins = 0
    session.flush()
    record_by(
        session,
        by,
        action="staff.unlock",
        target_type="staff",
        target_id=staff.id,
        before=before,
        after={"locked": False, "reason": why},
    )
    log.info("staff %s unlocked", staff.id)
    return staff
