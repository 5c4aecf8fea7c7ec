"""Handling one text message: store it once, guard the number, run the command, answer.

``handle_inbound`` is what ``POST /sms/inbound`` calls inside its unit of work:

1. store the message under its provider id; a repeat returns the first row and
   does nothing else (``inbox.record_once``);
2. only numbers of the allowed regions are answered, each at most
   ``SMS_REPLIES_PER_HOUR`` times an hour (``inbox.may_answer``): past that,
   silence, and the command is not run;
3. unknown numbers get the registration hint, locked or frozen customers the
   unlock text, everyone else their command's answer (anything unreadable gets
   the help text), in the customer's language (an unknown number: the language
   its keyword was written in);
4. the command runs in a savepoint: a refusal that must keep its state (a
   counted wrong code, a payment failed on its last try) is kept, any other
   refusal is undone, and either way the message row and its answer commit.

The answer goes out through ``send_sms`` (after commit, by the delivery job)
with a dedupe key per inbound message, so one message never gets two answers.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from app.customers.models import Customer
from app.customers.msisdn import try_normalize_msisdn
from app.customers.service import ensure_can_transact, find_by_msisdn
from app.db import settings
from app.errors import AccountLocked, DomainError
from app.i18n import normalize_language
from app.notify.models import SmsMessage
from app.notify.service import send_sms
from app.otp.service import record_sent
from app.sms.inbound import inbox
from app.sms.inbound.commands import HANDLERS
from app.sms.inbound.inbox import IncomingSms
from app.sms.inbound.models import InboundSms
from app.sms.inbound.parser import Command, parse, redact
from app.sms.inbound.replies import Reply, locked, refusal

log = logging.getLogger(__name__)


def handle_inbound(
    session: Session, incoming: IncomingSms, *, after_crash: bool = False
) -> InboundSms | None:
    """Answer one message from the gateway; None when it had no id to keep it by.

    With ``after_crash`` (the first attempt raised something unexpected and was
    rolled back) the message is stored as ``failed`` and the sender gets the
    generic error text instead of a second run of the command.
    """
    if not incoming.provider_id.strip():
        log.warning("inbound sms without a provider id ignored")
        return None
    config = settings(session)
    msisdn = try_normalize_msisdn(incoming.sender, config.ALLOWED_REGIONS)
    command = parse(incoming.text, config.ALLOWED_REGIONS)
    record, fresh = inbox.record_once(
        session,
        incoming,
        sender=msisdn or incoming.sender.strip(),
        text=redact(incoming.text, command),
    )
    if not fresh:
        log.info(
            "inbound sms %s is a repeat of %s: already %s",
            record.provider_id[:40],
            record.id,
            record.outcome,
        )
        return record
    record.command = command.name
    if msisdn is None:
        return _close(record, "ignored")
    if not inbox.may_answer(session, msisdn):
        log.warning("inbound sms %s: its number is over its hourly replies, silenced", record.id)
        return _close(record, "silenced")
    customer = find_by_msisdn(session, msisdn)
    record.customer_id = customer.id if customer is not None else None
    language = _language(customer, command)
    if after_crash:
        reply, outcome = Reply("error.error"), "failed"
    else:
        reply, outcome = _answer(session, customer, command), "replied"
    message = _send(session, record, msisdn, language, reply)
    record.reply_message_id = message.id if message is not None else reply.sent_message_id
    log.info("inbound sms %s (%s) answered", record.id, command.name)
    return _close(record, outcome)


def _close(record: InboundSms, outcome: str) -> InboundSms:
    record.outcome = outcome
    return record


def _language(customer: Customer | None, command: Command) -> str:
    if customer is not None:
        return customer.language
    return normalize_language(command.language)


def _answer(session: Session, customer: Customer | None, command: Command) -> Reply:
    if customer is None:
        return Reply("smscmd.unknown_sender")
    savepoint = session.begin_nested()
    try:
        ensure_can_transact(customer)
        reply = HANDLERS[command.name](session, customer, command)
    except AccountLocked as exc:
        savepoint.rollback()
        return locked(exc, settings(session))
    except DomainError as exc:
        if exc.commit:
            savepoint.commit()
        else:
            savepoint.rollback()
        log.info("sms command %s refused: %s", command.name, exc.code)
        return refusal(exc, command, settings(session))
    savepoint.commit()
    return reply


def _send(
    session: Session, record: InboundSms, msisdn: str, language: str, reply: Reply
) -> SmsMessage | None:
    if reply.template is None:
        return None
    message = send_sms(
        session,
        to=msisdn,
        template=reply.template,
        language=language,
        params=reply.params,
        secret=reply.secret,
        purpose=reply.purpose,
        dedupe_key=f"sms-reply:{record.id}",
        expires_at=reply.expires_at,
    )
    if reply.challenge_id is not None:
        record_sent(session, reply.challenge_id, message)
    return message
