"""Prefunding under maker-checker: one operator records a deposit, another approves it.

A partner, payer or mail sender wires money to the trust bank; the bank
statement is the evidence. In the back office one operator *records* the
deposit (amount, the bank's reference, a reason): nothing moves. A second
operator checks it against the statement and *approves*: only then is the
ledger credited, by the same ``prefunding.prefund`` the REST door uses
(``trust:bank`` → ``partner:<id>`` / ``payer:<id>`` / ``sender:<id>``).

Why each rule:

* the requester can never approve their own request (``OwnRequest``): one
  person alone must not be able to create money in an organisation's account;
* approving holds the request's row lock and the ledger entry is keyed by the
  request (not by the approver), so two approvals racing post one entry: the
  second sees the request approved and changes nothing;
* a bank reference is recorded once per organisation while pending or
  approved (``Conflict``): the same deposit keyed in twice is the classic way a
  prefunding is credited twice; the organisation's row lock serialises two
  operators recording it at once;
* a pending request may be rejected with a reason (a typo, a deposit that is
  not on the statement); nothing was credited, so nothing is undone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from app import ledger
from app.audit import record_by
from app.audit.reasons import operator_reason
from app.auth.locks import lock_api_client
from app.clock import clock
from app.db import settings
from app.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from app.principal import Principal
from app.remittances import prefunding
from app.remittances.locks import lock_prefunding_request
from app.remittances.prefunding_models import (  # noqa: F401  (re-exported)
    AMOUNT_MAX,
    BANK_REFERENCE_MAX,
    HOLDER_KINDS,
    REQUEST_STATUSES,
    PrefundingRequest,
)


class OwnRequest(Forbidden):
    """Maker-checker: whoever proposed a movement of money may not approve it."""

    title = "Approval by the requester"


def _amount(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= AMOUNT_MAX:
        raise ValidationFailed({"amount": ["Must be a positive integer amount."]})
    return value


def _bank_reference(value: object) -> str:
    text = " ".join(value.split()).upper() if isinstance(value, str) else ""
    if not 2 <= len(text) <= BANK_REFERENCE_MAX or not text.isprintable():
        raise ValidationFailed({"bank_reference": [f"2 to {BANK_REFERENCE_MAX} characters."]})
    return text


T = TypeVar("T")


def _collect(errors: dict[str, list[str]], check: Callable[[], T]) -> T | None:
    """The checked value, or None with its field's messages added to ``errors``."""
    try:
        return check()
    except ValidationFailed as exc:
        errors.update(exc.extra["errors"])
        return None


def request_prefunding(
    session: Session,
    *,
    account_holder: str,
    holder_id: str,
    amount: int,
    bank_reference: str,
    reason: str,
    by: Principal,
) -> PrefundingRequest:
    """Record a deposit to approve; nothing is credited yet."""
    errors: dict[str, list[str]] = {}
    clean_amount = _collect(errors, lambda: _amount(amount))
    reference = _collect(errors, lambda: _bank_reference(bank_reference))
    why = _collect(errors, lambda: operator_reason(reason))
    if account_holder not in HOLDER_KINDS:
        errors["account_holder"] = [f"One of: {', '.join(HOLDER_KINDS)}."]
    if errors or clean_amount is None or reference is None or why is None:
        raise ValidationFailed(errors)
    client = lock_api_client(session, holder_id) if isinstance(holder_id, str) else None
    if client is None or client.role != account_holder:
        raise NotFound("No such organisation.")
    twin = session.scalar(
        select(PrefundingRequest.id).where(
            PrefundingRequest.holder_id == client.id,
            PrefundingRequest.bank_reference == reference,
            PrefundingRequest.status.in_(("pending", "approved")),
        )
    )
    if twin is not None:
        raise Conflict("This bank reference is already recorded for this organisation.")
    row = PrefundingRequest(
        id=str(uuid.uuid4()),
        account_holder=account_holder,
        holder_id=client.id,
        amount=clean_amount,
        currency=settings(session).CURRENCY,
        bank_reference=reference,
        reason=why,
        status="pending",
        requested_by=by.id,
        requested_at=clock.now(),
    )
    session.add(row)
    session.flush()
    record_by(
        session,
        by,
        action="prefunding.request",
        target_type=account_holder,
        target_id=client.id,
        after={
            "request_id": row.id,
            "amount": row.amount,
            "bank_reference": reference,
            "reason": row.reason,
        },
    )
    return row


def _locked(session: Session, request_id: object) -> PrefundingRequest:
    row = lock_prefunding_request(session, request_id) if isinstance(request_id, str) else None
    if row is None:
        raise NotFound("No such prefunding request.")
    return row


def approve_prefunding(session: Session, request_id: str, *, by: Principal) -> PrefundingRequest:
    """Credit the organisation (once), if ``by`` is not the requester."""
    row = _locked(session, request_id)
    if row.requested_by == by.id:
        raise OwnRequest("The operator who recorded this deposit cannot approve it.")
    if row.status == "approved":
        return row  # approved by someone else a moment ago: nothing more to do
    if row.status != "pending":
        raise InvalidState("This prefunding request was rejected.")
    done = prefunding.prefund(
        session,
        account_holder=row.account_holder,
        holder_id=row.holder_id,
        amount=row.amount,
        key=row.id,
        admin_id=by.id,
        actor_role=by.role,
        ledger_key=ledger.entry_key("prefunding", "request", row.id),
        note={"request_id": row.id, "bank_reference": row.bank_reference},
    )
    row.status = "approved"
    row.decided_by = by.id
    row.decided_at = clock.now()
    row.entry_id = done.entry_id
    session.flush()
    record_by(
        session,
        by,
        action="prefunding.approve",
        target_type=row.account_holder,
        target_id=row.holder_id,
        before={"status": "pending"},
        after={"request_id": row.id, "status": "approved", "entry_id": done.entry_id},
    )
    return row


def reject_prefunding(
    session: Session, request_id: str, *, reason: str, by: Principal
) -> PrefundingRequest:
    """Close a pending request without crediting anything (its requester may withdraw it)."""
    why = operator_reason(reason)
    row = _locked(session, request_id)
    if row.status == "rejected":
        return row
    if row.status != "pending":
        raise InvalidState("This prefunding request is already approved.")
    row.status = "rejected"
    row.decided_by = by.id
    row.decided_at = clock.now()
    row.decision_reason = why
    session.flush()
    record_by(
        session,
        by,
        action="prefunding.reject",
        target_type=row.account_holder,
        target_id=row.holder_id,
        before={"status": "pending"},
        after={"request_id": row.id, "status": "rejected", "reason": why},
    )
    return row


def get_request(session: Session, request_id: object) -> PrefundingRequest:
    row = session.get(PrefundingRequest, request_id) if isinstance(request_id, str) else None
    if row is None:
        raise NotFound("No such prefunding request.")
    return row


def list_requests(
    session: Session, *, status: str | None = None, limit: int = 100
) -> list[PrefundingRequest]:
    """Requests, the oldest pending first (what waits longest is checked first)."""
    query = select(PrefundingRequest)
    if status is not None:
        query = query.where(PrefundingRequest.status == status)
        order = (
            PrefundingRequest.requested_at.asc()
            if status == "pending"
            else PrefundingRequest.requested_at.desc()
        )
    else:
        order = PrefundingRequest.requested_at.desc()
    return list(session.scalars(query.order_by(order, PrefundingRequest.id).limit(limit)))
