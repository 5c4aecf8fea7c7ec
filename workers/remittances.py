"""Jobs of remittances: the expiry sweep and partner callbacks."""

from __future__ import annotations

import logging

from app.db import current_runtime, transaction
from app.remittances import webhooks
from app.remittances.sweeps import due_remittance_ids, expire_one
from workers.expiry import expire_each
from workers.webhook_post import Poster, post_webhook

log = logging.getLogger(__name__)


def expire_due() -> int:
    """Expire every remittance past its deadline (OTP or payout); one transaction each."""
    return expire_each("remittance", due_remittance_ids, expire_one)


def deliver_partner_callback(delivery_id: int) -> bool:
    """POST one signed callback; raise on failure so rq retries it with backoff.

    The request is built and the attempt counted in one transaction, sent
    outside any transaction, and marked delivered in another: a delivered
    event is never sent again. Tests and operators may swap the HTTP client
    through ``runtime.services["partner_http_post"]``.
    """
    rt = current_runtime()
    with transaction(rt) as session:
        callback = webhooks.prepare(session, delivery_id)
    if callback is None:
        return False
    post: Poster = rt.services.get("partner_http_post", post_webhook)
    try:
        post(callback.url, callback.body, callback.headers)
    except Exception as exc:
        with transaction(rt) as session:
            webhooks.mark_failed_attempt(session, delivery_id, exc.__class__.__name__)
        log.warning("partner callback %s failed: %s", delivery_id, exc.__class__.__name__)
        raise
    with transaction(rt) as session:
        webhooks.mark_delivered(session, delivery_id)
    return True
