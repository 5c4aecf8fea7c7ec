"""Telling on-call that a reconciliation broke.

Always an error-level log line (log shipping and its alert rules see it);
and, when ``ONCALL_WEBHOOK_URL`` is set, a JSON POST to it, delivered by the
``workers.reconciliation.notify_oncall`` job after commit with rq's retries.
The payload names the checks that broke and where to read the report; it
carries no customer data. A delivered alert is never sent again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.clock import clock
from app.db import jobs, settings
from app.reconciliation.locks import lock_reconciliation
from app.reconciliation.models import Reconciliation

log = logging.getLogger(__name__)

JOB = "workers.reconciliation.notify_oncall"
REPORT_PATH = "/api/v1/admin/reconciliations/{date}?version={version}"


@dataclass(frozen=True, slots=True)
class OncallAlert:
    url: str
    body: str


def raise_alert(session: Session, row: Reconciliation) -> None:
    checks = sorted({b["check"] for b in row.report["breaks"]})
    log.error(
        "reconciliation of %s (version %d): %d break(s) in %s",
        row.business_date.isoformat(),
        row.version,
        row.breaks,
        ", ".join(checks),
        extra={"fields": {"reconciliation_id": row.id, "breaks": row.breaks, "checks": checks}},
    )
    if settings(session).ONCALL_WEBHOOK_URL:
        row.alert_status = "pending"
        session.flush()
        jobs.enqueue(session, JOB, reconciliation_id=row.id)


def payload(row: Reconciliation) -> dict[str, Any]:
    day = row.business_date.isoformat()
    return {
        "event": "reconciliation.breaks",
        "date": day,
        "version": row.version,
        "status": row.status,
        "breaks": row.report["breaks"],
        "run_at": row.report["run_at"],
        "report": REPORT_PATH.format(date=day, version=row.version),
    }


def prepare(session: Session, reconciliation_id: int) -> OncallAlert | None:
    """The POST to make, with the attempt counted; None if there is nothing (left) to send."""
    url = settings(session).ONCALL_WEBHOOK_URL
    row = lock_reconciliation(session, reconciliation_id)
    if row is None or row.alert_status != "pending" or not url:
        return None
    row.alert_attempts += 1
    return OncallAlert(url, json.dumps(payload(row), ensure_ascii=False, sort_keys=True))


def mark_sent(session: Session, reconciliation_id: int) -> None:
    row = lock_reconciliation(session, reconciliation_id)
    if row is not None and row.alert_status == "pending":
        row.alert_status = "sent"
        row.alerted_at = clock.now()
        row.alert_error = None


def mark_failed_attempt(session: Session, reconciliation_id: int, reason: str) -> None:
    row = lock_reconciliation(session, reconciliation_id)
    if row is not None and row.alert_status == "pending":
        row.alert_error = reason[:300]
