"""Finding transfers and remittances for the payments desk, newest first, a page at a time.

Filters, all optional and combined: a reference (exact), a phone number (either
party; any format a customer types), a range of days (Brazzaville time, both
ends included) and a status. Pages are keyset-paged on ``(created_at, id)``: a
page does not shift while payments keep coming in.

A remittance is shown without its payout code, ever: the code is not stored
(``code_hash`` is an HMAC) and ``remittance_facts`` lists the fields a page may
show, the hash not among them.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.agents.models import StaffUser
from app.clock import local_day_bounds
from app.customers.models import Customer
from app.customers.msisdn import try_normalize_msisdn
from app.db import settings
from app.errors import ValidationFailed
from app.remittances.errors import RemittanceNotFound
from app.remittances.models import STATUSES as REMITTANCE_STATUSES
from app.remittances.models import Remittance
from app.transfers.errors import TransferNotFound
from app.transfers.models import STATUSES as TRANSFER_STATUSES
from app.transfers.models import Transfer

PAGE = 20
KINDS = ("transfers", "remittances")
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class PaymentQuery:
    """A search, cleaned: ``msisdn`` in E.164, days as dates."""

    kind: str = "transfers"
    reference: str | None = None
    msisdn: str | None = None
    since: date | None = None
    until: date | None = None
    status: str | None = None
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentPage:
    items: list[Any]
    next_cursor: str | None


def clean_query(session: Session, fields: dict[str, Any]) -> PaymentQuery:
    """The search typed in a form, or ValidationFailed naming every bad field."""
    errors: dict[str, list[str]] = {}
    kind = fields.get("kind") or "transfers"
    if kind not in KINDS:
        errors["kind"] = [f"One of: {', '.join(KINDS)}."]
        kind = "transfers"
    statuses = TRANSFER_STATUSES if kind == "transfers" else REMITTANCE_STATUSES
    reference = _text(fields.get("reference"))
    if reference is not None and not (reference.isalnum() and len(reference) <= 12):
        errors["reference"] = ["A reference: letters and digits."]
    raw_number = _text(fields.get("msisdn"))
    msisdn = None
    if raw_number is not None:
        msisdn = try_normalize_msisdn(raw_number, settings(session).ALLOWED_REGIONS)
        if msisdn is None:
            errors["msisdn"] = ["Not a phone number."]
    since = _day(fields.get("since"), "since", errors)
    until = _day(fields.get("until"), "until", errors)
    if since and until and (until < since or (until - since).days > MAX_DAYS):
        errors["until"] = [f"After the first day, at most {MAX_DAYS} days later."]
    status = _text(fields.get("status"))
    if status is not None and status not in statuses:
        errors["status"] = [f"One of: {', '.join(statuses)}."]
    cursor = _text(fields.get("cursor"))
    if cursor is not None:
        try:
            _decode(cursor)
        except ValidationFailed as exc:
            errors.update(exc.extra["errors"])
    if errors:
        raise ValidationFailed(errors)
    return PaymentQuery(
        kind=kind,
        reference=reference.upper() if reference else None,
        msisdn=msisdn,
        since=since,
        until=until,
        status=status,
        cursor=cursor,
    )


def _text(value: object) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    return text[:40] or None


def _day(value: object, name: str, errors: dict[str, list[str]]) -> date | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = ["A day, YYYY-MM-DD."]
        return None


def _encode(at: datetime, row_id: str) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{row_id}".encode()).decode()


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        stamp, _, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        at = datetime.fromisoformat(stamp)
        if at.tzinfo is None or not (0 < len(row_id) <= 36 and row_id.isprintable()):
            raise ValueError("not ours")
        return at.astimezone(UTC), row_id
    except (binascii.Error, UnicodeError, ValueError, OverflowError):
        raise ValidationFailed({"cursor": ["Not a cursor of this list."]}) from None


def search(session: Session, query: PaymentQuery, *, limit: int = PAGE) -> PaymentPage:
    model: Any = Transfer if query.kind == "transfers" else Remittance
    conditions: list[Any] = []
    if query.reference:
        conditions.append(model.reference == query.reference)
    if query.msisdn:
        conditions.append(_party(session, model, query.msisdn))
    if query.since:
        conditions.append(model.created_at >= local_day_bounds(query.since)[0])
    if query.until:
        conditions.append(model.created_at < local_day_bounds(query.until)[1])
    if query.status:
        conditions.append(model.status == query.status)
    if query.cursor:
        at, last_id = _decode(query.cursor)
        conditions.append(
            or_(model.created_at < at, and_(model.created_at == at, model.id < last_id))
        )
    rows = list(
        session.scalars(
            select(model)
            .where(*conditions)
            .order_by(model.created_at.desc(), model.id.desc())
            .limit(limit + 1)
        )
    )
    page = rows[:limit]
    more = len(rows) > limit
    return PaymentPage(page, _encode(page[-1].created_at, page[-1].id) if more else None)


def _party(session: Session, model: Any, msisdn: str) -> Any:
    if model is Remittance:
        return or_(Remittance.sender_msisdn == msisdn, Remittance.recipient_msisdn == msisdn)
    holder = session.scalar(select(Customer.id).where(Customer.msisdn == msisdn))
    either = [Transfer.from_msisdn == msisdn, Transfer.to_msisdn == msisdn]
    if holder is not None:
        either += [Transfer.from_customer_id == holder, Transfer.to_customer_id == holder]
    return or_(*either)


def get_transfer(session: Session, transfer_id: str) -> Transfer:
    found = session.get(Transfer, transfer_id) if isinstance(transfer_id, str) else None
    if found is None:
        raise TransferNotFound()
    return found


def transfer_parties(session: Session, transfer: Transfer) -> dict[str, Any]:
    """The customers and the counter agent a transfer names, for its page."""
    return {
        "from": session.get(Customer, transfer.from_customer_id)
        if transfer.from_customer_id
        else None,
        "to": session.get(Customer, transfer.to_customer_id) if transfer.to_customer_id else None,
        "agent": _username(session, transfer.agent_id),
    }


def get_remittance(session: Session, remittance_id: str) -> Remittance:
    found = session.get(Remittance, remittance_id) if isinstance(remittance_id, str) else None
    if found is None:
        raise RemittanceNotFound()
    return found


def remittance_facts(session: Session, remittance: Remittance) -> dict[str, Any]:
    """What a page shows of a remittance: never its code nor the code's hash."""
    return {
        "id": remittance.id,
        "reference": remittance.reference,
        "source": remittance.source,
        "status": remittance.status,
        "channel": remittance.channel,
        "payout_method": remittance.payout_method,
        "amount": remittance.amount,
        "fee": remittance.fee,
        "fx_fee": remittance.fx_fee,
        "currency": remittance.currency,
        "send_amount": remittance.send_amount,
        "send_currency": remittance.send_currency,
        "sender_name": remittance.sender_name,
        "sender_msisdn": remittance.sender_msisdn,
        "sender_country": remittance.sender_country,
        "sender_customer_id": remittance.sender_customer_id,
        "recipient_name": remittance.recipient_name,
        "recipient_msisdn": remittance.recipient_msisdn,
        "recipient_customer_id": remittance.recipient_customer_id,
        "send_agent": _username(session, remittance.send_agent_id),
        "payout_agent": _username(session, remittance.payout_agent_id),
        "partner_reference": remittance.partner_reference,
        "created_at": remittance.created_at,
        "confirmed_at": remittance.confirmed_at,
        "paid_out_at": remittance.paid_out_at,
        "closed_at": remittance.closed_at,
        "expires_at": remittance.expires_at,
        "failure_reason": remittance.failure_reason,
    }


def _username(session: Session, staff_id: str | None) -> str | None:
    member = session.get(StaffUser, staff_id) if staff_id else None
    return member.username if member is not None else None
