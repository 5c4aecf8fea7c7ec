"""Merchants' payment requests on the portal: what the customer is asked to pay,
approved with the PIN or declined (``app.payments.requests``, the service of
``POST /payment-requests/{id}/approve`` and ``/decline``). Both are idempotent in
the service: a second tap on a paid request shows it paid, nothing more."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.exceptions import TooManyRequests
from wtforms import Form, PasswordField
from wtforms.validators import InputRequired, Length

from app.api.ratelimit import count_customer_attempt
from app.customers.service import get_customer
from app.db import transaction
from app.errors import DomainError
from app.i18n import error_message
from app.payments import requests as payment_requests
from app.web.portal.account import customer
from app.web.portal.common import Page, blueprint, explain

CHANNEL = "web"


class ApproveForm(Form):
    pin = PasswordField(validators=[InputRequired(), Length(max=8)])


def _page(error: str | None = None, status: int = 200, notice: str | None = None) -> Page:
    with transaction() as db:
        me = get_customer(db, customer().id)
        asked = [
            payment_requests.customer_view(db, r)
            for r in payment_requests.pending_requests_for(db, me)
        ]
    page = render_template(
        "portal/requests.html", asked=asked, form=ApproveForm(), error=error, notice=notice
    )
    return page, status


@blueprint.route("/compte/demandes")
def payment_requests_page() -> Page:
    return _page()


@blueprint.route("/compte/demandes/<request_id>/payer", methods=["POST"])
def approve_payment_request(request_id: str) -> Page:
    form = ApproveForm(request.form)
    try:
        count_customer_attempt(customer().msisdn)  # a PIN typed: the sign-in's budget
        with transaction() as db:
            me = get_customer(db, customer().id)
            payment_requests.approve_request(
                db, request_id, me, pin=form.pin.data or "", channel=CHANNEL
            )
    except TooManyRequests:
        from flask import g

        return _page(error_message("rate_limited", g.language), 429)
    except DomainError as exc:
        return _page(explain(exc), exc.status)
    return redirect(url_for("portal.payment_requests_page", fait="paye"), code=303)


@blueprint.route("/compte/demandes/<request_id>/refuser", methods=["POST"])
def decline_payment_request(request_id: str) -> Page:
    try:
        with transaction() as db:
            me = get_customer(db, customer().id)
            payment_requests.decline_request(db, request_id, me)
    except DomainError as exc:
        return _page(explain(exc), exc.status)
    return redirect(url_for("portal.payment_requests_page", fait="refuse"), code=303)
