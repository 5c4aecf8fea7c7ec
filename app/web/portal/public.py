"""The portal's public pages: what the post offers with its fees (``/``), the fee
calculator (``/tarifs``) and a letter's public tracking (``/suivi/<number>``).

Every figure comes from the configured tariff through ``app.fees`` and
``app.mail.tariff``, the functions ``GET /fees`` and the letters' pricing use:
nothing here knows a price. Tracking calls the same ``letters.track`` as
``GET /track/<number>``, which shows statuses and places, never a name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import redirect, render_template, request, url_for

from app.api.validation import MAX_AMOUNT, ascii_int
from app.clock import LOCAL_TZ
from app.config import Config
from app.db import current_runtime, transaction
from app.errors import ValidationFailed
from app.fees import fee_range, quote
from app.mail import letters, s10
from app.mail.errors import TrackingNotFound
from app.money import format_amount
from app.web.portal.common import Page, blueprint, text

# The operations a customer can price on /tarifs, in the order of the select.
OPERATIONS = ("p2p", "cashout", "cashin", "remittance", "bill", "merchant")
LETTER_SERVICES = ("ordinary", "registered", "registered_ar")
MAX_NUMBER = 40


def _config() -> Config:
    return current_runtime().config


def fee_words(config: Config, fee_type: str) -> str:
    """``gratuit``, ``100 FCFA`` or ``de 50 FCFA à 5 000 FCFA``: the grid of one
    operation as a leaflet says it."""
    low, high = fee_range(config, fee_type)
    if high == 0:
        return text("portal.public.fee.free")
    if low == high:
        return format_amount(low)
    return text("portal.public.fee.range", low=format_amount(low), high=format_amount(high))


def letter_words(config: Config, service: str) -> str:
    rule = config.MAIL_TARIFF[service]
    return text(
        "portal.public.fee.letter",
        first=format_amount(int(rule["first_page"])),
        next=format_amount(int(rule["next_page"])),
    )


def offers(config: Config) -> list[dict[str, str]]:
    """The five offers of the home page: a title, two sentences, the fees."""
    livret = next(iter(config.SAVINGS_PRODUCTS.values()), None)
    rate = f"{livret['annual_rate_bp'] / 100:g}".replace(".", ",") if livret else "0"
    minimum = format_amount(int(livret["min_opening"])) if livret else format_amount(0)
    fees = {
        "wallet": text(
            "portal.public.wallet.fees",
            p2p=fee_words(config, "p2p"),
            cashin=fee_words(config, "cashin"),
            cashout=fee_words(config, "cashout"),
        ),
        "remit": text("portal.public.remit.fees", remittance=fee_words(config, "remittance")),
        "bills": text("portal.public.bills.fees", bill=fee_words(config, "bill")),
        "savings": text("portal.public.savings.fees", savings=fee_words(config, "savings")),
        "mail": text(
            "portal.public.mail.fees",
            **{service: letter_words(config, service) for service in LETTER_SERVICES},
        ),
    }
    params: dict[str, dict[str, Any]] = {
        "remit": {"days": config.REMITTANCE_TTL_DAYS},
        "savings": {"rate": rate, "minimum": minimum},
    }
    return [
        {
            "id": name,
            "title": text(f"portal.public.{name}.title"),
            "text": text(f"portal.public.{name}.text", **params.get(name, {})),
            "fees": fee,
        }
        for name, fee in fees.items()
    ]


@blueprint.route("/")
def home() -> Page:
    return render_template("portal/home.html", offers=offers(_config()))


@blueprint.route("/tarifs")
def fees() -> Page:
    """The grid of every operation and, when asked, the fee of one amount:
    ``fees.quote``, the function behind ``GET /fees``."""
    config = _config()
    operation = request.args.get("operation", "p2p")
    raw_amount = request.args.get("montant")
    result = None
    error = None
    if raw_amount is not None:
        try:
            result = _quote(config, operation, raw_amount)
        except ValidationFailed as exc:
            error = text(
                "portal.public.fees.invalid_operation"
                if "type" in exc.extra.get("errors", {})
                else "portal.public.fees.invalid_amount"
            )
    grid = [
        (
            name,
            [(int(upper), int(fee)) for upper, fee in config.TARIFFS[name]],
        )
        for name in OPERATIONS
        if name in config.TARIFFS
    ]
    letters_grid = [
        (service, int(rule["first_page"]), int(rule["next_page"]))
        for service, rule in config.MAIL_TARIFF.items()
    ]
    status = 422 if error else 200
    page = render_template(
        "portal/public/fees.html",
        operations=[name for name in OPERATIONS if name in config.TARIFFS],
        chosen=operation,
        amount=raw_amount or "",
        result=result,
        error=error,
        grid=grid,
        letters=letters_grid,
    )
    return page, status


def _quote(config: Config, operation: str, raw_amount: str) -> Any:
    if operation not in OPERATIONS:
        raise ValidationFailed({"type": ["Not an operation of the calculator."]})
    cleaned = "".join(raw_amount.split()).replace("\u202f", "")
    amount = ascii_int(cleaned)
    if amount is None or not 0 < amount <= MAX_AMOUNT:
        raise ValidationFailed({"amount": ["Must be a positive integer amount."]})
    return quote(config, operation, amount)


@blueprint.route("/suivi")
def track_form() -> Page:
    """The home page's GET form: to the letter's own address, or back with a message."""
    number = s10.normalize(request.args.get("numero", "")[:MAX_NUMBER])
    if not number:
        return redirect(url_for("portal.home"), code=303)
    return redirect(url_for("portal.track", number=number), code=303)


@blueprint.route("/suivi/<number>")
def track(number: str) -> Page:
    """Statuses and places of a letter, in the customer's language (``letters.track``)."""
    try:
        with transaction() as session:
            found = letters.track(session, number[:MAX_NUMBER])
    except TrackingNotFound:
        return _tracking_page(number, error=text("portal.public.track.unknown")), 404
    except ValidationFailed:
        return _tracking_page(number, error=text("portal.public.track.invalid")), 422
    events = [
        {
            "at": _local(event["at"]),
            "status": text(f"portal.public.letter.{event['status']}"),
            "place": event["place"] or "",
        }
        for event in found["events"]
    ]
    return _tracking_page(
        found["tracking_number"],
        status=text(f"portal.public.letter.{found['status']}"),
        events=events,
    )


def _tracking_page(number: str, **context: Any) -> str:
    return render_template("portal/public/track.html", number=number, **context)


def _local(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")
