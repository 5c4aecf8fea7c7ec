"""The e-mailbox and sending a letter, on the portal (``app.mail``: the services of
``/me/mailbox`` and ``POST /letters``).

The mailbox lists the customer's letters; a registered one is opened with the PIN
first (the proof of receipt), then read as a PDF like any other. Sending a letter
is one form: the PDF, the recipient (a number for the e-mailbox, or an address
for paper) and the service; the letter is checked and priced, its price held in
the wallet and the SMS code texted, and the common code step pays it (or the
cancel releases the hold). The form is sent once per idempotency key.
"""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.exceptions import TooManyRequests

from app.api.ratelimit import count_customer_attempt
from app.customers.service import get_customer
from app.db import settings, transaction
from app.errors import DomainError, ValidationFailed
from app.i18n import error_message
from app.mail import letters, mailbox
from app.mail.models import SERVICES
from app.mail.pdf import check_pdf
from app.mail.storage import storage_for
from app.web import once
from app.web.portal.account import customer
from app.web.portal.common import Page, blueprint, explain, text
from app.web.portal.payment_types import field_errors

PAGE_SIZE = 50


def _mailbox_page(error: str | None = None, status: int = 200) -> Page:
    with transaction() as db:
        items, _next = mailbox.list_letters(db, customer().id, limit=PAGE_SIZE, cursor=None)
        shown = [mailbox.view(letter) for letter in items]
    return render_template("portal/mailbox.html", letters=shown, error=error), status


@blueprint.route("/compte/courrier")
def mailbox_page() -> Page:
    return _mailbox_page()


def _letter_page(letter_id: str, error: str | None = None, status: int = 200) -> Page:
    with transaction() as db:
        letter = mailbox.letter_for_recipient(db, letter_id, customer().id)
        shown = mailbox.view(letter)
    return render_template("portal/letter.html", letter=shown, error=error), status


@blueprint.route("/compte/courrier/<letter_id>")
def letter_page(letter_id: str) -> Page:
    return _letter_page(letter_id)


@blueprint.route("/compte/courrier/<letter_id>/ouvrir", methods=["POST"])
def letter_open(letter_id: str) -> Page:
    """The PIN opens a letter (for a registered one: the proof of receipt)."""
    try:
        count_customer_attempt(customer().msisdn)
        with transaction() as db:
            me = get_customer(db, customer().id)
            mailbox.open_letter(db, me, letter_id, request.form.get("pin", ""), channel="web")
    except TooManyRequests:
        from flask import g

        return _letter_page(letter_id, error_message("rate_limited", g.language), 429)
    except DomainError as exc:
        return _letter_page(letter_id, explain(exc), exc.status)
    return redirect(url_for("portal.letter_page", letter_id=letter_id), code=303)


@blueprint.route("/compte/courrier/<letter_id>/lettre.pdf")
def letter_pdf(letter_id: str) -> Page:
    try:
        with transaction() as db:
            storage = storage_for(settings(db))
            letter, data = mailbox.read_content(db, storage, customer().id, letter_id)
            name = f"{letter.tracking_number}.pdf"
    except DomainError as exc:
        if exc.code == "not_found":
            raise
        return _letter_page(letter_id, explain(exc), exc.status)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- sending -------------------------------------------------------------------------------

FIELDS = ("recipient_name", "recipient_msisdn", "line1", "po_box", "city", "subject")


def _send_page(
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
) -> Page:
    page = render_template(
        "portal/send_letter.html",
        values=values or {},
        services=SERVICES,
        key=once.new_key(),
        error=error,
        errors=errors or {},
    )
    return page, status


@blueprint.route("/compte/courrier/envoyer")
def letter_send_form() -> Page:
    return _send_page()


def _meta(form: Any) -> dict[str, Any]:
    recipient: dict[str, Any] = {"name": form.get("recipient_name", "")}
    if form.get("recipient_msisdn", "").strip():
        recipient["msisdn"] = form["recipient_msisdn"]
    if form.get("line1", "").strip() or form.get("city", "").strip():
        recipient["address"] = {
            "line1": form.get("line1", ""),
            "po_box": form.get("po_box") or None,
            "city": form.get("city", ""),
        }
    return {
        "recipient": recipient,
        "service": form.get("service", "ordinary"),
        "delivery": "auto",
        "subject": form.get("subject") or None,
    }


@blueprint.route("/compte/courrier/envoyer", methods=["POST"])
def letter_send() -> Page:
    values = {k: request.form.get(k, "") for k in (*FIELDS, "service")}
    key = request.form.get("key", "")
    owner = f"portal:{customer().id}"
    if not once.well_formed(key):
        return _send_page(values, text("portal.pay.expired"), 400)
    upload = request.files.get("file")

    def send(db: Session) -> tuple[str, None]:
        config = settings(db)
        if upload is None or not upload.filename:
            raise ValidationFailed({"file": ["Attach the letter as a PDF."]})
        data = upload.read(config.MAIL_MAX_BYTES + 1)
        pdf = check_pdf(data, max_bytes=config.MAIL_MAX_BYTES, max_pages=config.MAIL_MAX_PAGES)
        wanted = letters.clean_meta(_meta(request.form), config.ALLOWED_REGIONS)
        me = get_customer(db, customer().id)
        letter = letters.send_as_customer(db, storage_for(config), me, wanted, pdf)
        return url_for("portal.pay_code", kind="transfer", row_id=letter.transfer_id), None

    try:
        done = once.run_once(owner, key, send)
    except DomainError as exc:
        return _send_page(values, explain(exc), exc.status, field_errors(exc))
    return redirect(done.target, code=303)
