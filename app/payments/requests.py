"""Merchant payment requests: a merchant asks, the customer approves or declines.

The customer approves with the PIN (USSD, app: ``approve_request``) or, in the
app, with an SMS code asked for the request (``request_otp`` then
``approve_request_with_otp``), bound to the request and its amount.

``pending`` → ``paid`` | ``declined`` | ``expired`` (after ``MERCHANT_REQUEST_TTL``,
10 minutes by default). A merchant's reference is unique per merchant: the same
reference with the same request returns the first one (a merchant's retry);
with anything else it is a ``conflict``, under concurrency too (the unique
constraint decides inside a savepoint and the loser reads the winner).

Approval posts one entry at once (DESIGN.md "merchant payment"):
``wallet:payer`` → ``merchant:<id>`` amount - fee and ``fees:merchant`` fee,
keyed by the request, so no race can pay a request twice; the ``Transfer``
(type ``merchant``) records it for statements and receipts. The customer is
texted when asked and when charged; the merchant learns the outcome from a
signed callback and should poll ``GET /merchant/payment-requests/{id}`` rather
than rely on callbacks alone. USSD and REST share these functions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import fees, ledger
from app.auth.api_keys import ApiClient
from app.clock import clock
from app.customers import limits
from app.customers.models import Customer
from app.customers.msisdn import normalize_msisdn
from app.customers.service import ensure_can_transact, find_by_msisdn, get_customer, verify_pin
from app.db import settings
from app.errors import InvalidState, RecipientNotFound, ValidationFailed
from app.ledger import chart
from app.money import format_amount
from app.notify.gsm import gsm_cut
from app.otp.service import expire_challenge, verify_challenge
from app.payments import callbacks, notifications
from app.payments.errors import MerchantReferenceReused, PaymentRequestNotFound, RequestNotPending
from app.payments.locks import lock_request
from app.payments.merchants import get_merchant
from app.payments.models import Merchant, PaymentRequest
from app.transfers import pending
from app.transfers.lifecycle import mark_completed
from app.transfers.models import Transfer
from app.transfers.p2p import TRANSFERS, entry_meta

log = logging.getLogger(__name__)

REFERENCE_MAX = 64
OTP_PURPOSE = "merchant"


def _clean_reference(value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(text) <= REFERENCE_MAX or not text.isprintable():
        raise ValidationFailed({"reference": [f"1 to {REFERENCE_MAX} printable characters."]})
    return text


def _check_amount(amount: object, tiers: dict[str, dict[str, int]]) -> None:
    """Refuse an amount that is not a positive integer, or one above the largest KYC
    tier's single-payment limit: no customer could ever approve that request."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed({"amount": ["Must be a positive integer amount."]})
    largest = max(tier["single"] for tier in tiers.values())
    if amount > largest:
        raise ValidationFailed(
            {"amount": [f"At most {largest}: no wallet may pay more in one payment."]}
        )


