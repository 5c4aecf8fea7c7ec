"""What the customer-service and payments pages share: who acts (a ``Principal`` for
the domain services), one submission per form (``app/web/counter/once.py``'s
idempotency keys, under the staff member's id), domain errors in French."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import redirect, request
from sqlalchemy.orm import Session

from app.clock import LOCAL_TZ
from app.errors import DomainError, ValidationFailed
from app.i18n import error_message
from app.i18n.web import page_text, web_texts
from app.principal import Principal
from app.web import once
from app.web.backoffice.blueprint import Page, blueprint, notify, officer

ONCE_FIELD = "once"


def acting() -> Principal:
    """The signed-in operator as the domain services know staff (an admin stays admin
    in the audit trail)."""
    who = officer()
    return Principal(role=who.role, id=who.id, token_id=who.token_id)


def new_key() -> str:
    return once.new_key()


def explain(exc: DomainError) -> str:
    """A domain error as one French sentence for the top of the page."""
    why = exc.extra.get("why")
    if isinstance(why, str) and f"bo.desk.why.{why}" in web_texts():
        return page_text(f"bo.desk.why.{why}")
    if isinstance(exc, ValidationFailed):
        names = [str(n) for n in (exc.extra.get("errors") or {})]
        labels = [
            page_text(f"bo.desk.field.{n}") if f"bo.desk.field.{n}" in web_texts() else n
            for n in names
        ]
        return page_text("bo.desk.invalid", fields=", ".join(labels))
    params = {k: v for k, v in exc.extra.items() if isinstance(v, int | str)}
    return page_text("bo.desk.refused", message=error_message(exc.code, "fr", **params))


def submit_once(
    target: str, act: Callable[[Session], Any], done: str, refused: Callable[[str, int], Page]
) -> Page:
    """Run ``act`` once for this form's key, then go to ``target`` with the ``done``
    message. A second submission of the same form (a double click, a second tab) goes
    to ``target`` without acting; a refusal re-renders the page (``refused``)."""
    key = request.form.get(ONCE_FIELD)
    if not once.well_formed(key):
        return refused(page_text("bo.desk.form_expired"), 400)
    assert isinstance(key, str)  # well_formed
    try:
        outcome = once.run_once(f"backoffice:{officer().id}", key, lambda db: (target, act(db)))
    except DomainError as exc:
        return refused(explain(exc), exc.status)
    if not outcome.first:  # the same form sent before (or its twin committed first)
        return redirect(target, code=303)
    notify(done)
    return redirect(target, code=303)


@blueprint.app_template_filter("bo_when")
def bo_when(at: datetime | None) -> str:
    """'07/12/2026 10:05', Brazzaville time (stored times are UTC); empty for None."""
    return at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M") if at is not None else ""


@blueprint.app_template_filter("bo_status")
def bo_status(status: str) -> str:
    """A payment's status in French (the raw word for one the catalog does not name)."""
    key = f"bo.payments.status.{status}"
    return page_text(key) if key in web_texts() else str(status)
