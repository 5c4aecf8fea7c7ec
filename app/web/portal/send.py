"""Sending money and withdrawing cash from the portal: the P2P transfer and the
cash-out code of ``app/transfers`` (``POST /transfers``, ``POST /withdrawals``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import Form, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app import fees
from app.customers.models import Customer
from app.customers.service import get_customer
from app.db import settings
from app.money import format_amount
from app.network.models import Office
from app.transfers import p2p, withdrawals
from app.transfers.models import Transfer
from app.transfers.p2p import OTP_CONFIRMED_TYPES, TRANSFERS, get_owned, resolve_recipient
from app.web.portal.common import operation_label, text
from app.web.portal.payment_types import (
    Kind,
    Placed,
    PortalPayment,
    Preview,
    money_rows,
)

REQUIRED = InputRequired(message="portal.form.required")
CHANNEL = "web"
NEARBY = 5


def _amount() -> IntegerField:
    return IntegerField(validators=[REQUIRED, NumberRange(min=1, max=100_000_000)])


class SendForm(Form):
    to = StringField(validators=[REQUIRED, Length(max=32)])
    amount = _amount()
    note = StringField(validators=[Optional(), Length(max=140)])


class WithdrawForm(Form):
    amount = _amount()


# -- P2P ---------------------------------------------------------------------------------


def _send_preview(session: Session, payer: Customer, data: dict[str, Any]) -> Preview:
    recipient = resolve_recipient(session, payer, str(data["to"]))
    quote = fees.quote(settings(session), "p2p", int(data["amount"]))
    rows = [(text("portal.send.to"), f"{recipient.display_name} ({recipient.msisdn})")]
    if data.get("note"):
        rows.append((text("portal.send.note"), str(data["note"])))
    return Preview(rows + money_rows(quote.amount, quote.fee), quote.amount + quote.fee)


def _send_place(session: Session, payer: Customer, data: dict[str, Any]) -> Placed:
    transfer = p2p.create_p2p(
        session,
        payer,
        to=str(data["to"]),
        amount=int(data["amount"]),
        note=data.get("note") or None,
        channel=CHANNEL,
    )
    return Placed("transfer", transfer.id)


# -- withdrawal --------------------------------------------------------------------------


def _withdraw_preview(session: Session, payer: Customer, data: dict[str, Any]) -> Preview:
    quote = fees.quote(settings(session), "cashout", int(data["amount"]))
    return Preview(money_rows(quote.amount, quote.fee), quote.amount + quote.fee)


def cash_offices(session: Session, limit: int = NEARBY) -> list[Office]:
    """Open post offices paying cash, the capital's first (a customer without a
    position; the office finder sorts by distance where the browser gives one)."""
    rows = session.scalars(
        select(Office)
        .where(Office.kind == "post_office", Office.status == "open")
        .order_by(Office.department_code, Office.town, Office.name)
    )
    return [office for office in rows if "cash" in (office.services or [])][:limit]


def _withdraw_place(session: Session, payer: Customer, data: dict[str, Any]) -> Placed:
    issued = withdrawals.create_withdrawal(
        session, payer, amount=int(data["amount"]), channel=CHANNEL
    )
    transfer = issued.transfer
    shown = {
        "code": issued.code,
        "transfer": transfer,
        "offices": cash_offices(session),
        "total": format_amount(transfer.amount + transfer.fee),
    }
    return Placed("transfer", transfer.id, shown)


# -- what the status pages show of a transfer --------------------------------------------


def _owned(session: Session, transfer_id: str, customer_id: str) -> Transfer:
    return get_owned(session, transfer_id, customer_id, lock=True)


def _describe(session: Session, transfer: Transfer) -> list[tuple[str, str]]:
    rows = [(text("portal.op.reference"), transfer.reference)]
    if transfer.to_customer_id:
        recipient = get_customer(session, transfer.to_customer_id)
        rows.append((text("portal.send.to"), f"{recipient.display_name} ({recipient.msisdn})"))
    rows.append((text("portal.op.type"), operation_label(transfer.type)))
    tracking = (transfer.meta or {}).get("tracking_number") if transfer.type == "mail" else None
    if tracking:  # a letter's payment: the number to follow it at /suivi/<number>
        rows.append((text("portal.mail.tracking"), str(tracking)))
    return rows + money_rows(transfer.amount, transfer.fee)


# What catalog.py lists: this module's payment pages and payment tables.
PAYMENTS = (
    PortalPayment("envoyer", "portal.send.title", SendForm, _send_preview, _send_place),
    PortalPayment(
        "retirer",
        "portal.withdraw.title",
        WithdrawForm,
        _withdraw_preview,
        _withdraw_place,
        confirm_label="portal.withdraw.get_code",
    ),
)
KINDS = {
    "transfer": Kind(
        flow=TRANSFERS,
        owned=_owned,
        describe=_describe,
        asks_code=lambda row: row.type in OTP_CONFIRMED_TYPES,
    ),
}
