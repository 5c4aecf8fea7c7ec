"""Status callbacks to partners: HMAC-signed, delivered by a job, retried until accepted.

A partner registers one URL (``PUT /partners/webhook``) and receives, once, the
secret that signs every callback. When one of its remittances is paid out or
expires, a ``WebhookDelivery`` row is written in the same transaction (unique
per remittance and event, so a replay adds nothing) and a job is enqueued. The
job (``workers.remittances.deliver_partner_callback``) posts the JSON body with

    X-PostCash-Event-Id: <remittance id>:<status>
    X-PostCash-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

and raises on anything but a 2xx, so rq retries it with backoff. A delivered
event is never sent again; a partner must still de-duplicate on the event id,
since a delivery can succeed at the partner and fail on the way back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.api_keys import get_api_client
from app.clock import clock
from app.db import jobs, settings
from app.errors import ValidationFailed
from app.outbound_urls import non_public_reason
from app.remittances.locks import lock_partner_webhook, lock_webhook_delivery
from app.remittances.models import PartnerWebhook, Remittance, WebhookDelivery
from app.secretbox import seal, unseal

log = logging.getLogger(__name__)

SEAL_PURPOSE = "partner-webhook"
DELIVER_JOB = "workers.remittances.deliver_partner_callback"
EVENTS = ("paid_out", "expired")
SIGNATURE_HEADER = "X-PostCash-Signature"
EVENT_HEADER = "X-PostCash-Event-Id"


@dataclass(frozen=True, slots=True)
class Callback:
    url: str
    body: str
    headers: dict[str, str] = field(repr=False)


def sign(secret: str, timestamp: int, body: str) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def clean_url(session: Session, url: object) -> str:
    """An absolute https URL (http too outside production) of at most 500 characters."""
    value = url.strip() if isinstance(url, str) else ""
    parts = urlsplit(value)
    config = settings(session)
    schemes = ("https",) if config.is_production else ("https", "http")
    if len(value) > 500 or parts.scheme not in schemes or not parts.hostname:
        raise ValidationFailed({"url": [f"An absolute {' or '.join(schemes)} URL."]})
    return value


def configure(session: Session, partner_id: str, url: object) -> tuple[PartnerWebhook, str]:
    """Set the partner's callback URL and draw a new signing secret (returned once).

    Outside development and testing the URL's host must be public (``app.outbound_urls``)."""
    get_api_client(session, partner_id, role="partner")
    clean = clean_url(session, url)
    refused = non_public_reason(clean) if settings(session).checks_outbound_urls else None
    if refused is not None:
        raise ValidationFailed({"url": [f"A public address is required: {refused}."]})
    secret = secrets.token_urlsafe(32)
    sealed = seal(settings(session).SECRET_KEY, SEAL_PURPOSE, secret)
    now = clock.now()
    hook = lock_partner_webhook(session, partner_id)
    if hook is None:
        hook = PartnerWebhook(
            partner_id=partner_id, url=clean, secret_sealed=sealed, created_at=now, updated_at=now
        )
        session.add(hook)
    else:
        hook.url, hook.secret_sealed, hook.updated_at = clean, sealed, now
    session.flush()
    log.info("partner %s webhook set", partner_id)
    return hook, secret


def notify(session: Session, remittance: Remittance) -> None:
    """Queue the callback of the remittance's new status, if its partner wants callbacks."""
    if remittance.partner_id is None or remittance.status not in EVENTS:
        return
    if session.get(PartnerWebhook, remittance.partner_id) is None:
        return
    delivery = WebhookDelivery(
        remittance_id=remittance.id,
        event=remittance.status,
        status="pending",
        attempts=0,
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(delivery)
            session.flush()
    except IntegrityError:
        return  # already queued for this event
    jobs.enqueue(session, DELIVER_JOB, delivery_id=delivery.id)


def payload(remittance: Remittance, event: str) -> dict[str, object]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": f"{remittance.id}:{event}",
        "event": f"remittance.{event}",
        "remittance": {
            "id": remittance.id,
            "reference": remittance.reference,
            "partner_reference": remittance.partner_reference,
            "status": remittance.status,
            "payout": remittance.payout_method,
            "amount": remittance.amount,
            "currency": remittance.currency,
            "paid_out_at": iso(remittance.paid_out_at),
            "closed_at": iso(remittance.closed_at),
        },
    }


def prepare(session: Session, delivery_id: int) -> Callback | None:
    """The signed request of a pending delivery (counting the attempt); None if done."""
    delivery = lock_webhook_delivery(session, delivery_id)
    if delivery is None or delivery.status == "delivered":
        return None
    remittance = session.get(Remittance, delivery.remittance_id)
    hook = session.get(PartnerWebhook, remittance.partner_id) if remittance else None
    if remittance is None or hook is None:
        return None
    refused = non_public_reason(hook.url) if settings(session).checks_outbound_urls else None
    if refused is not None:  # the name points inward (or nowhere) since it was accepted
        delivery.attempts += 1
        delivery.last_error = f"not sent: {refused}"[:300]
        session.flush()
        log.warning("partner callback %s not sent: %s", delivery.id, refused)
        return None
    secret = unseal(settings(session).SECRET_KEY, SEAL_PURPOSE, hook.secret_sealed)
    body = json.dumps(payload(remittance, delivery.event), separators=(",", ":"))
    timestamp = int(clock.now().timestamp())
    delivery.attempts += 1
    session.flush()
    return Callback(
        url=hook.url,
        body=body,
        headers={
            "Content-Type": "application/json",
            EVENT_HEADER: f"{remittance.id}:{delivery.event}",
            SIGNATURE_HEADER: sign(secret, timestamp, body),
        },
    )


def mark_delivered(session: Session, delivery_id: int) -> None:
    delivery = lock_webhook_delivery(session, delivery_id)
    if delivery is not None and delivery.status != "delivered":
        delivery.status = "delivered"
        delivery.delivered_at = clock.now()
        delivery.last_error = None


def mark_failed_attempt(session: Session, delivery_id: int, error: str) -> None:
    delivery = lock_webhook_delivery(session, delivery_id)
    if delivery is not None and delivery.status != "delivered":
        delivery.last_error = error[:300]
