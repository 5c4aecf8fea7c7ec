"""Hybrid mail (docs/API.md, "Hybrid mail and the postal e-mailbox"): sending a letter,
following it, its evidence, public tracking, and the operator's senders.

Thin as every namespace: the multipart upload is read and its ``meta`` parsed
here; the file check, the price, the payment and the storage are
``app.mail``'s. A letter is shown to its sender and to admins only; its
evidence to its recipient too; anyone else is told it does not exist.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate

from app.agents.staff import get_agent
from app.api.docs_schemas import CreatedApiClientSchema, OtpStateSchema, PageQuerySchema
from app.api.idempotency import idempotent
from app.api.openapi import operation
from app.api.responses import Body, Headers
from app.api.validation import load, query_int, refuse_unstorable_text
from app.auth import onboarding
from app.auth.decorators import require
from app.customers.service import get_customer
from app.db import settings, transaction
from app.errors import (
    AccountFrozen,
    AccountLocked,
    Conflict,
    Forbidden,
    InsufficientFunds,
    InvalidPin,
    InvalidState,
    LimitExceeded,
    RecipientNotFound,
    ValidationFailed,
)
from app.mail import bulk, evidence, letters, mailbox, printing
from app.mail.errors import LetterNotFound, PrintBatchNotFound, TrackingNotFound
from app.mail.pdf import check_pdf
from app.mail.storage import storage_for
from app.otp.models import Challenge
from app.otp.service import otp_view
from app.principal import Principal, current_principal
from app.transfers.models import Transfer

ns = Namespace("mail", path="/mail", description="Hybrid mail: send and follow letters")
track_ns = Namespace("tracking", path="/track", description="Public tracking of letters")
admin_ns = Namespace("admin-mail", path="/admin", description="Mail senders (admins only)")
mailbox_ns = Namespace("mailbox", path="/me/mailbox", description="The postal e-mailbox")
print_ns = Namespace("print", path="/print", description="Print centres: queue and batches")
scan_ns = Namespace("agent-mail", path="/agent/mail", description="Paper letters at the counter")

FORM_SLACK = 64 * 1024  # the meta field and the multipart framing around the file
NO_STORE = {"Cache-Control": "no-store"}


# -- documents -------------------------------------------------------------------------


class MailAddressSchema(Schema):
    line1 = fields.String(required=True)
    po_box = fields.String(allow_none=True)
    city = fields.String(required=True)
    post_office_code = fields.String(allow_none=True)


class MailRecipientSchema(Schema):
    name = fields.String(required=True)
    msisdn = fields.String(allow_none=True)
    address = fields.Nested(MailAddressSchema, allow_none=True)


class LetterUploadSchema(Schema):
    """``multipart/form-data``: the PDF and the letter's ``meta`` as JSON text
    ``{recipient: {msisdn?, name, address?}, service, delivery, subject?}``."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    meta = fields.String(required=True, metadata={"description": "JSON text"})


class LetterPaymentSchema(Schema):
    transfer_id = fields.String()
    status = fields.String()
    otp = fields.Nested(OtpStateSchema, allow_none=True)


class LetterSchema(Schema):
    id = fields.String()
    tracking_number = fields.String()
    status = fields.String()
    service = fields.String()
    delivery = fields.String()
    channel = fields.String()
    pages = fields.Integer()
    size = fields.Integer()
    price = fields.Integer()
    currency = fields.String()
    sha256 = fields.String()
    subject = fields.String(allow_none=True)
    recipient = fields.Nested(MailRecipientSchema)
    post_office_code = fields.String(allow_none=True)
    payment = fields.Nested(LetterPaymentSchema, allow_none=True)
    created_at = fields.AwareDateTime()
    paid_at = fields.AwareDateTime(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    read_at = fields.AwareDateTime(allow_none=True)


class LetterEventSchema(Schema):
    at = fields.AwareDateTime()
    status = fields.String()
    place = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)


