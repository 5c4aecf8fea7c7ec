"""Paying from the portal, in the steps every payment shares.

1. ``GET /compte/<slug>``: the form.
2. ``POST /compte/<slug>``: the preview, checked by the domain's own rules and
   nothing written (the recipient's name, the fee, the total), with the checked
   input sealed in the page (``app.web.sealed_form``) and a fresh idempotency key.
3. ``POST /compte/<slug>/valider``: the payment is placed by the same service as
   REST (amount + fee held, the SMS code texted), once per key
   (``app.web.once``: a double tap finds the first payment), then
4. ``/compte/code/<kind>/<id>``: the SMS code confirms it (``pending.confirm_with_otp``:
   counted, expiring, idempotent) or the customer cancels it, and
5. ``/compte/operations/<kind>/<id>``: where it stands.

A payment module says only what is its own in ``PortalPayment``s (and ``Kind``s)
that ``catalog.py`` lists. Pages are the customer's own only: another customer's payment id
is a page not found.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from wtforms import Form, HiddenField, StringField
from wtforms.validators import InputRequired, Length

from app.customers.service import get_customer
from app.db import transaction
from app.errors import DomainError, NotFound
from app.transfers import pending
from app.web import once, sealed_form
from app.web.portal.account import customer
from app.web.portal.catalog import KINDS, PAYMENTS
from app.web.portal.common import Page, blueprint, explain, text
from app.web.portal.payment_types import Kind, PortalPayment, field_errors

PURPOSE = "portal-confirmation"


class ConfirmForm(Form):
    payload = HiddenField(validators=[InputRequired()])
    key = HiddenField(validators=[InputRequired(), Length(max=once.MAX_KEY_LENGTH)])


class CodeForm(Form):
    code = StringField(validators=[InputRequired(), Length(max=10)])


def _payment(slug: str) -> PortalPayment:
    found = PAYMENTS.get(slug)
    if found is None:
        raise NotFound("No such payment page.")
    return found


def _owner() -> str:
    return f"portal:{customer().id}"


def _form_page(
    payment: PortalPayment,
    form: Form,
    *,
    error: str | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Page:
    if payment.setup is not None:
        with transaction() as db:
            payment.setup(db, form)
    page = render_template(
        f"portal/pay/{payment.slug}.html",
        payment=payment,
        form=form,
        error=error,
        errors=errors or {},
    )
    return page, status


@blueprint.route("/compte/<slug>", methods=["GET"])
def pay_form(slug: str) -> Page:
    payment = _payment(slug)
    return _form_page(payment, payment.form(request.args))


@blueprint.route("/compte/<slug>", methods=["POST"])
def pay_preview(slug: str) -> Page:
    payment = _payment(slug)
    form = payment.form(request.form)
    if not form.validate():
        errors = {name: [text("portal.form.required")] for name in form.errors}
        return _form_page(payment, form, errors=errors, error=text("portal.pay.check"), status=422)
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in form.data.items()}
    try:
        with transaction() as db:
            shown = payment.preview(db, get_customer(db, customer().id), data)
    except DomainError as exc:
        return _form_page(
            payment, form, error=explain(exc), errors=field_errors(exc), status=exc.status
        )
    secret = current_app.config["SECRET_KEY"]
    page = render_template(
        "portal/pay/confirm.html",
        payment=payment,
        preview=shown,
        payload=sealed_form.seal_payload(secret, PURPOSE, customer().id, payment.slug, data),
        key=once.new_key(),
    )
    return page


@blueprint.route("/compte/<slug>/valider", methods=["POST"])
def pay_place(slug: str) -> Page:
    payment = _payment(slug)
    form = ConfirmForm(request.form)
    secret = current_app.config["SECRET_KEY"]
    data = sealed_form.open_payload(
        secret, PURPOSE, customer().id, payment.slug, form.payload.data or ""
    )
    key = form.key.data or ""
    if data is None or not once.well_formed(key):
        return render_template("portal/message.html", message=text("portal.pay.expired")), 400

    def place(db: Session) -> tuple[str, Any]:
        placed = payment.place(db, get_customer(db, customer().id), data)
        return url_for("portal.pay_code", kind=placed.kind, row_id=placed.row_id), placed

    try:
        done = once.run_once(_owner(), key, place)
    except DomainError as exc:
        return _form_page(
            payment,
            payment.form(data=data),
            error=explain(exc),
            errors=field_errors(exc),
            status=exc.status,
        )
    placed = done.shown  # None when the same form was sent before
    if placed is not None and placed.shown is not None:
        # shown once, in this answer only (a cash-out code)
        return render_template(f"portal/pay/{payment.slug}_placed.html", **placed.shown)
    return redirect(done.target, code=303)


def _kind(kind: str) -> Kind:
    found = KINDS.get(kind)
    if found is None:
        raise NotFound("No such payment.")
    return found


def _status_page(kind: str, row: Any, rows: list[tuple[str, str]], **extra: Any) -> str:
    return render_template(
        "portal/pay/status.html", kind=kind, row=row, rows=rows, form=CodeForm(), **extra
    )


@blueprint.route("/compte/code/<kind>/<row_id>", methods=["GET", "POST"])
def pay_code(kind: str, row_id: str) -> Page:
    """The SMS code of a payment waiting for it (GET: the form; POST: confirm)."""
    found = _kind(kind)
    who = customer().id
    error = None
    status = 200
    if request.method == "POST":
        form = CodeForm(request.form)
        try:
            with transaction() as db:
                pending.confirm_with_otp(
                    db, found.flow, row_id, who, (form.code.data or "").strip()
                )
        except DomainError as exc:
            error, status = explain(exc), exc.status
        else:
            return redirect(url_for("portal.pay_status", kind=kind, row_id=row_id), code=303)
    with transaction() as db:
        row = found.owned(db, row_id, who)
        if row.status == pending.PENDING:
            found.flow.expire_if_due(db, row)
        rows = found.describe(db, row)
    waiting = row.status == pending.PENDING
    if not (waiting and found.asks_code(row)) and error is None:
        return redirect(url_for("portal.pay_status", kind=kind, row_id=row_id), code=303)
    return _status_page(kind, row, rows, error=error, asks_code=waiting), status


@blueprint.route("/compte/code/<kind>/<row_id>/annuler", methods=["POST"])
def pay_cancel(kind: str, row_id: str) -> Page:
    found = _kind(kind)
    try:
        with transaction() as db:
            pending.cancel(db, found.flow, row_id, customer().id)
    except DomainError as exc:
        with transaction() as db:
            row = found.owned(db, row_id, customer().id)
            rows = found.describe(db, row)
        return _status_page(kind, row, rows, error=explain(exc)), exc.status
    return redirect(url_for("portal.pay_status", kind=kind, row_id=row_id), code=303)


@blueprint.route("/compte/operations/<kind>/<row_id>")
def pay_status(kind: str, row_id: str) -> Page:
    found = _kind(kind)
    with transaction() as db:
        row = found.owned(db, row_id, customer().id)
        if row.status == pending.PENDING:
            found.flow.expire_if_due(db, row)
        rows = found.describe(db, row)
    if row.status == pending.PENDING and found.asks_code(row):
        return redirect(url_for("portal.pay_code", kind=kind, row_id=row_id), code=303)
    return _status_page(kind, row, rows, asks_code=False)
