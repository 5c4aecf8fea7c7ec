"""Submitting, approving and reading a payer's batches.

Submitting validates every line and stores them all (valid or not) in one
unit of work: the payer gets the report at once and nothing moves yet. A
payer's batch reference is unique: the same reference with the same lines
returns the first batch (a retried upload); with other lines it is a
``conflict``. Approving checks the prefunding covers the valid lines and hands
the batch to the processing job; approving again is harmless.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import ledger
from app.audit import record, record_by
from app.auth.api_keys import get_api_client
from app.clock import clock
from app.db import jobs, settings
from app.db.bulk import insert_rows
from app.disbursements.errors import BatchNotFound, BatchReferenceReused
from app.disbursements.locks import lock_batch
from app.disbursements.models import DisbursementBatch, DisbursementLine
from app.disbursements.validation import check_lines
from app.errors import Forbidden, InsufficientFunds, InvalidState, ValidationFailed
from app.ledger import chart
from app.principal import Principal

PROCESS_JOB = "workers.disbursements.process_batch"
INSERT_CHUNK = 5_000
REFERENCE_MAX = 64


def _fingerprint(items: list[Any]) -> str:
    digest = hashlib.sha256()
    for item in items:
        digest.update(json.dumps(item, sort_keys=True, separators=(",", ":"), default=str).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _clean_reference(value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(text) <= REFERENCE_MAX or not text.isprintable():
        raise ValidationFailed({"reference": [f"1 to {REFERENCE_MAX} printable characters."]})
    return text


def _by_reference(session: Session, payer_id: str, reference: str) -> DisbursementBatch | None:
    return session.scalar(
        select(DisbursementBatch).where(
            DisbursementBatch.payer_id == payer_id, DisbursementBatch.reference == reference
        )
    )


def submit_batch(
    session: Session, payer_id: str, *, reference: str, items: list[Any]
) -> tuple[DisbursementBatch, bool]:
    """Validate and store a batch; ``(batch, created)``."""
    payer = get_api_client(session, payer_id, role="payer")
    clean_ref = _clean_reference(reference)
    fingerprint = _fingerprint(items) if isinstance(items, list) else ""
    existing = _by_reference(session, payer.id, clean_ref)
    if existing is not None:
        if existing.fingerprint != fingerprint:
            raise BatchReferenceReused(
                "This reference was already used for a different batch.", batch_id=existing.id
            )
        return existing, False
    checked = check_lines(session, items)
    valid = checked.valid
    now = clock.now()
    batch = DisbursementBatch(
        id=str(uuid.uuid4()),
        payer_id=payer.id,
        reference=clean_ref,
        fingerprint=fingerprint,
        status="validated",
        total=len(checked.lines),
        valid=len(valid),
        rejected=len(checked.lines) - len(valid),
        completed=0,
        valid_amount=sum(ln.amount or 0 for ln in valid),
        paid_amount=0,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(batch)
            session.flush()
    except IntegrityError:
        winner = _by_reference(session, payer.id, clean_ref)
        if winner is None or winner.fingerprint != fingerprint:
            raise BatchReferenceReused(
                "This reference was already used for a different batch."
            ) from None
        return winner, False
    rows = [
        {
            "batch_id": batch.id,
            "line": ln.line,
            "msisdn": ln.msisdn,
            "name": ln.name,
            "amount": ln.amount,
            "reference": ln.reference,
            "status": "rejected" if ln.code else "valid",
            "code": ln.code,
            "customer_id": ln.customer_id,
            "processed_at": now if ln.code else None,
        }
        for ln in checked.lines
    ]
    for start in range(0, len(rows), INSERT_CHUNK):
        insert_rows(session, DisbursementLine.__table__, rows[start : start + INSERT_CHUNK])
    return batch, True


def get_batch(session: Session, batch_id: object, *, payer_id: str | None) -> DisbursementBatch:
    """The batch if ``payer_id`` submitted it (an admin passes ``None``)."""
    batch = session.get(DisbursementBatch, batch_id) if isinstance(batch_id, str) else None
    if batch is None or (payer_id is not None and batch.payer_id != payer_id):
        raise BatchNotFound()
    return batch


def approve_batch(session: Session, payer_id: str, batch_id: str) -> DisbursementBatch:
    """Start paying the valid lines; a batch already approved is returned as it is."""
    get_batch(session, batch_id, payer_id=payer_id)
    batch = lock_batch(session, batch_id)
    if batch.status != "validated":
        return batch
    return _start(session, batch, actor_role="payer", actor_id=payer_id)


def _start(
    session: Session, batch: DisbursementBatch, *, actor_role: str, actor_id: str
) -> DisbursementBatch:
    """Hand a locked, validated batch to the processing job if the prefunding covers it."""
    if batch.valid == 0:
        raise InvalidState("This batch has no valid line to pay.")
    available = ledger.balance(session, chart.payer(batch.payer_id)).available
    if available < batch.valid_amount:
        raise InsufficientFunds(
            f"The batch needs {batch.valid_amount}; the prefunding holds {available}.",
            needed=batch.valid_amount,
            available=available,
        )
    now = clock.now()
    batch.status = "processing"
    batch.approved_at = now
    batch.updated_at = now
    if actor_role != "payer":
        batch.approved_by = actor_id
    session.flush()
    record(
        session,
        actor_role=actor_role,
        actor_id=actor_id,
        action="disbursement.approve",
        target_type="disbursement_batch",
        target_id=batch.id,
        after={"valid": batch.valid, "amount": batch.valid_amount},
    )
    # One job per worker meant to share the batch: each pays the next unclaimed chunk
    # until none is left (processing.claim_lines), so chunks run side by side.
    for _ in range(max(1, settings(session).DISBURSEMENT_JOBS)):
        jobs.enqueue(session, PROCESS_JOB, batch_id=batch.id)
    return batch


# -- the back office: an operator uploads for a payer, another approves ----------------------


class OwnUpload(Forbidden):
    """Maker-checker: whoever uploaded a batch may not approve it."""

    title = "Approval by the uploader"


def upload_batch(
    session: Session, payer_id: str, *, reference: str, items: list[Any], by: Principal
) -> tuple[DisbursementBatch, bool]:
    """A payer's batch uploaded by a staff member: validated and stored exactly as the
    payer's own submission (``submit_batch``), then marked as theirs so that someone
    else approves it. The same reference and lines again return the first batch."""
    batch, created = submit_batch(session, payer_id, reference=reference, items=items)
    if created:
        batch.submitted_by = by.id
        session.flush()
        record_by(
            session,
            by,
            action="disbursement.upload",
            target_type="disbursement_batch",
            target_id=batch.id,
            after={
                "payer_id": batch.payer_id,
                "reference": batch.reference,
                "total": batch.total,
                "valid": batch.valid,
                "amount": batch.valid_amount,
            },
        )
    return batch, created


def approve_upload(session: Session, batch_id: str, *, by: Principal) -> DisbursementBatch:
    """A second staff member approves an uploaded batch: paid once, whoever comes second
    finds it already approved (the batch's row lock serialises them)."""
    batch = lock_batch(session, batch_id)
    if batch.submitted_by is None:
        raise InvalidState("This batch was sent by its payer, who approves it through the API.")
    if batch.submitted_by == by.id:
        raise OwnUpload("The operator who uploaded this batch cannot approve it.")
    if batch.status != "validated":
        return batch
    return _start(session, batch, actor_role=by.role, actor_id=by.id)


def list_batches(
    session: Session, *, payer_id: str | None = None, limit: int = 50
) -> list[DisbursementBatch]:
    """The newest batches first, every payer's or one payer's."""
    query = select(DisbursementBatch)
    if payer_id is not None:
        query = query.where(DisbursementBatch.payer_id == payer_id)
    order = (DisbursementBatch.created_at.desc(), DisbursementBatch.id)
    return list(session.scalars(query.order_by(*order).limit(limit)))


def rejected_lines(session: Session, batch_id: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(DisbursementLine.line, DisbursementLine.code)
        .where(DisbursementLine.batch_id == batch_id, DisbursementLine.status == "rejected")
        .order_by(DisbursementLine.line)
    )
    return [{"line": line, "code": code} for line, code in rows]


def lines_page(
    session: Session,
    batch: DisbursementBatch,
    *,
    limit: int,
    after_line: int | None,
    status: str | None,
) -> tuple[list[DisbursementLine], int | None]:
    """Per-line results in line order; the last line number when more follow."""
    query = select(DisbursementLine).where(DisbursementLine.batch_id == batch.id)
    if status is not None:
        query = query.where(DisbursementLine.status == status)
    if after_line is not None:
        query = query.where(DisbursementLine.line > after_line)
    rows = list(session.scalars(query.order_by(DisbursementLine.line).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1].line if more and rows else None


def batch_view(batch: DisbursementBatch) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": batch.id,
        "reference": batch.reference,
        "status": batch.status,
        "total": batch.total,
        "valid": batch.valid,
        "processed": batch.processed,
        "completed": batch.completed,
        "rejected": batch.rejected,
        "valid_amount": batch.valid_amount,
        "paid_amount": batch.paid_amount,
        "created_at": iso(batch.created_at),
        "approved_at": iso(batch.approved_at),
        "finished_at": iso(batch.finished_at),
    }


def line_view(line: DisbursementLine) -> dict[str, Any]:
    view: dict[str, Any] = {
        "line": line.line,
        "msisdn": line.msisdn,
        "name": line.name,
        "amount": line.amount,
        "reference": line.reference,
        "status": line.status,
    }
    if line.code:
        view["code"] = line.code
    if line.transfer_id:
        view["transfer_id"] = line.transfer_id
    if line.remittance_id:
        view["remittance_id"] = line.remittance_id
    return view


def stalled_batch_ids(session: Session, idle_seconds: int, limit: int = 50) -> list[str]:
    """Batches still processing with no progress for ``idle_seconds`` (a worker died)."""
    from datetime import timedelta

    cutoff = clock.now() - timedelta(seconds=idle_seconds)
    return list(
        session.scalars(
            select(DisbursementBatch.id)
            .where(DisbursementBatch.status == "processing", DisbursementBatch.updated_at < cutoff)
            .order_by(DisbursementBatch.updated_at)
            .limit(limit)
        )
    )


def count_lines(session: Session, batch_id: str, status: str) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                DisbursementLine.batch_id == batch_id, DisbursementLine.status == status
            )
        )
        or 0
    )