class LetterEventListSchema(Schema):
    items = fields.List(fields.Nested(LetterEventSchema))


class EvidenceEventSchema(Schema):
    seq = fields.Integer()
    at = fields.AwareDateTime()
    status = fields.String()
    place = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)
    hash = fields.String()
    previous_hash = fields.String()


class EvidenceSchema(Schema):
    letter_id = fields.String()
    tracking_number = fields.String()
    sha256 = fields.String()
    events = fields.List(fields.Nested(EvidenceEventSchema))


class TrackingEventSchema(Schema):
    at = fields.AwareDateTime()
    status = fields.String()
    place = fields.String(allow_none=True)


class TrackingSchema(Schema):
    tracking_number = fields.String()
    status = fields.String()
    events = fields.List(fields.Nested(TrackingEventSchema))


class MailboxLetterSchema(Schema):
    id = fields.String()
    tracking_number = fields.String()
    sender = fields.String()
    subject = fields.String(allow_none=True)
    service = fields.String()
    registered = fields.Boolean()
    pages = fields.Integer()
    received_at = fields.AwareDateTime()
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    read_at = fields.AwareDateTime(allow_none=True)


class MailboxPageSchema(Schema):
    items = fields.List(fields.Nested(MailboxLetterSchema))
    next_cursor = fields.String(allow_none=True)


class OpenLetterSchema(Schema):
    pin = fields.String(required=True, validate=validate.Regexp(r"^\d{4}$", error="Four digits."))


class PrintQueueQuerySchema(Schema):
    centre = fields.String(required=True)
    limit = fields.Integer(validate=validate.Range(min=1, max=100))


class PrintQueueItemSchema(Schema):
    id = fields.String()
    tracking_number = fields.String()
    service = fields.String()
    pages = fields.Integer()
    post_office_code = fields.String(allow_none=True)
    queued_at = fields.AwareDateTime(allow_none=True)


class PrintQueueSchema(Schema):
    items = fields.List(fields.Nested(PrintQueueItemSchema))


class CreatePrintBatchSchema(Schema):
    centre = fields.String(required=True, validate=validate.Length(min=1, max=20))
    limit = fields.Integer(validate=validate.Range(min=1, max=printing.MAX_BATCH))


class PrintBatchSchema(Schema):
    id = fields.String()
    centre = fields.String()
    status = fields.String()
    letters = fields.Integer()
    pages = fields.Integer()
    sha256 = fields.String()
    tracking_numbers = fields.List(fields.String())
    pdf = fields.String(metadata={"description": "where to download the print-ready PDF"})
    created_at = fields.AwareDateTime()
    printed_at = fields.AwareDateTime(allow_none=True)


class ScanSchema(Schema):
    event = fields.String(required=True, validate=validate.OneOf(printing.SCAN_EVENTS))
    recipient_id_number = fields.String(
        allow_none=True, validate=validate.Length(max=40), load_default=None
    )


class ScannedLetterSchema(Schema):
    tracking_number = fields.String()
    status = fields.String()
    post_office_code = fields.String(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)


class MailBatchUploadSchema(Schema):
    """``multipart/form-data``: ``manifest`` (CSV: file, name, msisdn?, line1?, po_box?,
    city?, post_office_code?, service?, delivery?, subject?), ``archive`` (zip of the
    PDFs named in ``file``) and the batch ``reference``."""

    reference = fields.String(required=True)
    manifest = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    archive = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class MailBatchRejectedSchema(Schema):
    line = fields.Integer()
    code = fields.String()
    detail = fields.String(allow_none=True)


class MailBatchSchema(Schema):
    id = fields.String()
    reference = fields.String()
    status = fields.String()
    total = fields.Integer()
    valid = fields.Integer()
    rejected = fields.List(fields.Nested(MailBatchRejectedSchema))
    price = fields.Integer()
    created_at = fields.AwareDateTime()


class SenderSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=120))


# -- helpers -----------------------------------------------------------------------------


