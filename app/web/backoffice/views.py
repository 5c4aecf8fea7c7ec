"""The back office's own pages: sign-in, sign-out and the home page that leads to
each area. The areas' pages live in their own modules beside this one."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.exceptions import TooManyRequests

from app.api.ratelimit import count_sign_in
from app.errors import AccountLocked, DomainError
from app.i18n import error_message
from app.i18n.web import page_text
from app.web.backoffice.access import DOOR, EVERYONE
from app.web.backoffice.blueprint import Page, allow, blueprint, officer
from app.web.counter.forms import LoginForm

LOGIN_NOTICES = ("bo.login.expired", "bo.login.required", "bo.login.signed_out")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Page:
    form = LoginForm(request.form)
    reason = request.args.get("reason")
    notice = page_text(reason) if reason in LOGIN_NOTICES else None
    error = None
    if request.method == "POST" and form.validate():
        try:
            count_sign_in(form.username.data or "")
            DOOR.sign_in(form.username.data or "", form.password.data or "", form.totp.data or "")
        except TooManyRequests:
            error = error_message("rate_limited", "fr")
            page = render_template("backoffice/login.html", form=form, error=error, notice=None)
            return page, 429
        except AccountLocked:
            error = page_text("login.locked")
        except DomainError:
            error = page_text("bo.login.refused")
        else:
            return redirect(url_for("backoffice.home"), code=303)
    elif request.method == "POST":
        error = page_text("bo.login.refused")
    status = 401 if error else 200
    return render_template("backoffice/login.html", form=form, error=error, notice=notice), status


@blueprint.route("/logout", methods=["POST"])
@allow(*EVERYONE, changes_nothing=True)
def logout() -> Page:
    """Every role may sign out, auditors included."""
    DOOR.sign_out(officer().token_id)
    return redirect(url_for("backoffice.login", reason="bo.login.signed_out"), code=303)


@blueprint.route("/")
@allow(*EVERYONE)
def home() -> Page:
    return render_template("backoffice/home.html")
