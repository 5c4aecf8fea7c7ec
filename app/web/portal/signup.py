"""Opening an account on the portal: the same registration as ``POST /customers``
(number, names, PIN; a code by SMS to the number), then the customer is signed in
and this browser remembered, since the code just proved the phone is theirs."""

from __future__ import annotations

from flask import g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import TooManyRequests

from app.api.ratelimit import count_customer_attempt
from app.customers import registration
from app.db import transaction
from app.errors import DomainError, NotFound, OtpAttemptsExceeded, OtpExpired, ValidationFailed
from app.i18n import error_message
from app.web.portal import customer_session as door
from app.web.portal.common import Page, blueprint, explain, text
from app.web.portal.forms import DeviceCodeForm, SignUpForm

PENDING = "portal_signup"
FIELDS = ("msisdn", "first_name", "last_name", "pin")


@blueprint.route("/compte/inscription", methods=["GET", "POST"])
def sign_up() -> Page:
    form = SignUpForm(request.form)
    errors: dict[str, list[str]] = {}
    error = None
    if request.method == "POST":
        if not form.validate():
            errors = {name: [text("portal.form.required")] for name in form.errors}
        elif form.pin.data != form.pin_again.data:
            errors = {"pin_again": [text("portal.signup.pins_differ")]}
        else:
            try:
                count_customer_attempt(form.msisdn.data or "", "RATELIMIT_REGISTER")
                with transaction() as db:
                    pending, _challenge = registration.start_registration(
                        db,
                        msisdn=form.msisdn.data or "",
                        first_name=form.first_name.data or "",
                        last_name=form.last_name.data or "",
                        pin=form.pin.data or "",
                        language=g.language,
                    )
                    registration_id = pending.id
            except TooManyRequests:
                error = error_message("rate_limited", g.language)
                page = render_template("portal/signup.html", form=form, errors={}, error=error)
                return page, 429
            except ValidationFailed as exc:
                fields = exc.extra.get("errors", {})
                errors = {f: [text(f"portal.invalid.{f}")] for f in fields if f in FIELDS}
                error = text("portal.signup.invalid")
            except DomainError as exc:
                error = text("portal.signup.taken") if exc.code == "conflict" else explain(exc)
            else:
                session.clear()
                session[PENDING] = registration_id
                return redirect(url_for("portal.sign_up_code"), code=303)
        error = error or text("portal.signup.invalid")
    status = 422 if error else 200
    page = render_template("portal/signup.html", form=form, errors=errors, error=error)
    return page, status


@blueprint.route("/compte/inscription/code", methods=["GET", "POST"])
def sign_up_code() -> Page:
    registration_id = session.get(PENDING)
    if not isinstance(registration_id, str):
        return redirect(url_for("portal.sign_up"), code=303)
    form = DeviceCodeForm(request.form)
    error = None
    if request.method == "POST" and form.validate():
        try:
            secret = door.open_new_account(registration_id, form.code.data or "")
        except (OtpExpired, OtpAttemptsExceeded, NotFound) as exc:
            session.pop(PENDING, None)
            notice = explain(exc)
            return render_template(
                "portal/signup.html", form=SignUpForm(), errors={}, error=notice
            ), 401
        except DomainError as exc:
            error = explain(exc)
        else:
            response = redirect(url_for("portal.account_home", welcome=1), code=303)
            door.remember_device(response, secret)
            return response
    elif request.method == "POST":
        error = text("portal.device.incomplete")
    return render_template("portal/signup_code.html", form=form, error=error), 401 if error else 200