def _upload(max_bytes: int) -> tuple[bytes, Any]:
    """The file's bytes and the parsed ``meta``; a missing or oversized part is refused."""
    if request.mimetype != "multipart/form-data":
        raise ValidationFailed({"_body": ["Send multipart/form-data with 'file' and 'meta'."]})
    if request.content_length and request.content_length > max_bytes + FORM_SLACK:
        raise ValidationFailed(
            {"file": [f"The file is larger than {max_bytes // (1024 * 1024)} MB."]}
        )
    raw_meta = request.form.get("meta")
    if raw_meta is None:
        raise ValidationFailed({"meta": ["Attach the letter's details as JSON text in 'meta'."]})
    try:
        meta = json.loads(raw_meta)
    except (ValueError, RecursionError):
        raise ValidationFailed({"meta": ["Not valid JSON."]}) from None
    refuse_unstorable_text(meta)
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed({"file": ["Attach the letter as a PDF in 'file'."]})
    return upload.read(max_bytes + 1), meta


def _sender_of(principal: Principal) -> tuple[str | None, str | None]:
    """(kind, id) of the calling sender; (None, None) for an admin."""
    if principal.role == "admin":
        return None, None
    return ("customer" if principal.role == "customer" else "sender"), principal.id


def letter_body(session: Any, letter: Any) -> dict[str, Any]:
    body = letters.view(letter)
    if letter.transfer_id is not None:
        transfer = session.get(Transfer, letter.transfer_id)
        challenge = session.get(Challenge, transfer.challenge_id) if transfer else None
        body["payment"] = {
            "transfer_id": letter.transfer_id,
            "status": transfer.status if transfer else None,
            "otp": otp_view(challenge)
            if transfer and transfer.status == "pending_confirmation"
            else None,
        }
    return body


# -- routes ------------------------------------------------------------------------------


@ns.route("/letters")
class Letters(Resource):
    @operation(
        "sendLetter",
        form=LetterUploadSchema,
        status=201,
        response=LetterSchema,
        errors=(InsufficientFunds, LimitExceeded, RecipientNotFound, AccountFrozen, AccountLocked),
    )
    @ns.doc(
        security=["bearer", "apikey"],
        params={"Idempotency-Key": {"in": "header", "required": True}},
    )
    @require("customer", "sender")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """Send a PDF letter: a customer pays by wallet with an OTP (``pending_payment``,
        confirm at /transfers/{payment.transfer_id}/confirm); a sender pays at once."""
        principal = current_principal()
        with transaction() as session:
            config = settings(session)
            data, meta = _upload(config.MAIL_MAX_BYTES)
            pdf = check_pdf(data, max_bytes=config.MAIL_MAX_BYTES, max_pages=config.MAIL_MAX_PAGES)
            wanted = letters.clean_meta(meta, config.ALLOWED_REGIONS)
            storage = storage_for(config)
            if principal.role == "customer":
                customer = get_customer(session, principal.id)
                letter = letters.send_as_customer(session, storage, customer, wanted, pdf)
            else:
                letter = letters.send_as_sender(session, storage, principal.id, wanted, pdf)
            body = letter_body(session, letter)
        return body, 201


@ns.route("/letters/<string:letter_id>")
class LetterItem(Resource):
    @operation("getLetter", response=LetterSchema, errors=(LetterNotFound,))
    @ns.doc(security=["bearer", "apikey"])
    @require("customer", "sender", "admin")
    def get(self, letter_id: str) -> Body:
        """The letter, for its sender or an admin."""
        kind, sender_id = _sender_of(current_principal())
        with transaction() as session:
            letter = letters.letter_for_sender(
                session, letter_id, sender_kind=kind, sender_id=sender_id
            )
            body = letter_body(session, letter)
        return body


