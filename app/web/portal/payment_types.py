"""What a portal payment module declares (``payments.py`` runs the pages, ``catalog.py``
lists the declarations): the preview, the placed payment, the page, the table of
payments waiting for a code; and the words shared by every payment page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g
from sqlalchemy.orm import Session
from wtforms import Form

from app.customers.models import Customer
from app.errors import DomainError, ValidationFailed
from app.i18n.web import portal_texts
from app.money import format_amount
from app.transfers import pending
from app.web.portal.common import explain, text


@dataclass(frozen=True, slots=True)
class Preview:
    """What the customer checks before the code is sent."""

    rows: list[tuple[str, str]]
    total: int


@dataclass(frozen=True, slots=True)
class Placed:
    """A payment placed: its kind (``KINDS``) and id; ``shown`` what the page after the
    POST may show once (a cash-out code), never stored for a later GET."""

    kind: str
    row_id: str
    shown: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PortalPayment:
    slug: str  # under /compte/
    title: str  # catalog key of the page's title
    form: type[Form]
    preview: Callable[[Session, Customer, dict[str, Any]], Preview]
    place: Callable[[Session, Customer, dict[str, Any]], Placed]
    confirm_label: str = "portal.pay.send_code"
    # fills what a form needs from the database (a list of billers) before it is shown
    setup: Callable[[Session, Form], None] | None = None


@dataclass(frozen=True, slots=True)
class Kind:
    """A table of payments confirmed with an SMS code, as these pages see it."""

    flow: pending.Flow[Any]
    # (session, id, customer id) → the customer's row, locked; NotFound for anyone else's
    owned: Callable[[Session, str, str], Any]
    describe: Callable[[Session, Any], list[tuple[str, str]]]
    # whether a pending row waits for the customer's SMS code (a withdrawal waits for a
    # counter instead)
    asks_code: Callable[[Any], bool] = lambda row: True


def money_rows(amount: int, fee: int) -> list[tuple[str, str]]:
    return [
        (text("portal.pay.amount"), format_amount(amount)),
        (text("portal.pay.fee"), format_amount(fee)),
        (text("portal.pay.total"), format_amount(amount + fee)),
    ]


def field_errors(exc: DomainError) -> dict[str, list[str]]:
    """A validation error's fields as the form names them (``recipient.name`` →
    ``recipient_name``), each with its text in the customer's words
    (``portal.invalid.<field>``), else the error's own."""
    if not isinstance(exc, ValidationFailed):
        return {}
    named: dict[str, list[str]] = {}
    for name in exc.extra.get("errors", {}):
        field = str(name).replace(".", "_")
        key = f"portal.invalid.{field}"
        named[field] = [text(key) if key in portal_texts(g.language) else explain(exc)]
    return named
