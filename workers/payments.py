"""Jobs of bill and merchant payments: callbacks, request expiry, biller settlement."""

from __future__ import annotations

import logging
from datetime import timedelta

import requests

from app.clock import local_today
from app.db import current_runtime, transaction
from app.payments import callbacks
from app.payments.requests import due_request_ids, expire_one
from app.payments.settlement import settle_billers
from workers.expiry import expire_each
from workers.webhook_post import Poster, post_webhook

log = logging.getLogger(__name__)


def _describe(exc: Exception) -> str:
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code}"
    return exc.__class__.__name__


def deliver_callback(delivery_id: int) -> bool:
    """POST one signed callback if it is due; record the outcome. Never raises for a
    refusal by the receiver: the retry schedule is the delivery's own (``callbacks``).

    The request is built (and the attempt counted) in one transaction, sent
    outside any, and its outcome recorded in another. Tests and operators may
    swap the HTTP client through ``runtime.services["callback_http_post"]``.
    """
    rt = current_runtime()
    with transaction(rt) as session:
        callback = callbacks.prepare(session, delivery_id)
    if callback is None:
        return False
    post: Poster = rt.services.get("callback_http_post", post_webhook)
    try:
        post(callback.url, callback.body, callback.headers)
    except Exception as exc:
        with transaction(rt) as session:
            callbacks.record_failure(session, delivery_id, _describe(exc))
        return False
    with transaction(rt) as session:
        callbacks.record_success(session, delivery_id)
    return True


def retry_callbacks() -> int:
    """Queue every callback whose next attempt is due (the retry sweep)."""
    with transaction(current_runtime()) as session:
        return callbacks.enqueue_due(session)


def expire_requests() -> int:
    """Expire every payment request past its deadline; one transaction each."""
    return expire_each("payment request", due_request_ids, expire_one)


def settle_yesterday() -> int:
    """Settle every biller for the previous business day (idempotent: hourly is harmless)."""
    with transaction(current_runtime()) as session:
        settlements = settle_billers(session, local_today() - timedelta(days=1))
        return sum(s.amount for s in settlements)
