"""Disbursement batches in the back office: uploaded by one operator, approved by another.

An operator uploads a payer's CSV (multipart, the columns of API.md's
``POST /disbursements/batches``: ``msisdn,name,amount[,reference]``, ``,`` or
``;``); it is parsed and validated by the very functions the REST door uses
(``parse_csv``, ``batches.submit_batch`` through ``upload_batch``), and the
page shows the validation report. A second operator approves it
(``approve_upload``: the uploader is refused, two approvals racing start it
once), and the processing job pays it as it does for a payer's own approval
(rq, or in-process in development and tests). While it runs, its page reloads
itself every few seconds with ``<meta http-equiv="refresh">`` (no JavaScript)
and shows paid, failed and pending lines; per-line results download as CSV.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import Response, redirect, render_template, request, stream_with_context, url_for
from sqlalchemy.orm import Session

from app import ledger
from app.api.disbursements import MAX_UPLOAD_BYTES
from app.auth.api_keys import ApiClient, list_clients
from app.db import transaction
from app.disbursements import batches
from app.disbursements.models import DisbursementBatch
from app.disbursements.validation import parse_csv
from app.errors import DomainError, ValidationFailed
from app.i18n import error_message, has_key
from app.i18n.web import page_text, web_texts
from app.ledger import chart
from app.web.backoffice.access import AUDITOR, OPERATOR
from app.web.backoffice.blueprint import Page, allow, blueprint, notify, officer
from app.web.backoffice.forms_once import me, new_key, run_once
from app.web.backoffice.partners import client_names, problem, staff_names
from app.web.csv_export import csv_lines, safe_cell

REFRESH_SECONDS = 3
REPORT_LINES = 500
CSV_PAGE = 1000
CSV_COLUMNS = (
    "line",
    "msisdn",
    "name",
    "amount",
    "reference",
    "status",
    "code",
    "transfer_id",
    "remittance_id",
)


def reason_text(code: str | None) -> str:
    """A line's refusal in French: the page's own words, else the error's."""
    if not code:
        return ""
    key = f"bo.partners.line.{code}"
    if key in web_texts():
        return page_text(key)
    return error_message(code, "fr") if has_key(f"error.{code}") else code


def counts(batch: DisbursementBatch) -> dict[str, int]:
    """Paid, refused at validation, failed at payment, still to pay."""
    refused = batch.total - batch.valid
    return {
        "paid": batch.completed,
        "refused": refused,
        "failed": batch.rejected - refused,
        "pending": batch.total - batch.completed - batch.rejected,
    }


@blueprint.route("/batches")
@allow(OPERATOR, AUDITOR)
def batches_list() -> Page:
    with transaction() as db:
        rows = batches.list_batches(db, limit=100)
        names = client_names(db, {b.payer_id for b in rows})
    return render_template(
        "backoffice/partners/batches.html", rows=rows, names=names, counts=counts
    )


def _payers(db: Session) -> list[ApiClient]:
    return list_clients(db, role="payer", status="active", limit=500)


