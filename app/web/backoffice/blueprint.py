"""The back office's blueprint and what every one of its requests goes through:
CSRF, the signed-in staff member, the role declared by the page, no caching,
French error pages. Page modules import ``blueprint`` and ``allow`` from here."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, generate_csrf

from app.i18n.web import page_text
from app.money import format_amount
from app.web.area import AreaBlueprint, ErrorPages, Page, check_post, say
from app.web.backoffice import access
from app.web.backoffice.access import Officer, allow, allowed_roles, changes_nothing

log = logging.getLogger(__name__)


def _message_page(message: str, status: int, **context: Any) -> Page:
    return render_template("backoffice/message.html", **context, message=message), status


blueprint = AreaBlueprint(
    "backoffice",
    __name__,
    url_prefix="/backoffice",
    errors=ErrorPages(
        name="backoffice",
        page=_message_page,
        explain=say,
        text=page_text,
        not_found="bo.error.not_found",
        failed="bo.error.page",
    ),
    never_cache=True,
)

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
    check_post("officer")


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
    return _message_page(page_text("bo.role.refused"), status)


@blueprint.errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError) -> Page:
    log.warning("back-office form refused: %s", exc.description)
    return _message_page(page_text("bo.csrf.failed"), 400)


def notify(key: str, **params: Any) -> None:
    """A French message on the next page (after a redirect)."""
    flash(page_text(key, **params))
