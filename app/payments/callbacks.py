"""Signed notifications to billers and merchants: delivered by a job, retried with backoff.

The wire format is the partners' one (``app/remittances/webhooks.py``), so an
organisation verifies every PostCash callback the same way:

    POST <url>   Content-Type: application/json
    X-PostCash-Event-Id: <event id>          (our reference: de-duplicate on it)
    X-PostCash-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

The secret is drawn when the biller or merchant is created, shown once, and
kept sealed. What is owed is a ``CallbackDelivery`` row written in the same
transaction as the payment (unique per subject and event, so a replay adds
nothing) with its payload frozen, so every retry sends the same body. The job
``workers.payments.deliver_callback`` claims the row (a short lease in
``next_attempt_at`` keeps a second copy of the job from sending at the same
time), posts outside any transaction, then records the outcome: delivered, or
the next attempt after ``WEBHOOK_BACKOFF_SECONDS · 2^(attempts-1)`` (capped),
or ``undeliverable`` after ``WEBHOOK_MAX_ATTEMPTS``. The sweep
``workers.payments.retry_callbacks`` enqueues what is due. Undeliverable rows
stay for operators (``GET /admin/callbacks``), who re-arm them once the
receiver is fixed: nothing is ever dropped.

Outside development and testing (``Config.checks_outbound_urls``: staging too) a
callback may only reach the public internet: a merchant-supplied
URL must not reach into our own network (SSRF). Its host is resolved and every
address it gives must be global (``non_public_reason``); numeric hosts in the
short forms browsers and resolvers accept (``127.1``, ``2130706433``,
``0x7f000001``, ``0``) are read as the addresses they are. The URL is checked
when it is given, and again just before each POST (DNS may have changed since):
a host that now points inward makes the delivery ``undeliverable`` with the
reason, unsent.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import clock
from app.db import jobs, settings
from app.errors import NotFound, ValidationFailed
from app.outbound_urls import UNRESOLVED, non_public_reason
from app.payments.locks import lock_callback
from app.payments.models import Biller, CallbackDelivery, Merchant
from app.remittances.webhooks import EVENT_HEADER, SIGNATURE_HEADER, clean_url, sign
from app.secretbox import seal, unseal

log = logging.getLogger(__name__)

SEAL_PURPOSE = "payments-webhook"
DELIVER_JOB = "workers.payments.deliver_callback"
# Long enough for one HTTP attempt (timeout 10 s) to finish before another copy may try.
LEASE = timedelta(seconds=60)
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Callback:
    url: str
    body: str
    headers: dict[str, str] = field(repr=False)


def new_secret(session: Session) -> tuple[str, str]:
    """A signing secret in clear (to show once) and sealed (to store)."""
    secret = secrets.token_urlsafe(32)
    return secret, seal(settings(session).SECRET_KEY, SEAL_PURPOSE, secret)


def clean_callback_url(session: Session, url: object, field_name: str) -> str:
    """A URL we may post to: absolute, printable, https in production, and outside
    development and testing only to a host whose every address is public
    (``non_public_reason``)."""
    if isinstance(url, str) and not url.isprintable():
        raise ValidationFailed({field_name: ["A URL without control characters."]})
    try:
        value = clean_url(session, url)
    except ValidationFailed as exc:
        raise ValidationFailed({field_name: exc.extra["errors"]["url"]}) from None
    refused = non_public_reason(value) if settings(session).checks_outbound_urls else None
    if refused == UNRESOLVED:
        raise ValidationFailed({field_name: ["The host name does not resolve."]})
    if refused is not None:
        raise ValidationFailed({field_name: ["A public address is required."]})
    return value


def queue(
    session: Session,
    *,
    target_type: str,
    target_id: str,
    subject_id: str,
    event: str,
    url: str,
    payload: dict[str, Any],
) -> CallbackDelivery:
    """Owe one callback for ``(subject_id, event)``; an existing one is returned as is."""
    existing = _find(session, subject_id, event)
    if existing is not None:
        return existing
    now = clock.now()
    delivery = CallbackDelivery(
        target_type=target_type,
        target_id=target_id,
        subject_id=subject_id,
        event=event,
        url=url,
        payload=payload,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(delivery)
            session.flush()
    except IntegrityError:
        winner = _find(session, subject_id, event)
        if winner is None:
            raise
        return winner
    jobs.enqueue(session, DELIVER_JOB, delivery_id=delivery.id)
    return delivery


def _find(session: Session, subject_id: str, event: str) -> CallbackDelivery | None:
    return session.scalar(
        select(CallbackDelivery).where(
            CallbackDelivery.subject_id == subject_id, CallbackDelivery.event == event
        )
    )


def _secret(session: Session, delivery: CallbackDelivery) -> str | None:
    sealed: str | None = None
    if delivery.target_type == "biller":
        biller = session.get(Biller, delivery.target_id)
        sealed = biller.webhook_secret_sealed if biller else None
    else:
        merchant = session.get(Merchant, delivery.target_id)
        sealed = merchant.webhook_secret_sealed if merchant else None
    return unseal(settings(session).SECRET_KEY, SEAL_PURPOSE, sealed) if sealed else None


def prepare(session: Session, delivery_id: int) -> Callback | None:
    """Claim a due delivery and build its signed request; None if nothing is to be sent now."""
    delivery = lock_callback(session, delivery_id)
    now = clock.now()
    if delivery is None or delivery.status != "pending":
        return None
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return None  # in backoff, or another copy of the job holds the lease
    secret = _secret(session, delivery)
    if secret is None:
        _give_up(delivery, "no signing secret for this target")
        return None
    if settings(session).checks_outbound_urls:
        refused = non_public_reason(delivery.url)
        if refused == UNRESOLVED:  # DNS trouble, perhaps ours: an attempt that failed
            delivery.attempts += 1
            _failed(session, delivery, f"not sent: {refused}")
            return None
        if refused is not None:  # the name points inward since the URL was accepted
            _give_up(delivery, f"not sent: {refused}")
            return None
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)
    delivery.attempts += 1
    delivery.next_attempt_at = now + LEASE
    session.flush()
    return Callback(
        url=delivery.url,
        body=body,
        headers={
            "Content-Type": "application/json",
            EVENT_HEADER: str(delivery.payload.get("id", delivery.subject_id)),
            SIGNATURE_HEADER: sign(secret, int(now.timestamp()), body),
        },
    )


def backoff(session: Session, attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failed ones: doubling, capped."""
    base = settings(session).WEBHOOK_BACKOFF_SECONDS
    return min(timedelta(seconds=base * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def record_success(session: Session, delivery_id: int) -> None:
    delivery = lock_callback(session, delivery_id)
    if delivery is not None and delivery.status != "delivered":
        delivery.status = "delivered"
        delivery.delivered_at = clock.now()
        delivery.next_attempt_at = None
        delivery.last_error = None
        log.info("callback %s delivered after %d attempt(s)", delivery.id, delivery.attempts)


def record_failure(session: Session, delivery_id: int, error: str) -> None:
    """Schedule the next attempt, or declare the callback undeliverable after the last one."""
    delivery = lock_callback(session, delivery_id)
    if delivery is None or delivery.status != "pending":
        return
    _failed(session, delivery, error)


def _failed(session: Session, delivery: CallbackDelivery, error: str) -> None:
    delivery.last_error = error[:300]
    if delivery.attempts >= settings(session).WEBHOOK_MAX_ATTEMPTS:
        _give_up(delivery, error)
        return
    delivery.next_attempt_at = clock.now() + backoff(session, delivery.attempts)
    log.info("callback %s failed (attempt %d): %s", delivery.id, delivery.attempts, error[:80])


def _give_up(delivery: CallbackDelivery, error: str) -> None:
    delivery.status = "undeliverable"
    delivery.next_attempt_at = None
    delivery.last_error = error[:300]
    log.warning("callback %s undeliverable after %d attempt(s)", delivery.id, delivery.attempts)


def due_ids(session: Session, limit: int = 200) -> list[int]:
    return list(
        session.scalars(
            select(CallbackDelivery.id)
            .where(
                CallbackDelivery.status == "pending",
                CallbackDelivery.next_attempt_at <= clock.now(),
            )
            .order_by(CallbackDelivery.next_attempt_at, CallbackDelivery.id)
            .limit(limit)
        )
    )


def enqueue_due(session: Session, limit: int = 200) -> int:
    """Queue a delivery job for every callback whose next attempt is due."""
    ids = due_ids(session, limit)
    for delivery_id in ids:
        jobs.enqueue(session, DELIVER_JOB, delivery_id=delivery_id)
    return len(ids)


def list_deliveries(
    session: Session, *, status: str | None, limit: int, after_id: int | None
) -> list[CallbackDelivery]:
    """Deliveries for operators, newest first (``after_id``: the last id of the previous page)."""
    query = select(CallbackDelivery)
    if status is not None:
        query = query.where(CallbackDelivery.status == status)
    if after_id is not None:
        query = query.where(CallbackDelivery.id < after_id)
    return list(session.scalars(query.order_by(CallbackDelivery.id.desc()).limit(limit)))


def rearm(
    session: Session,
    delivery_id: int,
    *,
    admin_id: str,
    actor_role: str = "admin",
    reason: str | None = None,
) -> CallbackDelivery:
    """An operator sends an undeliverable callback again (the receiver was fixed);
    ``actor_role`` names them in the audit trail (``operator`` from the back office),
    with their ``reason`` when they gave one."""
    from app.audit import record

    delivery = lock_callback(session, delivery_id)
    if delivery is None:
        raise NotFound("No such callback.")
    if delivery.status != "undeliverable":
        return delivery
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = clock.now()
    session.flush()
    record(
        session,
        actor_role=actor_role,
        actor_id=admin_id,
        action="callback.rearm",
        target_type="callback_delivery",
        target_id=str(delivery.id),
        before={"status": "undeliverable"},
        after={"status": "pending", **({"reason": reason} if reason else {})},
    )
    jobs.enqueue(session, DELIVER_JOB, delivery_id=delivery.id)
    return delivery


def view(delivery: CallbackDelivery) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": delivery.id,
        "target_type": delivery.target_type,
        "target_id": delivery.target_id,
        "event": delivery.event,
        "event_id": delivery.payload.get("id"),
        "url": delivery.url,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": iso(delivery.next_attempt_at),
        "last_error": delivery.last_error,
        "created_at": iso(delivery.created_at),
        "delivered_at": iso(delivery.delivered_at),
    }
