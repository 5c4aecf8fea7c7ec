"""What every portal request goes through: its language, CSRF, error pages, no
caching of signed-in pages. Page modules import ``blueprint`` and ``text`` here.

The language is the ``lang`` cookie (set by ``/langue/<code>``), else the
browser's ``Accept-Language`` when it names Lingala, else French.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.validators import ValidationError

from app.api.validation import refuse_unstorable_form
from app.errors import DomainError, NotFound
from app.i18n import error_message
from app.i18n.web import portal_text, portal_texts
from app.money import format_amount

log = logging.getLogger(__name__)

blueprint = Blueprint("portal", __name__)
Page = str | Response | WerkzeugResponse | tuple[str, int]
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
    # ``g`` outlives a request when an app context was pushed around it (tests, a
    # worker): no CSRF token of a previous request may stand in for this session's.
    g.pop("csrf_token", None)
    g.language = language()
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as exc:
            raise CSRFError(str(exc)) from None
        refuse_unstorable_form()


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
    """A domain error in the customer's words and language: the same texts as the SMS
    and USSD answers (``app/i18n/catalogs/errors.*.po``), never a stack trace."""
    params = {k: v for k, v in exc.extra.items() if isinstance(v, (int, str))}
    language = g.get("language") or "fr"
    try:
        return error_message(exc.code, language, **params)
    except KeyError:  # the text wants a figure this error did not carry
        return error_message("error", language)


def message_page(key: str, status: int, **params: Any) -> Page:
    return render_template("portal/message.html", message=text(key, **params)), status


@blueprint.errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError) -> Page:
    log.warning("portal form refused: %s", exc.description)
    return message_page("portal.error.csrf", 400)


@blueprint.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Page:
    """A domain error no page caught itself (a tampered link's cursor, say): its
    message in the customer's words, with its status; NotFound has its own page."""
    if isinstance(exc, NotFound):
        return _not_found(exc)
    return render_template("portal/message.html", message=explain(exc)), exc.status


@blueprint.errorhandler(NotFound)
def _not_found(exc: Exception) -> Page:
    return message_page("portal.error.not_found", 404)


@blueprint.errorhandler(Exception)
def _unexpected(exc: Exception) -> Page:
    """Anything unforeseen: a page in the customer's language, details in the log only."""
    if isinstance(exc, HTTPException):
        if exc.code == 404:
            return _not_found(exc)
        return exc.get_response()
    log.exception("portal page failed")
    return message_page("portal.error.page", 500)
