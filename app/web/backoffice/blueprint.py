"""The back office's blueprint and what every one of its requests goes through:
CSRF, the signed-in staff member, the role declared by the page, no caching,
French error pages. Page modules import ``blueprint`` and ``allow`` from here."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.validators import ValidationError

from app.api.validation import refuse_unstorable_form
from app.errors import DomainError, NotFound
from app.i18n import error_message
from app.i18n.web import page_text
from app.money import format_amount
from app.web.backoffice import access
from app.web.backoffice.access import Officer, allow, allowed_roles, changes_nothing

log = logging.getLogger(__name__)

blueprint = Blueprint("backoffice", __name__, url_prefix="/backoffice")
Page = str | Response | WerkzeugResponse | tuple[str, int]

__all__ = ["Page", "allow", "blueprint", "officer"]


def officer() -> Officer:
    """The signed-in staff member of this request (pages run only after ``_gate``)."""
    found: Officer = g.officer
    return found


@blueprint.app_template_filter("xaf")
def xaf(amount: int) -> str:
    return format_amount(int(amount))


@blueprint.context_processor
def _globals() -> dict[str, Any]:
    return {"_": page_text, "csrf_token": generate_csrf, "officer": g.get("officer")}


@blueprint.before_request
def _check_csrf() -> None:
    """Every POST carries the session's CSRF token (Flask-WTF)."""
    g.pop("officer", None)
    g.pop("csrf_token", None)
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as exc:
            raise CSRFError(str(exc)) from None
        refuse_unstorable_form()


@blueprint.before_request
def _gate() -> Page | None:
    """Signed in, then allowed by the page's ``@allow``; an auditor never POSTs (the
    handler does not run), whatever the page declares."""
    view = blueprint_view()
    if view is None:
        return None  # unknown path: the 404 handler answers
    roles = allowed_roles(view)
    if roles is None:  # public page (the sign-in)
        return None
    found = access.DOOR.current()
    if found is None:
        reason = "bo.login.expired" if session.pop("expired", False) else "bo.login.required"
        return redirect(url_for("backoffice.login", reason=reason))
    g.officer = Officer.of(found)
    if officer().acts_as not in roles:
        return _refused(403)
    if request.method == "POST" and officer().read_only and not changes_nothing(view):
        return _refused(403)
    return None


def blueprint_view() -> Any:
    from flask import current_app

    endpoint = request.endpoint
    if not endpoint or not endpoint.startswith("backoffice."):
        return None
    return current_app.view_functions.get(endpoint)


def _refused(status: int) -> Page:
    message = page_text("bo.role.refused")
    return render_template("backoffice/message.html", message=message), status


@blueprint.errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError) -> Page:
    log.warning("back-office form refused: %s", exc.description)
    return render_template("backoffice/message.html", message=page_text("bo.csrf.failed")), 400


@blueprint.errorhandler(NotFound)
def _not_found(exc: Exception) -> Page:
    return render_template("backoffice/message.html", message=page_text("bo.error.not_found")), 404


@blueprint.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Page:
    """A domain error no page caught itself (a NUL in a query string refused before any
    view runs, say): its French message with its status, never a 500."""
    params = {k: v for k, v in exc.extra.items() if isinstance(v, (int, str))}
    try:
        message = error_message(exc.code, "fr", **params)
    except KeyError:  # the text wants a figure this error did not carry
        message = error_message("error", "fr")
    return render_template("backoffice/message.html", message=message), exc.status


@blueprint.errorhandler(Exception)
def _unexpected(exc: Exception) -> Page:
    """Anything unforeseen: a French page, the details in the log only."""
    if isinstance(exc, HTTPException):
        if exc.code == 404:
            return _not_found(exc)
        return exc.get_response()
    log.exception("back-office page failed")
    return render_template("backoffice/message.html", message=page_text("bo.error.page")), 500


@blueprint.after_request
def _no_store(response: Response) -> Response:
    """Pages show customers, balances and audit trails: never kept in a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def notify(key: str, **params: Any) -> None:
    """A French message on the next page (after a redirect)."""
    flash(page_text(key, **params))
