"""Inbound international remittances from partners (money-transfer operators abroad).

A partner prefunds ``partner:<id>`` in XAF (``prefunding.py``). For each
transfer it may first ask for a quote (rate, fee, XAF amount, valid
``QUOTE_TTL``), then send the remittance citing it, or without one at today's
rate. One entry moves the money (DESIGN.md "inbound international"):
``partner:<id>`` is debited gross + fee (never below zero: the ledger refuses
with ``insufficient_funds``), the recipient's wallet or ``remit:payable`` is
credited the net amount, ``fees:fx`` the spread and ``fees:remit`` the fee.

``payout: "wallet"`` pays the wallet only when the number is a registered
customer's and the recipient's name is theirs (``customers.payees``); otherwise
the remittance becomes a cash pickup (``payout`` answers ``cash``) and its
code is texted to the number, so a squatted number never diverts the money.

A partner's reference is unique per partner. Sending it again with the same
body returns the first remittance (a partner's retry); with another body it is
a ``conflict``. That holds under concurrency too: the unique constraint
decides, inside a savepoint, and the loser reads the winner.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import phonenumbers
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import ledger
from app.auth.api_keys import ApiClient, get_api_client
from app.clock import clock
from app.customers import limits
from app.customers.payees import wallet_payee
from app.db import settings
from app.errors import Conflict, RecipientNotFound, ValidationFailed
from app.ledger import chart
from app.remittances import fx, lifecycle, notifications, webhooks
from app.remittances.errors import PartnerReferenceReused, QuoteExpired, RemittanceNotFound
from app.remittances.locks import lock_remittance
from app.remittances.models import PAID_OUT, PENDING, Remittance, RemittanceQuote
from app.remittances.parties import clean_msisdn, clean_name
from app.remittances.references import new_reference

log = logging.getLogger(__name__)

PAYOUTS = ("wallet", "cash")


@dataclass(frozen=True, slots=True)
class InboundResult:
    remittance: Remittance
    created: bool


def create_quote(
    session: Session, partner_id: str, *, send_amount: int, send_currency: object
) -> RemittanceQuote:
    """Price a transfer for a partner and hold that price for ``QUOTE_TTL`` seconds."""
    get_api_client(session, partner_id, role="partner")
    pricing = fx.current_price(session, send_amount, send_currency)
    now = clock.now()
    quote = RemittanceQuote(
        id=str(uuid.uuid4()),
        partner_id=partner_id,
        send_amount=pricing.send_amount,
        send_currency=pricing.send_currency,
        mid_rate=format(pricing.mid_rate, "f"),
        rate=format(pricing.rate, "f"),
        margin_bp=pricing.margin_bp,
        gross=pricing.gross,
        amount=pricing.amount,
        fx_fee=pricing.fx_fee,
        fee=pricing.fee,
        created_at=now,
        expires_at=now + timedelta(seconds=settings(session).QUOTE_TTL),
    )
    session.add(quote)
    session.flush()
    return quote


def _quoted_pricing(
    session: Session, partner_id: str, quote_id: str, send_amount: int, send_currency: str
) -> fx.Pricing:
    quote = session.get(RemittanceQuote, quote_id) if isinstance(quote_id, str) else None
    if quote is None or quote.partner_id != partner_id:
        raise ValidationFailed({"quote_id": ["Unknown quote."]})
    if quote.send_amount != send_amount or quote.send_currency != send_currency:
        raise ValidationFailed(
            {"quote_id": ["The quote is for another send_amount or send_currency."]}
        )
    if quote.expires_at <= clock.now():
        raise QuoteExpired(
            f"The quote expired at {quote.expires_at.isoformat()}; ask for a new one.",
            quote_id=quote.id,
        )
    return fx.Pricing(
        send_amount=quote.send_amount,
        send_currency=quote.send_currency,
        mid_rate=Decimal(quote.mid_rate),
        rate=Decimal(quote.rate),
        margin_bp=quote.margin_bp,
        gross=quote.gross,
        amount=quote.amount,
        fx_fee=quote.fx_fee,
        fee=quote.fee,
    )


def _country(value: object) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationFailed({"sender.country": ["An ISO 3166-1 alpha-2 country code."]})
    return code


def _fingerprint(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _existing(session: Session, partner_id: str, reference: str) -> Remittance | None:
    return session.scalar(
        select(Remittance).where(
            Remittance.partner_id == partner_id, Remittance.partner_reference == reference
        )
    )


def _same_or_conflict(existing: Remittance, fingerprint: str) -> InboundResult:
    if existing.request_fingerprint != fingerprint:
        raise PartnerReferenceReused(
            "This partner_reference was already used for a different remittance.",
            remittance_id=existing.id,
        )
    return InboundResult(existing, created=False)


def receive(
    session: Session,
    partner_id: str,
    *,
    partner_reference: str,
    sender: dict[str, Any],
    recipient: dict[str, Any],
    send_amount: int,
    send_currency: str,
    payout: str,
    quote_id: str | None = None,
) -> InboundResult:
    """Convert, debit the partner's prefunding, and pay into a wallet or issue a cash code."""
    partner = get_api_client(session, partner_id, role="partner")
    reference = partner_reference.strip() if isinstance(partner_reference, str) else ""
    if not 1 <= len(reference) <= 64:
        raise ValidationFailed({"partner_reference": ["1 to 64 characters."]})
    if payout not in PAYOUTS:
        raise ValidationFailed({"payout": ["One of: wallet, cash."]})
    sender_name = clean_name(sender.get("name"), "sender.name")
    country = _country(sender.get("country"))
    recipient_name = clean_name(recipient.get("name"), "recipient.name")
    recipient_msisdn = clean_msisdn(session, recipient.get("msisdn"), "recipient.msisdn")
    currency = fx.clean_currency(send_currency)
    fingerprint = _fingerprint(
        {
            "sender": [sender_name, country],
            "recipient": [recipient_name, recipient_msisdn],
            "send": [send_amount, currency],
            "payout": payout,
            "quote_id": quote_id,
        }
    )
    existing = _existing(session, partner.id, reference)
    if existing is not None:
        return _same_or_conflict(existing, fingerprint)

    if quote_id is not None:
        pricing = _quoted_pricing(session, partner.id, quote_id, send_amount, currency)
    else:
        pricing = fx.current_price(session, send_amount, currency)
    customer = None
    if payout == "wallet":
        customer = wallet_payee(session, recipient_msisdn, recipient_name)
        if customer is None:  # not registered there, or under another name
            payout = "cash"
        elif customer.status == "frozen":
            raise RecipientNotFound(
                "No PostCash wallet at this number; send it for cash pickup instead."
            )
        else:
            limits.check_incoming(session, customer, pricing.amount)

    remittance = Remittance(
        id=str(uuid.uuid4()),
        reference=new_reference(session),
        source="partner",
        status=PENDING,
        channel="partner",
        payout_method=payout,
        amount=pricing.amount,
        fee=pricing.fee,
        fx_fee=pricing.fx_fee,
        send_commission=0,
        payout_commission=0,
        currency=settings(session).CURRENCY,
        initiator_id=partner.id,
        sender_name=sender_name,
        sender_country=country,
        recipient_name=recipient_name,
        recipient_msisdn=recipient_msisdn,
        partner_id=partner.id,
        partner_reference=reference,
        request_fingerprint=fingerprint,
        quote_id=quote_id,
        send_amount=pricing.send_amount,
        send_currency=pricing.send_currency,
        fx_rate=format(pricing.rate, "f"),
        created_at=clock.now(),
        meta={"partner": partner.name},
    )
    try:
        with session.begin_nested():
            session.add(remittance)
            session.flush()
    except IntegrityError:
        winner = _existing(session, partner.id, reference)
        if winner is not None:
            return _same_or_conflict(winner, fingerprint)
        raise Conflict("This quote was already used for another remittance.") from None

    _post(session, remittance, partner, pricing, customer.id if customer else None)
    if customer is not None:
        lifecycle.move(
            session,
            remittance,
            (PENDING,),
            PAID_OUT,
            recipient_customer_id=customer.id,
            confirmed_at=clock.now(),
            paid_out_at=clock.now(),
        )
        notifications.credited_receipt(session, remittance, customer)
        webhooks.notify(session, remittance)
    else:
        lifecycle.activate(session, remittance, sender=None, from_status=PENDING)
    log.info("inbound remittance %s from partner %s (%s)", remittance.id, partner.id, payout)
    return InboundResult(remittance, created=True)


