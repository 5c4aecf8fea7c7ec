"""Taking a biller off the list customers pay from, and putting it back.

A biller whose contract ends, or whose collection must stop (a tax office
closed, a fee abolished), is disabled: it leaves ``GET /billers`` and the
USSD and SMS menus, and a new bill payment to it is refused as an unknown
biller. Nothing already under way is dropped: a payment placed before can
still be confirmed or cancelled, and what was collected is still settled to
the biller (settlement covers every biller with a balance). Its API key is a
separate matter (``/admin/api-clients``): a disabled biller may still poll
its past payments.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from app.audit import record_by
from app.audit.reasons import operator_reason
from app.payments.errors import BillerNotFound
from app.payments.locks import lock_biller
from app.payments.models import Biller
from app.principal import Principal

log = logging.getLogger(__name__)


def disable_biller(
    session: Session, code: str, *, reason: str, by: Principal | None = None
) -> Biller:
    """Refuse new payments to the biller; idempotent."""
    return _set_status(session, code, "disabled", operator_reason(reason), by)


def enable_biller(
    session: Session, code: str, *, reason: str, by: Principal | None = None
) -> Biller:
    """Offer the biller to customers again; idempotent."""
    return _set_status(session, code, "active", operator_reason(reason), by)


def _set_status(
    session: Session, code: str, status: str, reason: str, by: Principal | None
) -> Biller:
    clean = code.strip().upper() if isinstance(code, str) else ""
    biller = lock_biller(session, clean)
    if biller is None:
        raise BillerNotFound(f"No biller with code {clean[:24]!r}.")
    if biller.status == status:
        return biller
    before = {"status": biller.status}
    biller.status = status
    session.flush()
    record_by(
        session,
        by,
        action="biller.disable" if status == "disabled" else "biller.enable",
        target_type="biller",
        target_id=biller.code,
        before=before,
        after={"status": status, "reason": reason},
    )
    log.info("biller %s %s", biller.code, status)
    return biller
