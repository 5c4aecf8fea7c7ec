"""Jobs of the daily reconciliation: the daily sweep and the on-call alert."""

from __future__ import annotations

import logging
from datetime import timedelta

import requests

from app.clock import local_today
from app.db import current_runtime, transaction
from app.reconciliation import alerts, latest_run, reconcile

log = logging.getLogger(__name__)

ONCALL_TIMEOUT = 10


def reconcile_yesterday() -> int:
    """Reconcile the business day that just ended, once: a repeated sweep finds it done."""
    day = local_today() - timedelta(days=1)
    with transaction() as session:
        done = latest_run(session, day, trigger="schedule")
        if done is not None:
            return done.id
        row = reconcile(session, day, trigger="schedule")
        return row.id


def notify_oncall(reconciliation_id: int) -> bool:
    """POST the alert of one reconciliation; raise on failure so rq retries it with backoff.

    The attempt is counted in one transaction, the POST made outside any, and
    the alert marked sent in another: a delivered alert is never sent again.
    """
    rt = current_runtime()
    with transaction(rt) as session:
        alert = alerts.prepare(session, reconciliation_id)
    if alert is None:
        return False
    try:
        response = requests.post(
            alert.url,
            data=alert.body.encode(),
            headers={"Content-Type": "application/json", "User-Agent": "PostCash-Reconciliation"},
            timeout=ONCALL_TIMEOUT,
        )
        response.raise_for_status()
    except requests.RequestException as exc:
        with transaction(rt) as session:
            alerts.mark_failed_attempt(session, reconciliation_id, exc.__class__.__name__)
        log.warning("on-call alert %s not delivered: %s", reconciliation_id, exc.__class__.__name__)
        raise
    with transaction(rt) as session:
        alerts.mark_sent(session, reconciliation_id)
    log.info("on-call alert %s delivered", reconciliation_id)
    return True
