"""Sending SMS: record in the caller's transaction, deliver from a job after commit.

``send_sms`` renders the text in the customer's language, transliterates it to
GSM-7, refuses a text that would not fit one SMS, stores it (any code masked
in ``body``, the code itself encrypted) and enqueues ``workers.sms.deliver``.
The job (``deliver_message``) renders again with the code, hands the text to
the gateway and records its verdict; it does nothing for a message that is no
longer ``queued``, so a retried or duplicated job never sends twice.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import clock
from app.db import jobs, settings
from app.db.bulk import insert_rows, taken_values
from app.i18n import normalize_language, translate
from app.notify.gateways import GatewayUnavailable, OutgoingSms, SendResult, SmsGateway
from app.notify.gsm import SINGLE_PART, septets, to_gsm7
from app.notify.locks import lock_message, lock_message_by_provider_id
from app.notify.models import FINAL_STATUSES, SmsMessage, new_id
from app.secretbox import seal, unseal

log = logging.getLogger(__name__)

SECRET_MASK = "******"
SECRET_PURPOSE = "sms-secret"
DELIVER_JOB = "workers.sms.deliver"

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")

# Africa's Talking delivery-report statuses → ours. Intermediate ones only move
# a queued message to sent; a final status is never overwritten (reports can
# arrive out of order).
REPORT_STATUSES = {
    "Success": "delivered",
    "Failed": "failed",
    "Rejected": "rejected",
    "AbsentSubscriber": "failed",
    "Expired": "failed",
    "Sent": "sent",
    "Submitted": "sent",
    "Buffered": "sent",
}


def render(template: str, language: str, params: dict[str, Any], code: str | None) -> str:
    """The GSM-7 text of ``template``; ``code`` fills ``{code}`` when the message has one."""
    values = dict(params)
    if code is not None:
        values["code"] = code
    return to_gsm7(translate(template, language, **values))


def send_sms(
    session: Session,
    *,
    to: str,
    template: str,
    language: str,
    params: dict[str, Any],
    secret: str | None = None,
    purpose: str = "notification",
    dedupe_key: str | None = None,
    expires_at: datetime | None = None,
) -> SmsMessage:
    """Record an SMS to ``to`` (E.164) and have it delivered after commit.

    ``secret`` (an OTP or a code) is the only way to put a code in a text: it
    fills ``{code}`` at delivery and is never stored in clear. With a
    ``dedupe_key`` already used, the first message is returned and nothing new
    is sent (one receipt per movement, however often a job runs). A message
    with ``expires_at`` is dropped, not sent, once that moment has passed.
    """
    if dedupe_key is not None:
        existing = _by_dedupe_key(session, dedupe_key)
        if existing is not None:
            return existing
    message = SmsMessage(
        **_message_values(
            settings(session),
            OutgoingDraft(to, template, language, params, secret, purpose, dedupe_key, expires_at),
        )
    )
    if dedupe_key is None:
        session.add(message)
        session.flush()
    else:
        try:
            with session.begin_nested():
                session.add(message)
                session.flush()
        except IntegrityError:
            existing = _by_dedupe_key(session, dedupe_key)
            if existing is None:
                raise
            return existing
    jobs.enqueue(
        session,
        DELIVER_JOB,
        route=sms_route(purpose, secret is not None),
        expires_at=expires_at,
        message_id=message.id,
    )
    log.info("sms %s queued (%s, %s)", message.id, template, purpose)
    return message


def sms_route(purpose: str, has_code: bool, bulk: bool = False) -> str:
    """The route key of a message's delivery job (``app.db.queue.ROUTES``).

    A message with a code in it is awaited now, whatever its purpose; many
    receipts sent at once (a bulk payout) must not hold back single ones.
    """
    if has_code:
        return "sms:code"
    return "sms:bulk" if bulk else f"sms:{purpose}"


@dataclass(frozen=True, slots=True)
class OutgoingDraft:
    """One SMS of a bulk send: the arguments of ``send_sms``."""

    to: str
    template: str
    language: str
    params: dict[str, Any]
    secret: str | None = None
    purpose: str = "notification"
    dedupe_key: str | None = None
    expires_at: datetime | None = None


def send_many(session: Session, drafts: list[OutgoingDraft], *, bulk: bool | None = None) -> int:
    """Record many SMS in a fixed number of statements (a bulk payout); returns how many are new.

    Same rules as ``send_sms``; a draft whose dedupe key was already used sends
    nothing. ``bulk``: whether they are many of one kind sent at once (a payout's
    receipts: the bulk queue); by default, when there are more than one (the
    receipts of a single payment say ``bulk=False``). The keys are looked up
    once, not guarded one by one: should another transaction write one of them
    meanwhile (two copies of a job), the unique index fails this one as a whole,
    and its retry finds them used. Nobody is texted twice either way. (A
    payment's receipts are written under the payment's row lock: no twin.)
    """
    keys = [d.dedupe_key for d in drafts if d.dedupe_key is not None]
    used = taken_values(session, SmsMessage.dedupe_key, set(keys))
    config = settings(session)
    rows = [
        {"id": new_id(), **_message_values(config, draft)}
        for draft in drafts
        if draft.dedupe_key is None or draft.dedupe_key not in used
    ]
    if not rows:
        return 0
    insert_rows(session, SmsMessage.__table__, rows)
    # Thousands of receipts at once go to the bulk queue; codes stay urgent.
    jobs.enqueue_many(
        session,
        DELIVER_JOB,
        [{"message_id": row["id"]} for row in rows],
        routes=[
            sms_route(
                row["purpose"],
                row["secret_encrypted"] is not None,
                bulk=len(rows) > 1 if bulk is None else bulk,
            )
            for row in rows
        ],
        expires_at=[row["expires_at"] for row in rows],
    )
    log.info("%d sms queued (%s)", len(rows), rows[0]["template"])
    return len(rows)


def _message_values(config: Any, draft: OutgoingDraft) -> dict[str, Any]:
    """The row of a queued message: rendered, checked for length, its code sealed."""
    if not _E164.match(draft.to):
        raise ValueError("SMS recipient must be an E.164 number")
    if "code" in draft.params:
        raise ValueError("codes go in secret=, never in params (they would be stored in clear)")
    language = normalize_language(draft.language)
    secret = draft.secret
    mask = SECRET_MASK if secret is not None else None
    body = render(draft.template, language, draft.params, mask)
    sent = body if secret is None else render(draft.template, language, draft.params, secret)
    length = septets(sent)  # already GSM-7: counted, not transliterated again
    if length > SINGLE_PART:
        if not config.is_production:
            raise ValueError(
                f"{draft.template} ({language}) is {length} GSM-7 characters, over 160"
            )
        log.error(
            "%s (%s) is %d characters: sent as several parts", draft.template, language, length
        )
    return {
        "to_msisdn": draft.to,
        "template": draft.template,
        "language": language,
        "params": draft.params,
        "body": body,
        "secret_encrypted": seal(config.SECRET_KEY, SECRET_PURPOSE, secret)
        if secret is not None
        else None,
        "purpose": draft.purpose,
        "dedupe_key": draft.dedupe_key,
        "status": "queued",
        "attempts": 0,
        "expires_at": draft.expires_at,
        "created_at": clock.now(),
    }


def _by_dedupe_key(session: Session, dedupe_key: str) -> SmsMessage | None:
    return session.scalar(select(SmsMessage).where(SmsMessage.dedupe_key == dedupe_key))


def deliver_message(session: Session, message_id: str, gateway: SmsGateway) -> SmsMessage | None:
    """Send one queued message through ``gateway`` and record the verdict.

    The message row stays locked while the gateway is called, so two copies of
    the job cannot both send it. ``GatewayUnavailable`` propagates after the
    attempt is counted; the caller commits that and lets the job retry.
    """
    message = lock_message(session, message_id)
    if message is None:
        log.warning("sms %s: no such message", message_id)
        return None
    if message.status != "queued":
        return message
    now = clock.now()
    if message.expires_at is not None and now >= message.expires_at:
        message.status = "failed"
        message.failure_reason = "expired before it could be sent"
        message.secret_encrypted = None
        log.info("sms %s dropped: its code expired before sending", message.id)
        return message
    code = None
    if message.secret_encrypted is not None:
        code = unseal(settings(session).SECRET_KEY, SECRET_PURPOSE, message.secret_encrypted)
    text = render(message.template, message.language, message.params, code)
    message.attempts += 1
    try:
        result = gateway.send(OutgoingSms(message.id, message.to_msisdn, text, message.body))
    except GatewayUnavailable as exc:
        message.failure_reason = str(exc)[:200]
        log.warning("sms %s not sent (attempt %d): %s", message.id, message.attempts, exc)
        raise
    _record_result(message, result, now)
    return message


def _record_result(message: SmsMessage, result: SendResult, now: datetime) -> None:
    message.provider_message_id = result.provider_message_id
    message.cost = result.cost
    # The gateway has the text now, or never will: the code is not needed any more.
    message.secret_encrypted = None
    if result.status == "sent":
        message.status = "sent"
        message.sent_at = now
        message.failure_reason = None
        log.info("sms %s sent via provider id %s", message.id, result.provider_message_id)
    else:
        message.status = "failed"
        message.failure_reason = (result.failure_reason or "refused by the provider")[:200]
        log.warning("sms %s refused for good: %s", message.id, message.failure_reason)


def record_delivery_report(
    session: Session,
    *,
    provider_message_id: str,
    status: str,
    failure_reason: str | None = None,
) -> SmsMessage | None:
    """Apply a provider's delivery report; unknown ids and statuses are ignored."""
    if not provider_message_id:
        return None
    message = lock_message_by_provider_id(session, provider_message_id)
    if message is None:
        log.info("delivery report for unknown provider id %s", provider_message_id[:100])
        return None
    new_status = REPORT_STATUSES.get(status)
    if new_status is None:
        log.warning("sms %s: unknown delivery status %r", message.id, status[:40])
        return message
    if message.status in FINAL_STATUSES:
        return message
    now = clock.now()
    if new_status == "sent":
        if message.status == "queued":
            message.status = "sent"
            message.sent_at = message.sent_at or now
        return message
    message.status = new_status
    message.secret_encrypted = None
    if new_status == "delivered":
        message.delivered_at = now
        message.failure_reason = None
    else:
        message.failure_reason = (failure_reason or status)[:200]
    log.info("sms %s %s by delivery report", message.id, new_status)
    return message