def _fingerprint(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _by_reference(session: Session, merchant_id: str, reference: str) -> PaymentRequest | None:
    return session.scalar(
        select(PaymentRequest).where(
            PaymentRequest.merchant_id == merchant_id,
            PaymentRequest.merchant_reference == reference,
        )
    )


def _same_or_conflict(existing: PaymentRequest, fingerprint: str) -> PaymentRequest:
    if existing.fingerprint != fingerprint:
        raise MerchantReferenceReused(
            "This reference was already used for a different payment request.",
            payment_request_id=existing.id,
        )
    return existing


def create_payment_request(
    session: Session,
    merchant_id: str,
    *,
    msisdn: str,
    amount: int,
    reference: str,
    callback_url: str | None = None,
) -> tuple[PaymentRequest, bool]:
    """Ask the customer behind ``msisdn`` to pay; ``(request, created)``."""
    client, merchant = get_merchant(session, merchant_id)
    clean_ref = _clean_reference(reference)
    config = settings(session)
    _check_amount(amount, config.KYC_TIERS)
    number = normalize_msisdn(msisdn, config.ALLOWED_REGIONS)
    url = None
    if callback_url is not None:
        url = callbacks.clean_callback_url(session, callback_url, "callback_url")
    fingerprint = _fingerprint({"msisdn": number, "amount": amount, "callback_url": url})
    existing = _by_reference(session, merchant.id, clean_ref)
    if existing is not None:
        return _same_or_conflict(existing, fingerprint), False
    customer = find_by_msisdn(session, number)
    if customer is None or customer.status == "frozen":
        raise RecipientNotFound("No PostCash wallet at this number.")
    now = clock.now()
    request = PaymentRequest(
        id=str(uuid.uuid4()),
        merchant_id=merchant.id,
        merchant_reference=clean_ref,
        fingerprint=fingerprint,
        customer_id=customer.id,
        msisdn=customer.msisdn,
        amount=amount,
        fee=fees.merchant_fee(amount, merchant.fee_rate_bp),
        currency=config.CURRENCY,
        callback_url=url,
        status="pending",
        refunded=0,
        created_at=now,
        expires_at=now + timedelta(seconds=config.MERCHANT_REQUEST_TTL),
    )
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:
        winner = _by_reference(session, merchant.id, clean_ref)
        if winner is None:
            raise
        return _same_or_conflict(winner, fingerprint), False
    notifications.request_notice(
        session, request, customer, client.name, max(config.MERCHANT_REQUEST_TTL // 60, 1)
    )
    log.info("payment request %s from merchant %s", request.id, merchant.id)
    return request, True


def get_for_merchant(session: Session, merchant_id: str, request_id: str) -> PaymentRequest:
    """The merchant's own request; one past its deadline expires on the way."""
    request = session.get(PaymentRequest, request_id) if isinstance(request_id, str) else None
    if request is None or request.merchant_id != merchant_id:
        raise PaymentRequestNotFound()
    if _is_due(request):
        request = lock_request(session, request.id)
        expire_if_due(session, request)
    return request


def pending_requests_for(session: Session, customer: Customer) -> list[PaymentRequest]:
    """What the customer is asked to pay right now, newest first."""
    return list(
        session.scalars(
            select(PaymentRequest)
            .where(
                PaymentRequest.customer_id == customer.id,
                PaymentRequest.status == "pending",
                PaymentRequest.expires_at > clock.now(),
            )
            .order_by(PaymentRequest.created_at.desc(), PaymentRequest.id)
            .limit(50)
        )
    )


def pending_request_for(session: Session, request_id: object, customer: Customer) -> PaymentRequest:
    """One request the customer is asked to pay right now (what a USSD summary shows),
    read without a lock: ``PaymentRequestNotFound`` if it is not theirs,
    ``RequestNotPending`` once paid, declined or past its deadline."""
    request = session.get(PaymentRequest, request_id) if isinstance(request_id, str) else None
    if request is None or request.customer_id != customer.id:
        raise PaymentRequestNotFound()
    if request.status != "pending" or _is_due(request):
        raise RequestNotPending("This payment request is no longer pending.")
    return request


def _owned(session: Session, request_id: str, customer: Customer) -> PaymentRequest:
    request = lock_request(session, request_id)
    if request.customer_id != customer.id:
        raise PaymentRequestNotFound()
    return request


def approve_request(
    session: Session, request_id: str, customer: Customer, *, pin: str, channel: str = "api"
) -> PaymentRequest:
    """Pay the merchant, authorised by the PIN. Approving a paid request returns it."""
    return _approve(
        session, request_id, customer, lambda r: verify_pin(session, customer, pin), channel
    )


def approve_request_with_otp(
    session: Session, request_id: str, customer: Customer, *, otp: str
) -> PaymentRequest:
    """Pay the merchant, authorised by the SMS code of ``request_otp`` (the app's
    alternative to the PIN). Three wrong codes kill the code, not the request."""

    def check(request: PaymentRequest) -> None:
        if request.challenge_id is None:
            raise InvalidState("No code was sent for this request: ask for one first.")
        verify_challenge(session, request.challenge_id, otp, otp_binding(request))

    return _approve(session, request_id, customer, check)


def otp_binding(request: PaymentRequest) -> dict[str, Any]:
    """What the SMS code approves: this request, this amount, this merchant."""
    return {
        "payment_request_id": request.id,
        "amount": request.amount,
        "merchant": request.merchant_id,
    }


APPROVAL = pending.Confirmation(OTP_PURPOSE, otp_binding)


def request_otp(session: Session, request_id: str, customer: Customer) -> PaymentRequest:
    """Text the customer a code that approves this request; a new code replaces the last.

    The code lives until the request expires, at most ``OTP_TTL``.
    """
    request = _owned(session, request_id, customer)
    _ensure_pending(session, request)
    ensure_can_transact(customer)
    if request.challenge_id is not None:
        expire_challenge(session, request.challenge_id)
    config = settings(session)
    left = int((request.expires_at - clock.now()).total_seconds())
    client, _merchant = get_merchant(session, request.merchant_id)
    params = {
        "amount": format_amount(request.amount),
        "merchant": gsm_cut(client.name, notifications.NAME_CUT),
    }
    ttl = max(1, min(config.OTP_TTL, left))
    pending.issue_confirmation(
        session, APPROVAL, request, customer, "sms.otp.merchant", params, ttl=ttl
    )
    return request


def _ensure_pending(session: Session, request: PaymentRequest) -> None:
    """Refuse a request that was paid, declined or expired; expire one past its deadline."""
    if expire_if_due(session, request):
        raise RequestNotPending("This payment request has expired.", commit=True)
    if request.status != "pending":
        raise RequestNotPending(f"This payment request is {request.status}.")


def _approve(
    session: Session,
    request_id: str,
    customer: Customer,
    authorise: Callable[[PaymentRequest], None],
    channel: str = "api",
) -> PaymentRequest:
    request = _owned(session, request_id, customer)
    if request.status == "paid":
        return request
    _ensure_pending(session, request)
    ensure_can_transact(customer)
    authorise(request)
    limits.check_outgoing(session, customer, request.amount)
    client, _merchant = get_merchant(session, request.merchant_id)
    transfer = _pay(session, request, customer, client, channel)
    request.status = "paid"
    request.transfer_id = transfer.id
    request.paid_at = transfer.completed_at
    _close_code(session, request)
    session.flush()
    callback_merchant(session, request)
    log.info("payment request %s paid", request.id)
    return request


def _pay(
    session: Session, request: PaymentRequest, customer: Customer, client: ApiClient, channel: str
) -> Transfer:
    transfer = pending.new_row(
        session,
        TRANSFERS,
        customer,
        amount=request.amount,
        fee=0,  # the customer pays no fee; the merchant's is in the request
        channel=channel,
        ttl=None,
        currency=request.currency,
        type="merchant",
        meta={
            "from": {"name": customer.display_name, "msisdn": customer.msisdn},
            "to": {"name": client.name, "msisdn": None},
            "merchant_id": client.id,
            "payment_request_id": request.id,
            "merchant_fee": request.fee,
        },
    )
    legs = [ledger.debit(chart.wallet(customer.id), request.amount)]
    if request.amount > request.fee:
        legs.append(ledger.credit(chart.merchant(client.id), request.amount - request.fee))
    if request.fee:
        legs.append(ledger.credit(chart.fees("merchant"), request.fee))
    entry = ledger.post_entry(
        session,
        key=f"merchant:{request.id}",
        kind="merchant",
        legs=legs,
        reference=transfer.reference,
        meta=entry_meta(transfer),
    )
    transfer.entry_id = entry.id
    return mark_completed(session, transfer)


def on_merchant_completed(session: Session, transfer: Transfer) -> None:
    """The customer's receipt of a merchant payment."""
    customer = get_customer(session, transfer.from_customer_id or "")
    name = ((transfer.meta or {}).get("to") or {}).get("name") or "PostCash"
    notifications.merchant_receipt(session, transfer, customer, name)


def decline_request(session: Session, request_id: str, customer: Customer) -> PaymentRequest:
    """The customer refuses. Declining a declined (or expired) request returns it."""
    request = _owned(session, request_id, customer)
    if request.status in ("declined", "expired") or expire_if_due(session, request):
        return request
    if request.status != "pending":
        raise RequestNotPending(f"This payment request is {request.status}.")
    request.status = "declined"
    request.closed_at = clock.now()
    _close_code(session, request)
    session.flush()
    callback_merchant(session, request)
    return request


def _is_due(request: PaymentRequest) -> bool:
    return request.status == "pending" and request.expires_at <= clock.now()


def expire_if_due(session: Session, request: PaymentRequest) -> bool:
    """Expire a pending request past its deadline (caller holds the row lock)."""
    if not _is_due(request):
        return False
    request.status = "expired"
    request.closed_at = clock.now()
    _close_code(session, request)
    session.flush()
    callback_merchant(session, request)
    return True


def _close_code(session: Session, request: PaymentRequest) -> None:
    if request.challenge_id is not None:
        expire_challenge(session, request.challenge_id)


def due_request_ids(session: Session, limit: int = 500) -> list[str]:
    return list(
        session.scalars(
            select(PaymentRequest.id)
            .where(PaymentRequest.status == "pending", PaymentRequest.expires_at <= clock.now())
            .order_by(PaymentRequest.expires_at)
            .limit(limit)
        )
    )


def expire_one(session: Session, request_id: str) -> bool:
    return expire_if_due(session, lock_request(session, request_id))


def callback_url_of(request: PaymentRequest, merchant: Merchant | None) -> str | None:
    """Where the merchant hears of this request: its own URL, else the merchant's."""
    return request.callback_url or (merchant.callback_url if merchant else None)


def callback_merchant(session: Session, request: PaymentRequest, state: str | None = None) -> None:
    """Owe the merchant a signed ``payment_request.<state>`` callback (default: its status)."""
    url = callback_url_of(request, session.get(Merchant, request.merchant_id))
    if not url:
        return
    state = state or request.status
    callbacks.queue(
        session,
        target_type="merchant",
        target_id=request.merchant_id,
        subject_id=request.id,
        event=f"payment_request.{state}",
        url=url,
        payload={
            "id": f"{request.id}:{state}",
            "event": f"payment_request.{state}",
            "payment_request": merchant_view(session, request),
        },
    )


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def merchant_view(session: Session, request: PaymentRequest) -> dict[str, Any]:
    """What the merchant sees (and is called back with)."""
    transfer = session.get(Transfer, request.transfer_id) if request.transfer_id else None
    return {
        "id": request.id,
        "reference": request.merchant_reference,
        "status": request.status,
        "msisdn": request.msisdn,
        "amount": request.amount,
        "fee": request.fee,
        "net": request.amount - request.fee,
        "refunded": request.refunded,
        "currency": request.currency,
        "payment_reference": transfer.reference if transfer else None,
        "created_at": _iso(request.created_at),
        "expires_at": _iso(request.expires_at),
        "paid_at": _iso(request.paid_at),
        "closed_at": _iso(request.closed_at),
    }


def customer_view(session: Session, request: PaymentRequest) -> dict[str, Any]:
    """What the paying customer sees: who asks, how much, until when."""
    client = session.get(ApiClient, request.merchant_id)
    return {
        "id": request.id,
        "merchant": {"id": request.merchant_id, "name": client.name if client else None},
        "reference": request.merchant_reference,
        "amount": request.amount,
        "currency": request.currency,
        "status": request.status,
        "created_at": _iso(request.created_at),
        "expires_at": _iso(request.expires_at),
        "paid_at": _iso(request.paid_at),
    }
