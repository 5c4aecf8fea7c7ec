"""Bulk disbursements: payers submit, approve and follow their batches."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate

from app.api.docs_schemas import (
    BatchLinePageSchema,
    BatchLinesQuerySchema,
    BatchUploadSchema,
    BatchViewSchema,
)
from app.api.idempotency import idempotent
from app.api.openapi import operation
from app.api.responses import Body
from app.api.validation import load, query_int
from app.auth.decorators import require
from app.db import transaction
from app.disbursements import batches
from app.disbursements.errors import BatchReferenceReused
from app.disbursements.models import LINE_STATUSES
from app.disbursements.validation import AMOUNT_MAX, MAX_LINES, REFERENCE_MAX, parse_csv
from app.errors import InsufficientFunds, InvalidState, ValidationFailed
from app.principal import current_principal
from app.remittances.models import NAME_MAX

ns = Namespace(
    "disbursements", path="/disbursements", description="Bulk disbursements (pensions, salaries)"
)

# A CSV of 100 000 lines is a few megabytes; anything far larger is not a batch.
MAX_UPLOAD_BYTES = 16 * 1024 * 1024


# What a line should be. Lines are loaded raw on purpose: a line that is not so is no
# validation error of the batch but a rejected line of its report (``invalid_msisdn``...).
LINE = {
    "type": "object",
    "description": "one payment; a line that is not so is reported rejected, with its code",
    "properties": {
        "msisdn": {"type": "string", "example": "+242061234567"},
        "name": {"type": "string", "minLength": 2, "maxLength": NAME_MAX},
        "amount": {"type": "integer", "minimum": 1, "maximum": AMOUNT_MAX},
        "reference": {"type": "string", "maxLength": REFERENCE_MAX},
    },
    "required": ["msisdn", "name", "amount"],
}


class SubmitBatch(Schema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    items = fields.List(
        fields.Raw(metadata=LINE), required=True, validate=validate.Length(min=1, max=MAX_LINES)
    )


def _submission() -> tuple[str, list[Any]]:
    """``(reference, items)`` from a JSON body, a multipart upload (``file`` and
    ``reference`` fields) or a ``text/csv`` body with ``?reference=``."""
    if request.content_length and request.content_length > MAX_UPLOAD_BYTES:
        raise ValidationFailed({"_body": ["At most 16 MB per batch."]})
    if request.is_json:
        data = load(SubmitBatch())
        return data["reference"], data["items"]
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed({"file": ["Attach the CSV file as 'file'."]})
        return request.form.get("reference", ""), parse_csv(upload.read(MAX_UPLOAD_BYTES + 1))
    if request.mimetype in ("text/csv", "text/plain"):
        return request.args.get("reference", ""), parse_csv(request.get_data(cache=True))
    raise ValidationFailed({"_body": ["Send JSON, a CSV upload (multipart) or text/csv."]})


def _submitted_body(session: Any, batch: Any) -> dict[str, Any]:
    body = batches.batch_view(batch)
    body["rejected"] = batches.rejected_lines(session, batch.id)
    return body


@ns.route("/batches")
class Batches(Resource):
    @operation(
        "createBatch",
        body=SubmitBatch,
        form=BatchUploadSchema,
        status=201,
        also=(200,),
        response=BatchViewSchema,
        errors=[BatchReferenceReused],
    )
    @ns.doc(security="apikey", params={"Idempotency-Key": {"in": "header", "required": True}})
    @require("payer")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """Submit a batch ``{reference, items: [{msisdn, name, amount, reference}]}`` or a CSV;
        every line is checked and the report returned; nothing is paid before approval."""
        reference, items = _submission()
        with transaction() as session:
            batch, created = batches.submit_batch(
                session, current_principal().id, reference=reference, items=items
            )
            body = _submitted_body(session, batch)
        return body, 201 if created else 200


@ns.route("/batches/<string:batch_id>/approve")
class Approval(Resource):
    @operation(
        "approveBatch",
        status=202,
        response=BatchViewSchema,
        errors=(InvalidState, InsufficientFunds),
    )
    @ns.doc(security="apikey")
    @require("payer")
    @idempotent(optional=True)
    def post(self, batch_id: str) -> tuple[Body, int]:
        """Pay the valid lines (the prefunding must cover them); progress by GET."""
        with transaction() as session:
            batch = batches.approve_batch(session, current_principal().id, batch_id)
            body = {"id": batch.id, "status": batch.status}
        return body, 202


@ns.route("/batches/<string:batch_id>")
class BatchItem(Resource):
    @operation("getBatch", response=BatchViewSchema)
    @ns.doc(security=["apikey", "bearer"])
    @require("payer", "admin")
    def get(self, batch_id: str) -> Body:
        """Progress: ``processed`` out of ``total``, ``completed`` and ``rejected`` lines."""
        principal = current_principal()
        payer = principal.id if principal.role == "payer" else None
        with transaction() as session:
            body = batches.batch_view(batches.get_batch(session, batch_id, payer_id=payer))
        return body


@ns.route("/batches/<string:batch_id>/lines")
class BatchLines(Resource):
    @operation("listBatchLines", query=BatchLinesQuerySchema, response=BatchLinePageSchema)
    @ns.doc(
        security=["apikey", "bearer"],
        params={"limit": "1-1000", "cursor": "opaque", "status": "valid, rejected, completed"},
    )
    @require("payer", "admin")
    def get(self, batch_id: str) -> Body:
        """Per-line results in line order."""
        principal = current_principal()
        payer = principal.id if principal.role == "payer" else None
        limit = query_int("limit", 100, maximum=1000)
        status = request.args.get("status") or None
        if status is not None and status not in LINE_STATUSES:
            raise ValidationFailed({"status": [f"One of: {', '.join(LINE_STATUSES)}."]})
        cursor = request.args.get("cursor") or None
        if cursor is not None and not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 9):
            raise ValidationFailed({"cursor": ["Not a cursor of this list."]})
        with transaction() as session:
            batch = batches.get_batch(session, batch_id, payer_id=payer)
            rows, last = batches.lines_page(
                session,
                batch,
                limit=limit,
                after_line=int(cursor) if cursor else None,
                status=status,
            )
            items = [batches.line_view(row) for row in rows]
        return {"items": items, "next_cursor": str(last) if last is not None else None}
