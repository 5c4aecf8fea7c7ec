"""What every portal request goes through: its language, CSRF, error pages, no
caching of signed-in pages. Page modules import ``blueprint`` and ``text`` here.

The language is the ``lang`` cookie (set by ``/langue/<code>``), else the
browser's ``Accept-Language`` when it names Lingala, else French.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError, generate_csrf

from app.errors import DomainError, NotFound
from app.i18n.web import portal_text, portal_texts
from app.money import format_amount
from app.web.area import AreaBlueprint, ErrorPages, Page, check_post, say

log = logging.getLogger(__name__)


def _message_page(message: str, status: int, **context: Any) -> Page:
    return render_template("portal/message.html", **context, message=message), status


blueprint = AreaBlueprint(
    "portal",
    __name__,
    errors=ErrorPages(
        name="portal",
        page=_message_page,
        explain=lambda exc: explain(exc),
        text=lambda key: text(key),
        not_found="portal.error.not_found",
        failed="portal.error.page",
    ),
)
LANGUAGES = ("fr", "ln")
LANG_COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


def language() -> str:
    """The language of this request's pages."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return str(chosen)
    if request.accept_languages.best_match(LANGUAGES, default="fr") == "ln":
        return "ln"
    return "fr"


def text(key: str, **params: Any) -> str:
    """The portal text ``key`` in the request's language."""
    return portal_text(g.get("language") or language(), key, **params)


@blueprint.app_template_filter("xaf_portal")
def xaf(amount: int) -> str:
    return format_amount(int(amount))


@blueprint.context_processor
def _globals() -> dict[str, Any]:
    return {
        "_": text,
        "csrf_token": generate_csrf,
        "language": g.get("language", "fr"),
        "customer": g.get("customer"),
    }


@blueprint.before_request
def _prepare() -> None:
    """The request's language, then the CSRF token of every POST (Flask-WTF)."""
    g.language = language()
    check_post()


@blueprint.route("/langue/<code>")
def choose_language(code: str) -> Page:
    """Remember the language for a year and go back to the page the link was on
    (only a path of ours: no open redirect)."""
    if code not in LANGUAGES:
        raise NotFound("No such language.")
    back = request.args.get("next") or ""
    if not _own_path(back):
        back = url_for("portal.home")
    response = redirect(back, code=303)
    response.set_cookie(LANG_COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


def _own_path(target: str) -> bool:
    """A path on this site: browsers read a backslash as a slash ("/\\evil" is
    "//evil", another host) and drop tabs and line breaks, so none may appear."""
    return (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and all(c.isprintable() and not c.isspace() for c in target)
    )


def operation_label(kind: str) -> str:
    """A statement line's or a payment's type in the customer's words (the raw type for
    one the catalog does not name yet)."""
    key = f"portal.optype.{kind}"
    language = g.get("language") or "fr"
    return portal_text(language, key) if key in portal_texts(language) else kind


def explain(exc: DomainError) -> str:
    """A domain error in the customer's words and language, never a stack trace."""
    return say(exc, g.get("language") or "fr")


def message_page(key: str, status: int, **params: Any) -> Page:
    return _message_page(text(key, **params), status)


@blueprint.errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError) -> Page:
    log.warning("portal form refused: %s", exc.description)
    return message_page("portal.error.csrf", 400)
