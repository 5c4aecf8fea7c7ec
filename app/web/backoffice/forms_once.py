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

from app.i18n.web import page_text
from app.principal import Principal
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


def run_once(key: object, work: Callable[[Session], tuple[str, Any]]) -> tuple[Page | None, Any]:
    """Run ``work(session)`` once for this form's ``key``.

    ``work`` returns ``(where the form leads, anything to show right now)``. The
    first submission gets ``(None, shown)``: the caller renders it (a new API key
    appears on that answer only). A repeat gets ``(redirect to where the first
    led, None)``. Domain errors propagate, with nothing recorded.
    """
    if not once.well_formed(key):
        return expired(), None
    assert isinstance(key, str)
    done = once.run_once(_owner(), key, work)
    if done.first:
        return None, done.shown
    return redirect(done.target, code=303), None
