"""Paying a bill or an e-administration fee, and sending a remittance, from the
portal: ``app.payments.bills`` and ``app.remittances.wallet``, the services of
``POST /bills/payments`` and ``POST /remittances``, confirmed by the SMS code."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from wtforms import Form, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from app import fees
from app.customers.models import Customer
from app.db import settings
from app.payments import billers
from app.payments.bills import create_bill_payment
from app.remittances.models import Remittance
from app.remittances.parties import clean_msisdn, clean_name
from app.remittances.wallet import REMITTANCES, create_remittance
from app.remittances.wallet import get_owned as owned_remittance
from app.web.portal.common import text
from app.web.portal.payment_types import (
    Kind,
    Placed,
    PortalPayment,
    Preview,
    money_rows,
)

REQUIRED = InputRequired(message="portal.form.required")
CHANNEL = "web"


class BillForm(Form):
    biller = SelectField(validators=[REQUIRED], validate_choice=False)
    bill_reference = StringField(validators=[REQUIRED, Length(max=40)])
    amount = IntegerField(validators=[REQUIRED, NumberRange(min=1, max=100_000_000)])


class RemittanceForm(Form):
    recipient_name = StringField(validators=[REQUIRED, Length(max=80)])
    recipient_msisdn = StringField(validators=[REQUIRED, Length(max=32)])
    amount = IntegerField(validators=[REQUIRED, NumberRange(min=1, max=100_000_000)])


def _billers(session: Session, form: Form) -> None:
    """Active billers, by category then name: what the form's list offers."""
    form.biller.choices = [SelectChoice("", "—")] + [
        SelectChoice(b.code, b.name) for b in billers.list_billers(session)
    ]


def _bill_preview(session: Session, payer: Customer, data: dict[str, Any]) -> Preview:
    biller = billers.get_biller(session, data["biller"])
    reference = billers.clean_reference(biller, data["bill_reference"])
    billers.check_amount(biller, int(data["amount"]))
    quote = fees.quote(settings(session), "bill", int(data["amount"]))
    rows = [
        (text("portal.bill.biller"), biller.name),
        (text("portal.bill.reference"), reference),
    ]
    return Preview(rows + money_rows(quote.amount, quote.fee), quote.amount + quote.fee)


def _bill_place(session: Session, payer: Customer, data: dict[str, Any]) -> Placed:
    transfer = create_bill_payment(
        session,
        payer,
        biller_code=str(data["biller"]),
        bill_reference=str(data["bill_reference"]),
        amount=int(data["amount"]),
        channel=CHANNEL,
    )
    return Placed("transfer", transfer.id)


def _remit_preview(session: Session, payer: Customer, data: dict[str, Any]) -> Preview:
    name = clean_name(str(data["recipient_name"]), "recipient.name")
    msisdn = clean_msisdn(session, str(data["recipient_msisdn"]), "recipient.msisdn")
    quote = fees.quote(settings(session), "remittance", int(data["amount"]))
    rows = [(text("portal.remit.recipient"), f"{name} ({msisdn})")]
    return Preview(rows + money_rows(quote.amount, quote.fee), quote.amount + quote.fee)


def _remit_place(session: Session, payer: Customer, data: dict[str, Any]) -> Placed:
    remittance = create_remittance(
        session,
        payer,
        recipient_name=str(data["recipient_name"]),
        recipient_msisdn=str(data["recipient_msisdn"]),
        amount=int(data["amount"]),
        channel=CHANNEL,
    )
    return Placed("remittance", remittance.id)


def _remittance(session: Session, remittance_id: str, customer_id: str) -> Remittance:
    return owned_remittance(session, remittance_id, customer_id, lock=True)


def _describe_remittance(session: Session, remittance: Remittance) -> list[tuple[str, str]]:
    rows = [
        (text("portal.op.reference"), remittance.reference),
        (
            text("portal.remit.recipient"),
            f"{remittance.recipient_name} ({remittance.recipient_msisdn})",
        ),
    ]
    if remittance.status == "awaiting_payout":
        rows.append((text("portal.remit.next"), text("portal.remit.collect")))
    return rows + money_rows(remittance.amount, remittance.fee)


# What catalog.py lists: this module's payment pages and payment tables.
PAYMENTS = (
    PortalPayment(
        "factures", "portal.bill.title", BillForm, _bill_preview, _bill_place, setup=_billers
    ),
    PortalPayment("mandat", "portal.remit.title", RemittanceForm, _remit_preview, _remit_place),
)
KINDS = {
    "remittance": Kind(flow=REMITTANCES, owned=_remittance, describe=_describe_remittance),
}