def _post(
    session: Session,
    remittance: Remittance,
    partner: ApiClient,
    pricing: fx.Pricing,
    customer_id: str | None,
) -> None:
    target = chart.wallet(customer_id) if customer_id else chart.REMIT_PAYABLE
    legs = [
        ledger.debit(chart.partner(partner.id), pricing.partner_debit),
        ledger.credit(target, pricing.amount),
    ]
    if pricing.fx_fee:
        legs.append(ledger.credit(chart.fees("fx"), pricing.fx_fee))
    if pricing.fee:
        legs.append(ledger.credit(chart.fees("remit"), pricing.fee))
    meta = lifecycle.statement_meta(remittance, side="from", type_="remittance_inbound")
    meta["from"]["msisdn"] = None
    entry = ledger.post_entry(
        session,
        key=f"remittance:{remittance.id}:inbound",
        kind="remittance_inbound",
        legs=legs,
        reference=remittance.reference,
        meta=meta,
    )
    remittance.entry_id = entry.id
    if customer_id:
        remittance.settle_entry_id = entry.id
    session.flush()


def get_for_partner(session: Session, partner_id: str, partner_reference: str) -> Remittance:
    """The partner's remittance by its own reference; one past its deadline expires on the way."""
    remittance = _existing(session, partner_id, partner_reference)
    if remittance is None:
        raise RemittanceNotFound()
    if lifecycle.is_due(remittance):
        remittance = lock_remittance(session, remittance.id)
        lifecycle.expire_if_due(session, remittance)
    return remittance
