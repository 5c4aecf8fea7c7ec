"""The partners area's forms done once: the counter's idempotency records, reused.

Every form that changes something carries a fresh key (``new_key``); its unit
of work records ``(staff, key) → where it led`` beside the change
(``app.web.once``, under a ``backoffice:`` owner of its own), so a
double click, a resubmitted form or two tabs racing do the thing once: the
second submission is sent where the first led. A refused form records nothing
and may be corrected and sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, render_template
from sqlalchemy.orm import Session

from app.disbursements.batches import OwnUpload
from app.errors import Conflict, DomainError, NotFound, ValidationFailed
from app.i18n import error_message
from app.i18n.web import page_text, web_texts
from app.principal import Principal
from app.remittances import prefunding_requests as requests
from app.web import once
from app.web.backoffice.blueprint import Page, officer

new_key = once.new_key


def me() -> Principal:
    """The signed-in staff member as the domain services' ``by``."""
    who = officer()
    return Principal(role=who.role, id=who.id, token_id=who.token_id)


def _owner() -> str:
    return f"backoffice:{officer().id}"


def expired() -> Page:
    page = render_template("backoffice/message.html", message=page_text("bo.partners.expired"))
    return page, 400


def problem(exc: DomainError) -> tuple[str, dict[str, list[str]]]:
    """A domain error in French: the message above the form and the fields' own."""
    fields: dict[str, list[str]] = {}
    if isinstance(exc, ValidationFailed):
        texts = web_texts()
        for name in exc.extra.get("errors") or {}:
            key = f"bo.partners.invalid.{name}"
            fields[str(name)] = [page_text(key if key in texts else "bo.partners.invalid")]
        return page_text("bo.partners.invalid_form"), fields
    if isinstance(exc, requests.OwnRequest):
        return page_text("bo.partners.prefunding.own"), fields
    if isinstance(exc, OwnUpload):
        return page_text("bo.partners.batch.own"), fields
    if isinstance(exc, Conflict):
        return page_text("bo.partners.conflict"), fields
    params = {k: v for k, v in exc.extra.items() if isinstance(v, int | str)}
    return error_message(exc.code, "fr", **params), fields


# The form's page again, saying why it was refused: (message, fields' messages, status).
Refused = Callable[[str, dict[str, list[str]], int], Page]


def run_once(
    key: object, work: Callable[[Session], tuple[str, Any]], refused: Refused | None = None
) -> tuple[Page | None, Any]:
    """Run ``work(session)`` once for this form's ``key``.

    ``work`` returns ``(where the form leads, anything to show right now)``. The
    first submission gets ``(None, shown)``: the caller renders it (a new API key
    appears on that answer only). A repeat gets ``(redirect to where the first
    led, None)``. A domain error records nothing. With ``refused``, the form's page
    comes back saying why (``problem``), as ``(page, None)``, but for a thing not
    found, which stays the area's 404; without it, every domain error propagates.
    """
    if not once.well_formed(key):
        return expired(), None
    assert isinstance(key, str)
    try:
        done = once.run_once(_owner(), key, work)
    except DomainError as exc:
        if refused is None or isinstance(exc, NotFound):
            raise
        error, errors = problem(exc)
        return refused(error, errors, exc.status), None
    if done.first:
        return None, done.shown
    return redirect(done.target, code=303), None