@ns.route("/letters/<string:letter_id>/events")
class LetterEvents(Resource):
    @operation("listLetterEvents", response=LetterEventListSchema, errors=(LetterNotFound,))
    @ns.doc(security=["bearer", "apikey"])
    @require("customer", "sender", "admin")
    def get(self, letter_id: str) -> Body:
        """The letter's tracking events, oldest first: ``{at, status, place, detail}``."""
        kind, sender_id = _sender_of(current_principal())
        with transaction() as session:
            letter = letters.letter_for_sender(
                session, letter_id, sender_kind=kind, sender_id=sender_id
            )
            items = letters.events_view(session, letter)
        return {"items": items}


@ns.route("/letters/<string:letter_id>/evidence")
class LetterEvidence(Resource):
    @operation("getLetterEvidence", response=EvidenceSchema, errors=(LetterNotFound,))
    @ns.doc(security=["bearer", "apikey"])
    @require("customer", "sender", "admin")
    def get(self, letter_id: str) -> Body:
        """The content's SHA-256 and the hash chain of every event (sender, recipient, admin)."""
        principal = current_principal()
        kind, sender_id = _sender_of(principal)
        customer_id = principal.id if principal.role == "customer" else None
        with transaction() as session:
            letter = letters.letter_for_party(
                session, letter_id, sender_kind=kind, sender_id=sender_id, customer_id=customer_id
            )
            body = evidence.view(session, letter)
        return body


@track_ns.route("/<string:tracking_number>")
class Tracking(Resource):
    @operation("getTracking", response=TrackingSchema, errors=(TrackingNotFound,))
    def get(self, tracking_number: str) -> Body:
        """Public tracking: statuses and places, never names or content."""
        with transaction() as session:
            body = letters.track(session, tracking_number)
        return body


@admin_ns.route("/senders")
class Senders(Resource):
    @operation("createSender", body=SenderSchema, status=201, response=CreatedApiClientSchema)
    @admin_ns.doc(security="bearer")
    @require("admin")
    def post(self) -> tuple[Body, int, Headers]:
        """Create a mail sender (an administration, a school, a utility) with an empty
        prefunding account; returns its API key once."""
        data = load(SenderSchema())
        with transaction() as session:
            client, key = onboarding.create_sender(session, by=current_principal(), **data)
        return {"id": client.id, "name": client.name, "api_key": key}, 201, NO_STORE


@mailbox_ns.route("")
class Mailbox(Resource):
    @operation("listMailbox", query=PageQuerySchema, response=MailboxPageSchema)
    @mailbox_ns.doc(security="bearer", params={"limit": "1-100", "cursor": "opaque"})
    @require("customer")
    def get(self) -> Body:
        """Letters received electronically, newest first."""
        limit = query_int("limit", 20)
        with transaction() as session:
            rows, next_cursor = mailbox.list_letters(
                session, current_principal().id, limit=limit, cursor=request.args.get("cursor")
            )
            items = [mailbox.view(letter) for letter in rows]
        return {"items": items, "next_cursor": next_cursor}


@mailbox_ns.route("/<string:letter_id>")
class MailboxItem(Resource):
    @operation("getMailboxLetter", response=MailboxLetterSchema, errors=(LetterNotFound,))
    @mailbox_ns.doc(security="bearer")
    @require("customer")
    def get(self, letter_id: str) -> Body:
        """One letter of the e-mailbox (not its content)."""
        with transaction() as session:
            letter = mailbox.letter_for_recipient(session, letter_id, current_principal().id)
            body = mailbox.view(letter)
        return body


@mailbox_ns.route("/<string:letter_id>/open")
class MailboxOpen(Resource):
    @operation(
        "confirmLetterReceipt",
        body=OpenLetterSchema,
        response=MailboxLetterSchema,
        errors=(LetterNotFound, InvalidPin, AccountLocked),
    )
    @mailbox_ns.doc(security="bearer")
    @require("customer")
    def post(self, letter_id: str) -> Body:
        """Open a letter with the PIN: for a registered letter, the proof of receipt."""
        data = load(OpenLetterSchema())
        with transaction() as session:
            customer = get_customer(session, current_principal().id)
            letter = mailbox.open_letter(session, customer, letter_id, data["pin"], channel="api")
            body = mailbox.view(letter)
        return body