def _upload_page(
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Page:
    with transaction() as db:
        payers = _payers(db)
    page = render_template(
        "backoffice/partners/upload.html",
        payers=payers,
        values=values or {},
        key=new_key(),
        error=error,
        errors=errors or {},
    )
    return page, status


@blueprint.route("/batches/new", methods=["GET", "POST"])
@allow(OPERATOR)
def batches_new() -> Page:
    """Upload a payer's CSV: validated at once, nothing paid before a second approval."""
    if request.method == "GET":
        return _upload_page()
    values = {
        "payer_id": request.form.get("payer_id") or "",
        "reference": request.form.get("reference") or "",
    }
    try:
        if request.content_length and request.content_length > MAX_UPLOAD_BYTES:
            raise ValidationFailed({"file": ["At most 16 MB per batch."]})
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ValidationFailed({"file": ["Attach the CSV file."]})
        items = parse_csv(upload.read(MAX_UPLOAD_BYTES + 1))

        def work(db: Session) -> tuple[str, Any]:
            payer = db.get(ApiClient, values["payer_id"]) if values["payer_id"] else None
            if payer is None or payer.role != "payer":
                raise ValidationFailed({"payer_id": ["Choose a payer."]})
            batch, _created = batches.upload_batch(
                db, payer.id, reference=values["reference"], items=items, by=me()
            )
            return url_for("backoffice.batch_page", batch_id=batch.id), batch.id

        again, batch_id = run_once(request.form.get("key"), work)
    except DomainError as exc:
        error, errors = problem(exc)
        return _upload_page(values=values, error=error, errors=errors, status=exc.status)
    if again is not None:
        return again
    notify("bo.partners.batch.uploaded")
    return redirect(url_for("backoffice.batch_page", batch_id=batch_id), code=303)


def _batch_page(batch_id: str, *, error: str | None = None, status: int = 200) -> Page:
    with transaction() as db:
        batch = batches.get_batch(db, batch_id, payer_id=None)
        payer = db.get(ApiClient, batch.payer_id)
        staff = staff_names(db, {batch.submitted_by or "", batch.approved_by or ""})
        refused, more = batches.lines_page(
            db, batch, limit=REPORT_LINES, after_line=None, status="rejected"
        )
        prefunding = ledger.balance(db, chart.payer(batch.payer_id)).available
    me_id = officer().id
    can_approve = (
        batch.status == "validated"
        and batch.submitted_by is not None
        and batch.submitted_by != me_id
        and not officer().read_only
    )
    page = render_template(
        "backoffice/partners/batch.html",
        batch=batch,
        payer=payer,
        staff=staff,
        refused=refused,
        more=more is not None,
        counts=counts(batch),
        prefunding=prefunding,
        reason_text=reason_text,
        refresh=REFRESH_SECONDS if batch.status == "processing" else None,
        can_approve=can_approve,
        own_upload=batch.submitted_by == me_id,
        key=new_key(),
        error=error,
    )
    return page, status


@blueprint.route("/batches/<batch_id>")
@allow(OPERATOR, AUDITOR)
def batch_page(batch_id: str) -> Page:
    """The validation report, then the progress (reloading itself while it runs)."""
    return _batch_page(batch_id)


@blueprint.route("/batches/<batch_id>/approve", methods=["POST"])
@allow(OPERATOR)
def batch_approve(batch_id: str) -> Page:
    """The second operator's approval: the valid lines are paid by the job."""

    def work(db: Session) -> tuple[str, Any]:
        batch = batches.approve_upload(db, batch_id, by=me())
        return url_for("backoffice.batch_page", batch_id=batch.id), batch.status

    again, _status = run_once(
        request.form.get("key"),
        work,
        refused=lambda error, _errors, status: _batch_page(batch_id, error=error, status=status),
    )
    if again is not None:
        return again
    notify("bo.partners.batch.approved")
    return redirect(url_for("backoffice.batch_page", batch_id=batch_id), code=303)


@blueprint.route("/batches/<batch_id>/results.csv")
@allow(OPERATOR, AUDITOR)
def batch_results(batch_id: str) -> Page:
    """Every line with its result, in line order, streamed a page of lines at a time."""
    with transaction() as db:
        batch = batches.get_batch(db, batch_id, payer_id=None)
        filename = re.sub(r"[^A-Za-z0-9_-]+", "-", batch.reference)[:40] or "lot"

    def generate() -> Iterator[str]:
        yield "\ufeff" + csv_lines([list(CSV_COLUMNS)])  # BOM: spreadsheets read UTF-8
        after: int | None = None
        while True:
            with transaction() as db:
                found = batches.get_batch(db, batch_id, payer_id=None)
                rows, last = batches.lines_page(
                    db, found, limit=CSV_PAGE, after_line=after, status=None
                )
                views = [batches.line_view(row) for row in rows]
            yield csv_lines([[safe_cell(v.get(c)) for c in CSV_COLUMNS] for v in views])
            if last is None:
                return
            after = last

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="resultats-{filename}.csv"'},
    )
