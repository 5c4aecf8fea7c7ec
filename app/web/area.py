"""What every request of a server-rendered area goes through (the counter, the back
office, the portal): each POST's CSRF token, and an answer in the area's own words for
every error, never a stack trace.

An area keeps its own sign-in gate, its own templates and texts; it hands them here as
``ErrorPages`` and gets the same error handling as the others. The CSRF check runs in
the area's ``before_request`` before its gate, so a forged POST is refused before
anything else is read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from flask import Blueprint, Flask, Response, current_app, g, request
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.validators import ValidationError

from app.api.validation import refuse_unstorable_form
from app.errors import DomainError, NotFound
from app.i18n import error_message

Page = str | Response | WerkzeugResponse | tuple[str, int]

# First segments of the paths machines call (the API, the gateways, monitoring): an
# address of theirs that no route matches is answered in problem+json, not a page.
MACHINE_PATHS = frozenset({"api", "ussd", "sms", "health", "metrics", "static", "swaggerui", "dev"})


def check_post(*forget: str) -> None:
    """Forget what a previous request left in ``g`` (``forget``, and the CSRF token), then
    refuse a POST without this session's CSRF token or with a value no column can hold.

    ``g`` outlives a request when an app context was pushed around it (tests, a worker):
    no agent, officer or token of a previous request may stand in for this one's.
    """
    for key in ("csrf_token", *forget):
        g.pop(key, None)
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as exc:
            raise CSRFError(str(exc)) from None
        refuse_unstorable_form()


def say(exc: DomainError, language: str = "fr") -> str:
    """A domain error in a person's words: the same texts as the SMS and USSD answers
    (``app/i18n/catalogs/errors.*.po``), with the figures it carries."""
    params = {k: v for k, v in exc.extra.items() if isinstance(v, (int, str))}
    try:
        return error_message(exc.code, language, **params)
    except KeyError:  # the text wants a figure this error did not carry
        return error_message("error", language)


@dataclass(frozen=True)
class ErrorPages:
    """How an area answers an error: ``page(message, status, **context)`` renders its
    message page (``context``: template values its blueprint would otherwise give),
    ``explain`` says a domain error in its words, ``text`` reads its catalog; the keys
    name its texts for a page not found and a page that failed."""

    name: str
    page: Callable[..., Page]
    explain: Callable[[DomainError], str]
    text: Callable[[str], str]
    not_found: str
    failed: str


def answer_errors(blueprint: Blueprint, pages: ErrorPages) -> None:
    """Register the area's handlers: not found, a domain error no page caught itself (a
    NUL in a query string refused before any view runs, say) with its own status, and
    anything unforeseen as a 500 in the area's words, the details in the log only."""
    log = logging.getLogger(f"app.web.{pages.name}")

    def not_found(_exc: Exception) -> Page:
        return pages.page(pages.text(pages.not_found), 404)

    def domain_error(exc: DomainError) -> Page:
        if isinstance(exc, NotFound):
            return not_found(exc)
        return pages.page(pages.explain(exc), exc.status)

    def unexpected(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            if exc.code == 404:
                return not_found(exc)
            return exc.get_response()
        log.exception("%s page failed", pages.name)
        return pages.page(pages.text(pages.failed), 500)

    blueprint.register_error_handler(NotFound, not_found)
    blueprint.register_error_handler(DomainError, domain_error)
    blueprint.register_error_handler(Exception, unexpected)


class AreaBlueprint(Blueprint):
    """A blueprint that answers errors in its area's words (``answer_errors``) and, for
    the staff areas, keeps every page out of caches (``never_cached``)."""

    def __init__(
        self,
        name: str,
        import_name: str,
        *,
        errors: ErrorPages,
        never_cache: bool = False,
        **options: Any,
    ) -> None:
        super().__init__(name, import_name, **options)
        self.errors = errors
        answer_errors(self, errors)
        if never_cache:
            self.after_request(never_cached)

    def owns(self, path: str) -> bool:
        prefix = self.url_prefix or ""
        return bool(prefix) and (path == prefix or path.startswith(prefix + "/"))

    def page_not_found(self) -> Page:
        """This area's 404 page for an address none of its routes matches: no view of
        the blueprint runs, so the template values its context processors give are
        gathered here."""
        context: dict[str, Any] = {}
        for processor in current_app.template_context_processors.get(self.name, ()):
            context.update(cast(dict[str, Any], processor()))
        return self.errors.page(self.errors.text(self.errors.not_found), 404, **context)


def _wants_a_page() -> bool:
    """A browser asks for HTML first; a program (no Accept, JSON, */*) gets problem+json."""
    best = request.accept_mimetypes.best_match(("application/json", "text/html"))
    return best == "text/html" and request.accept_mimetypes["text/html"] > 0


def page_not_found(app: Flask) -> Page | None:
    """An address no route matches, answered to a browser by the area it falls in: the
    counter's and the back office's under their prefixes, the portal's elsewhere. None
    for the paths machines call (``MACHINE_PATHS``) and for a program's request, which
    keep their problem+json."""
    first = request.path.lstrip("/").split("/")[0]  # "//api/…" is still the API's
    if first in MACHINE_PATHS or not _wants_a_page():
        return None
    areas = [bp for bp in app.blueprints.values() if isinstance(bp, AreaBlueprint)]
    owner = next((bp for bp in areas if bp.owns(request.path)), None)
    if owner is None:
        owner = next((bp for bp in areas if not bp.url_prefix), None)
    return owner.page_not_found() if owner is not None else None


def never_cached(response: Response) -> Response:
    """A staff page shows customers, balances and audit trails: never kept in a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response
