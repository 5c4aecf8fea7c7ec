"""Who on the staff may still sign in: disabling and re-enabling accounts.

An agent who leaves, or whose phone and password are stolen, must lose access
at once, not when their token expires: disabling revokes every live token of
the account in the same unit of work, and sign-in refuses a disabled account.
Nothing is deleted, so the audit trail and the ledger keep naming who did
what, and the agent's float stays where it is until an admin moves it.

Two guards keep the service administrable: an admin cannot disable their own
account, and the last active admin cannot be disabled (the active admins are
locked first, in one order, so two admins disabling each other at once
cannot both win).
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agents.locks import lock_admins, lock_staff
from app.agents.models import StaffUser
from app.audit import record_by
from app.audit.reasons import operator_reason
from app.auth.tokens import revoke_other_tokens
from app.errors import Conflict, NotFound
from app.principal import Principal

log = logging.getLogger(__name__)


def disable_staff(
    session: Session, staff_id: str, *, reason: str, by: Principal | None = None
) -> StaffUser:
    """Refuse the account's sign-ins and revoke its live tokens; idempotent."""
    why = operator_reason(reason)
    admins = lock_admins(session) if _role_of(session, staff_id) == "admin" else []
    staff = _locked(session, staff_id)
    if staff.status == "disabled":
        return staff
    if by is not None and by.role in ("agent", "admin") and by.id == staff.id:
        raise Conflict("You cannot disable your own account.")
    if staff.role == "admin" and not any(a.status == "active" and a.id != staff.id for a in admins):
        raise Conflict("The last active administrator cannot be disabled.")
    staff.status = "disabled"
    revoked = revoke_other_tokens(session, staff.role, staff.id, keep_token_id=None)
    _audit(session, staff, "disable", why, by, revoked=revoked)
    log.info("staff %s disabled; %d live token(s) revoked", staff.id, revoked)
    return staff


def enable_staff(
    session: Session, staff_id: str, *, reason: str, by: Principal | None = None
) -> StaffUser:
    """Let a disabled account sign in again (its old tokens stay revoked); idempotent."""
    why = operator_reason(reason)
    staff = _locked(session, staff_id)
    if staff.status == "active":
        return staff
    staff.status = "active"
    _audit(session, staff, "enable", why, by)
    log.info("staff %s enabled", staff.id)
    return staff


def _locked(session: Session, staff_id: str) -> StaffUser:
    staff = lock_staff(session, staff_id)
    if staff is None:
        raise NotFound("No such staff member.")
    return staff


def _role_of(session: Session, staff_id: str) -> str | None:
    return session.scalar(select(StaffUser.role).where(StaffUser.id == staff_id))


def _audit(
    session: Session,
    staff: StaffUser,
    verb: str,
    reason: str,
    by: Principal | None,
    *,
    revoked: int | None = None,
) -> None:
    after: dict[str, object] = {"status": staff.status, "reason": reason}
    if revoked is not None:
        after["sessions_ended"] = revoked
    record_by(
        session,
        by,
        action=f"staff.{verb}",
        target_type="staff",
        target_id=staff.id,
        before={"status": "active" if verb == "disable" else "disabled"},
        after=after,
    )