@mailbox_ns.route("/<string:letter_id>/content")
class MailboxContent(Resource):
    @operation(
        "getMailboxLetterContent",
        media_type="application/pdf",
        errors=(LetterNotFound, InvalidState),
    )
    @mailbox_ns.doc(security="bearer")
    @require("customer")
    def get(self, letter_id: str) -> Response:
        """The PDF; the first read is recorded (a registered letter: open it with the PIN)."""
        with transaction() as session:
            storage = storage_for(settings(session))
            letter, data = mailbox.read_content(session, storage, current_principal().id, letter_id)
            name = f"{letter.tracking_number}.pdf"
        response = Response(data, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="{name}"'
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


# -- paper: print centres and counters ----------------------------------------------------


def _print_body(session: Any, batch: Any) -> dict[str, Any]:
    body = printing.batch_view(batch, printing.batch_letters(session, batch.id))
    body["pdf"] = f"/api/v1/print/batches/{batch.id}/pdf"
    return body


@print_ns.route("/queue")
class PrintQueue(Resource):
    @operation(
        "listPrintQueue",
        query=PrintQueueQuerySchema,
        response=PrintQueueSchema,
        errors=(Forbidden,),
    )
    @print_ns.doc(security="bearer", params={"centre": "print centre code", "limit": "1-100"})
    @require("agent")
    def get(self) -> Body:
        """Letters waiting to be printed at the agent's print centre, oldest first."""
        centre = request.args.get("centre") or ""
        if not centre:
            raise ValidationFailed({"centre": ["Required."]})
        limit = query_int("limit", 100)
        with transaction() as session:
            agent = get_agent(session, current_principal().id)
            items = [
                printing.queue_view(letter)
                for letter in printing.queue(session, agent, centre, limit=limit)
            ]
        return {"items": items}


@print_ns.route("/batches")
class PrintBatches(Resource):
    @operation(
        "createPrintBatch",
        body=CreatePrintBatchSchema,
        status=201,
        response=PrintBatchSchema,
        errors=(Forbidden, InvalidState),
    )
    @print_ns.doc(security="bearer")
    @require("agent")
    @idempotent(optional=True)
    def post(self) -> tuple[Body, int]:
        """One print-ready PDF of the oldest queued letters: an address sheet (tracking
        barcode) before each letter; download it from ``pdf``."""
        data = load(CreatePrintBatchSchema())
        with transaction() as session:
            agent = get_agent(session, current_principal().id)
            batch = printing.create_batch(
                session,
                storage_for(settings(session)),
                agent,
                data["centre"],
                limit=data.get("limit", 100),
            )
            body = _print_body(session, batch)
        return body, 201


@print_ns.route("/batches/<string:batch_id>")
class PrintBatchItem(Resource):
    @operation("getPrintBatch", response=PrintBatchSchema, errors=(PrintBatchNotFound,))
    @print_ns.doc(security="bearer")
    @require("agent")
    def get(self, batch_id: str) -> Body:
        """A batch of the agent's centre."""
        with transaction() as session:
            agent = get_agent(session, current_principal().id)
            body = _print_body(session, printing.batch_for(session, agent, batch_id))
        return body


@print_ns.route("/batches/<string:batch_id>/pdf")
class PrintBatchPdf(Resource):
    @operation(
        "getPrintBatchPdf",
        media_type="application/pdf",
        errors=(PrintBatchNotFound,),
    )
    @print_ns.doc(security="bearer")
    @require("agent")
    def get(self, batch_id: str) -> Response:
        """The batch's print-ready PDF (A4)."""
        with transaction() as session:
            agent = get_agent(session, current_principal().id)
            batch = printing.batch_for(session, agent, batch_id)
            data = storage_for(settings(session)).get(batch.sha256)
        response = Response(data, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="batch-{batch_id}.pdf"'
        response.headers["Cache-Control"] = "no-store"
        return response


@print_ns.route("/batches/<string:batch_id>/printed")
class PrintBatchPrinted(Resource):
    @operation(
        "recordPrintBatchPrinted",
        response=PrintBatchSchema,
        errors=(PrintBatchNotFound,),
    )
    @print_ns.doc(security="bearer")
    @require("agent")
    @idempotent(optional=True)
    def post(self, batch_id: str) -> Body:
        """The batch came out of the printer: each of its letters is ``printed``."""
        with transaction() as session:
            agent = get_agent(session, current_principal().id)
            batch = printing.mark_printed(session, agent, batch_id)
            body = _print_body(session, batch)
        return body


@scan_ns.route("/<string:tracking_number>/scan")
class LetterScan(Resource):
    @operation(
        "recordLetterScan",
        body=ScanSchema,
        response=ScannedLetterSchema,
        errors=(TrackingNotFound, InvalidState),
    )
    @scan_ns.doc(security="bearer")
    @require("agent")
    @idempotent(optional=True)
    def post(self, tracking_number: str) -> Body:
        """A paper letter scanned at the counter: dispatched, at the post office (the
        recipient is texted), delivered (registered: against the ID number) or returned."""
        data = load(ScanSchema())
        with transaction() as session:
            agent = get_agent(session, current_principal().id)
            letter = printing.scan(
                session,
                agent,
                tracking_number,
                data["event"],
                recipient_id_number=data["recipient_id_number"],
            )
            body = {
                "tracking_number": letter.tracking_number,
                "status": letter.status,
                "post_office_code": letter.post_office_code,
                "delivered_at": letter.delivered_at.isoformat() if letter.delivered_at else None,
            }
        return body


# -- bulk: a sender's batch -----------------------------------------------------------------

BATCH_UPLOAD_MAX = 512 * 1024 * 1024


@ns.route("/batches")
class MailBatches(Resource):
    @operation(
        "sendLetterBatch",
        form=MailBatchUploadSchema,
        status=201,
        response=MailBatchSchema,
        errors=(InsufficientFunds, Conflict),
    )
    @ns.doc(security="apikey", params={"Idempotency-Key": {"in": "header", "required": True}})
    @require("sender")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """Up to 10 000 letters at once: each manifest line checked (rejected lines
        reported), the valid ones paid by one debit of the prefunding and sent."""
        if request.mimetype != "multipart/form-data":
            raise ValidationFailed({"_body": ["Send multipart/form-data: manifest, archive."]})
        if request.content_length and request.content_length > BATCH_UPLOAD_MAX:
            raise ValidationFailed({"archive": ["At most 512 MB per upload."]})
        manifest = request.files.get("manifest")
        archive = request.files.get("archive")
        if manifest is None or archive is None:
            raise ValidationFailed(
                {"_body": ["Attach the CSV as 'manifest' and the zip of PDFs as 'archive'."]}
            )
        with transaction() as session:
            batch = bulk.submit(
                session,
                storage_for(settings(session)),
                current_principal().id,
                reference=request.form.get("reference", ""),
                manifest=manifest.read(bulk.MANIFEST_MAX_BYTES + 1),
                archive=archive.read(BATCH_UPLOAD_MAX + 1),
            )
            body = bulk.view(batch)
        return body, 201


@ns.route("/batches/<string:batch_id>")
class MailBatchItem(Resource):
    @operation("getLetterBatch", response=MailBatchSchema)
    @ns.doc(security=["apikey", "bearer"])
    @require("sender", "admin")
    def get(self, batch_id: str) -> Body:
        """The batch's report: lines, valid, rejected (with codes), price paid."""
        principal = current_principal()
        sender = principal.id if principal.role == "sender" else None
        with transaction() as session:
            body = bulk.view(bulk.batch_for(session, batch_id, sender_id=sender))
        return body
