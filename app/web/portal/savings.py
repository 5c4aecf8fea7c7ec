"""The livret d'épargne on the portal: the customer's livrets (balance, interest so
far, the rate), opening one, depositing from the wallet (at once, free) and
withdrawing to the wallet (held until the SMS code), through ``app.savings``, the
services of ``/savings/accounts``."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from wtforms import Form, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from app.customers.models import Customer
from app.customers.service import get_customer
from app.db import current_runtime, settings, transaction
from app.errors import DomainError
from app.money import format_amount
from app.savings import accounts, movements
from app.savings.products import all_products, get_product
from app.web import once
from app.web.portal.account import customer
from app.web.portal.common import Page, blueprint, explain, text
from app.web.portal.payment_types import Placed, PortalPayment, Preview

REQUIRED = InputRequired(message="portal.form.required")
CHANNEL = "web"


class MovementForm(Form):
    account = SelectField(validators=[REQUIRED], validate_choice=False)
    amount = IntegerField(validators=[REQUIRED, NumberRange(min=1, max=100_000_000)])


def _accounts(session: Session, form: Form) -> None:
    form.account.choices = [
        SelectChoice(a.id, a.number) for a in accounts.accounts_of(session, customer().id)
    ]


def _rows(session: Session, payer: Customer, data: dict[str, Any]) -> list[tuple[str, str]]:
    account = accounts.owned_account(session, str(data["account"]), payer.id)
    return [
        (text("portal.savings.account"), account.number),
        (text("portal.pay.amount"), format_amount(int(data["amount"]))),
    ]


def _deposit_preview(session: Session, payer: Customer, data: dict[str, Any]) -> Preview:
    return Preview(_rows(session, payer, data), int(data["amount"]))


def _deposit_place(session: Session, payer: Customer, data: dict[str, Any]) -> Placed:
    transfer = movements.deposit_from_wallet(
        session, payer, str(data["account"]), amount=int(data["amount"]), channel=CHANNEL
    )
    return Placed("transfer", transfer.id)


def _withdraw_place(session: Session, payer: Customer, data: dict[str, Any]) -> Placed:
    transfer = movements.create_savings_withdrawal(
        session, payer, account_id=str(data["account"]), amount=int(data["amount"]), channel=CHANNEL
    )
    return Placed("transfer", transfer.id)


class OpenForm(Form):
    product = SelectField(validators=[REQUIRED], validate_choice=False)


def _page(error: str | None = None, status: int = 200) -> Page:
    config = current_runtime().config
    with transaction() as db:
        mine = [accounts.account_view(db, a) for a in accounts.accounts_of(db, customer().id)]
    held = {a["product"] for a in mine}
    offered = [p for p in all_products(config) if p.code not in held]
    page = render_template(
        "portal/savings.html",
        mine=mine,
        offered=offered,
        key=once.new_key(),
        error=error,
    )
    return page, status


@blueprint.route("/compte/epargne")
def savings() -> Page:
    return _page()


@blueprint.route("/compte/epargne/ouvrir", methods=["POST"])
def open_savings() -> Page:
    """Open a livret, once per form (a double tap finds the first)."""
    form = OpenForm(request.form)
    key = request.form.get("key", "")
    owner = f"portal:{customer().id}"
    if not once.well_formed(key):
        return _page(text("portal.pay.expired"), 400)
    target = url_for("portal.savings", ouvert=1)

    def open_one(db: Session) -> tuple[str, None]:
        get_product(settings(db), form.product.data or "")
        accounts.open_savings_account(db, get_customer(db, customer().id), form.product.data or "")
        return target, None

    try:
        once.run_once(owner, key, open_one)
    except IntegrityError:
        return redirect(target, code=303)
    except DomainError as exc:
        return _page(explain(exc), exc.status)
    return redirect(target, code=303)


def rate_text(basis_points: int) -> str:
    """'3,25 %'."""
    whole, cents = divmod(int(basis_points), 100)
    return f"{whole},{cents:02d} %"


@blueprint.app_template_filter("rate")
def _rate(basis_points: int) -> str:
    return rate_text(basis_points)


# What catalog.py lists: this module's payment pages and payment tables.
PAYMENTS = (
    PortalPayment(
        "epargne-versement",
        "portal.savings.deposit",
        MovementForm,
        _deposit_preview,
        _deposit_place,
        confirm_label="portal.savings.deposit_now",
        setup=_accounts,
    ),
    PortalPayment(
        "epargne-retrait",
        "portal.savings.withdraw",
        MovementForm,
        _deposit_preview,
        _withdraw_place,
        setup=_accounts,
    ),
)
