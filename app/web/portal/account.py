"""The customer's account on the portal: signing in (number, PIN, and the SMS code
on a new browser), signing out (here or everywhere), and the account's first page
with the balance. The money pages live beside this module and use ``customer()``.
"""

from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import TooManyRequests

from app import ledger
from app.api.ratelimit import count_customer_attempt
from app.customers import devices
from app.db import transaction
from app.errors import AccountLocked, DomainError, NotFound, OtpAttemptsExceeded, OtpExpired
from app.i18n import error_message
from app.ledger import chart
from app.security_headers import content_security_policy
from app.web.portal import customer_session as door
from app.web.portal.common import Page, blueprint, explain, text
from app.web.portal.forms import DeviceCodeForm, SignInForm

ACCOUNT = "/compte"
# Pages under /compte that need no signed-in customer.
OPEN_PAGES = {"portal.sign_in", "portal.device", "portal.sign_up", "portal.sign_up_code"}
NOTICES = ("expired", "required", "signed_out", "everywhere")


def customer() -> door.PortalCustomer:
    """The signed-in customer of this request (pages under /compte run after the gate)."""
    found: door.PortalCustomer = g.customer
    return found


@blueprint.before_request
def _gate() -> Page | None:
    """Every page under /compte but the sign-in needs a live session."""
    g.pop("customer", None)
    if not (request.path == ACCOUNT or request.path.startswith(ACCOUNT + "/")):
        return None
    if request.endpoint in OPEN_PAGES:
        return None
    found = door.current_customer()
    if found is None:
        reason = "expired" if session.pop("expired", False) else "required"
        if request.method == "GET" and request.url_rule is not None:
            door.remember_asked_page(request.full_path)
        return redirect(url_for("portal.sign_in", reason=reason))
    g.customer = found
    return None


@blueprint.after_request
def _no_store(response: Any) -> Any:
    """A signed-in page shows a balance and names: never kept in any cache. Its
    policy allows no inline style either (none of its templates has one): an
    injected ``style`` could not restyle a form into a lure."""
    if request.path.startswith(ACCOUNT):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = content_security_policy(
            response, inline_styles=False
        )
    return response


@blueprint.route("/compte/connexion", methods=["GET", "POST"])
def sign_in() -> Page:
    form = SignInForm(request.form)
    reason = request.args.get("reason")
    notice = text(f"portal.signin.{reason}") if reason in NOTICES else None
    error = None
    if request.method == "POST" and form.validate():
        try:
            count_customer_attempt(form.msisdn.data or "")
            _customer_id, known = door.check_pin(form.msisdn.data or "", form.pin.data or "")
        except TooManyRequests:
            error = error_message("rate_limited", g.language)
            return render_template("portal/signin.html", form=form, error=error), 429
        except AccountLocked as exc:
            error = explain(exc)
        except DomainError as exc:
            error = explain(exc)
        else:
            if not known:
                return redirect(url_for("portal.device"), code=303)
            return redirect(_signed_in_page(), code=303)
    elif request.method == "POST":
        error = text("portal.signin.incomplete")
    status = 401 if error else 200
    return render_template("portal/signin.html", form=form, error=error, notice=notice), status


def _signed_in_page() -> str:
    """Where a customer lands once signed in: the page they asked for, else the balance."""
    return door.take_asked_page() or url_for("portal.account_home")


@blueprint.route("/compte/appareil", methods=["GET", "POST"])
def device() -> Page:
    """The SMS code that confirms a new browser, after the PIN."""
    if door.pending() is None:
        return redirect(url_for("portal.sign_in", reason="required"), code=303)
    form = DeviceCodeForm(request.form)
    error = None
    if request.method == "POST" and form.validate():
        cookie: dict[str, str] = {}
        try:
            door.confirm_device(form.code.data or "", cookie)
        except (OtpExpired, OtpAttemptsExceeded) as exc:
            session.pop(door.PENDING, None)
            return render_template("portal/signin.html", form=SignInForm(), error=explain(exc)), 401
        except NotFound:
            return redirect(url_for("portal.sign_in", reason="required"), code=303)
        except DomainError as exc:
            error = explain(exc)
        else:
            response = redirect(_signed_in_page(), code=303)
            door.remember_device(response, cookie[door.DEVICE_COOKIE])
            return response
    elif request.method == "POST":
        error = text("portal.device.incomplete")
    status = 401 if error else 200
    return render_template("portal/device.html", form=form, error=error), status


@blueprint.route("/compte/deconnexion", methods=["POST"])
def sign_out() -> Page:
    door.sign_out(customer())
    return redirect(url_for("portal.sign_in", reason="signed_out"), code=303)


@blueprint.route("/compte/deconnexion-partout", methods=["POST"])
def sign_out_everywhere() -> Page:
    door.sign_out_everywhere(customer())
    return redirect(url_for("portal.sign_in", reason="everywhere"), code=303)


@blueprint.route("/compte/")
def account_home() -> Page:
    with transaction() as db:
        balance = ledger.balance(db, chart.wallet(customer().id))
        remembered = len(devices.active_devices(db, customer().id))
    return render_template(
        "portal/account.html",
        balance=balance,
        remembered=remembered,
    )
