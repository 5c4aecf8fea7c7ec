"""Security alerts for on-call: a staff account locked, a burst of staff sign-in failures."""

from __future__ import annotations

import json
import logging

import requests

from app.agents.lockout import alert_payload
from app.db import current_runtime, transaction

log = logging.getLogger(__name__)

ONCALL_TIMEOUT = 10


def notify_oncall(audit_event_id: int) -> bool:
    """POST the alert about one audit event to ``ONCALL_WEBHOOK_URL``; raise on failure so rq
    retries it with backoff (an alert may then arrive twice, never not at all)."""
    rt = current_runtime()
    url = rt.config.ONCALL_WEBHOOK_URL
    with transaction(rt) as session:
        body = alert_payload(session, audit_event_id)
    if body is None or not url:
        return False
    response = requests.post(
        url,
        data=json.dumps(body, sort_keys=True).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "PostCash-Security"},
        timeout=ONCALL_TIMEOUT,
        allow_redirects=False,
    )
    response.raise_for_status()
    log.info("on-call security alert %s delivered", audit_event_id)
    return True
