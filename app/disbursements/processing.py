"""Paying an approved batch, one chunk of lines per transaction.

Each chunk holds the batch's row lock (two workers on one batch take turns),
reads its next valid lines, pays each, and records the lines, the transfers
and the batch's counters in the same transaction as the money, so a worker
killed mid-chunk leaves that chunk entirely unpaid and the next run starts it
again. Each line's entry is keyed ``disbursement:<batch>:<line>`` (and its
transfer by the same pair): even a line whose result was somehow lost is found
paid, never paid twice.

Postings: a line whose number has a wallet is ``payer:<id>`` → ``wallet:<id>``
(type ``disbursement``, no fee); a number without a wallet gets a cash-pickup
remittance ``payer:<id>`` → ``remit:payable`` (``app.remittances.funded``),
whose code is texted to the recipient. A line the payment refuses (the
prefunding ran out, the wallet reached its cap or was frozen since validation)
is ``rejected`` with the error's code; the batch carries on.

The recipients' SMS receipts are sent by a follow-up job per chunk, after the
chunk's commit, so texting never slows down or holds up the money.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app import jobs, ledger
from app.auth.api_keys import ApiClient
from app.clock import clock
from app.disbursements.batches import lock_batch
from app.disbursements.models import DisbursementBatch, DisbursementLine
from app.disbursements.validation import Recipient, limit_code, recipients, wallet_holdings
from app.errors import DomainError
from app.ledger import chart
from app.remittances.funded import send_funded
from app.runtime import settings
from app.transfers.models import Transfer
from app.transfers.references import ALPHABET

log = logging.getLogger(__name__)

CHUNK = 500
_RANDOM = secrets.SystemRandom()
NOTIFY_JOB = "workers.disbursements.notify"


@dataclass(slots=True)
class Outcome:
    status: str
    code: str | None = None
    customer_id: str | None = None
    transfer_id: str | None = None
    remittance_id: str | None = None
    paid: int = 0


def draw_references(session: Session, count: int) -> list[str]:
    """``count`` free transfer references, checked against the table in one query."""
    chosen: set[str] = set()
    while len(chosen) < count:
        wanted = count - len(chosen)
        candidates = {"PC" + "".join(_RANDOM.choices(ALPHABET, k=8)) for _ in range(wanted)}
        taken = set(
            session.scalars(select(Transfer.reference).where(Transfer.reference.in_(candidates)))
        )
        chosen |= candidates - taken
    return sorted(chosen)


def process_chunk(session: Session, batch_id: str, chunk: int | None = None) -> bool:
    """Pay the batch's next ``chunk`` (default ``CHUNK``) valid lines; True while some remain."""
    chunk = chunk or CHUNK
    batch = lock_batch(session, batch_id)
    if batch.status != "processing":
        return False
    lines = list(
        session.scalars(
            select(DisbursementLine)
            .where(DisbursementLine.batch_id == batch.id, DisbursementLine.status == "valid")
            .order_by(DisbursementLine.line)
            .limit(chunk)
        )
    )
    if not lines:
        _finish(batch)
        return False
    payer = session.get(ApiClient, batch.payer_id)
    assert payer is not None
    found = recipients(session, (ln.msisdn for ln in lines))
    holdings = wallet_holdings(
        session, (r.customer_id for r in found.values() if r.status != "frozen")
    )
    references = iter(draw_references(session, len(lines)))
    now = clock.now()
    new_transfers: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for line in lines:
        recipient = found.get(line.msisdn)
        outcome = _pay_line(
            session, batch, payer, line, recipient, holdings, next(references), new_transfers
        )
        results.append(
            {
                "batch_id": batch.id,
                "line": line.line,
                "status": outcome.status,
                "code": outcome.code,
                "customer_id": outcome.customer_id,
                "transfer_id": outcome.transfer_id,
                "remittance_id": outcome.remittance_id,
                "processed_at": now,
            }
        )
        if outcome.status == "completed":
            batch.completed += 1
            batch.paid_amount += outcome.paid
        else:
            batch.rejected += 1
    if new_transfers:
        session.execute(insert(Transfer), new_transfers)
    session.execute(update(DisbursementLine), results)
    batch.updated_at = clock.now()
    jobs.enqueue(
        session, NOTIFY_JOB, batch_id=batch.id, first_line=lines[0].line, last_line=lines[-1].line
    )
    more = len(lines) == chunk
    if not more:
        _finish(batch)
    session.flush()
    return more


def _pay_line(
    session: Session,
    batch: DisbursementBatch,
    payer: ApiClient,
    line: DisbursementLine,
    recipient: Recipient | None,
    holdings: dict[str, int],
    reference: str,
    new_transfers: list[dict[str, Any]],
) -> Outcome:
    amount = line.amount or 0
    holding = holdings.get(recipient.customer_id, 0) if recipient else 0
    code = limit_code(session, recipient, amount, holding)
    if code is not None:
        return Outcome("rejected", code=code, customer_id=line.customer_id)
    try:
        if recipient is None:
            remittance = send_funded(
                session,
                funding_account=chart.payer(payer.id),
                organisation_id=payer.id,
                organisation_name=payer.name,
                reference=f"{batch.id}:{line.line}",
                recipient_name=line.name,
                recipient_msisdn=line.msisdn,
                amount=amount,
                entry_key=entry_key(batch.id, line.line),
                currency=settings(session).CURRENCY,
            )
            return Outcome("completed", remittance_id=remittance.id, paid=amount)
        transfer_id = _pay_wallet(session, batch, payer, line, recipient, reference, new_transfers)
    except DomainError as exc:  # refused by the ledger: nothing was written
        return Outcome("rejected", code=exc.code, customer_id=line.customer_id)
    holdings[recipient.customer_id] = holding + amount
    return Outcome(
        "completed", customer_id=recipient.customer_id, transfer_id=transfer_id, paid=amount
    )


def entry_key(batch_id: str, line: int) -> str:
    return f"disbursement:{batch_id}:{line}"


def _pay_wallet(
    session: Session,
    batch: DisbursementBatch,
    payer: ApiClient,
    line: DisbursementLine,
    recipient: Recipient,
    reference: str,
    new_transfers: list[dict[str, Any]],
) -> str:
    """Post payer → wallet and describe its transfer; an entry already posted for this
    line (a lost result) is found by its key and its transfer reused."""
    amount = line.amount or 0
    transfer_id = str(uuid.uuid4())
    client_key = f"{batch.id}:{line.line}"
    meta = {
        "transfer_id": transfer_id,
        "type": "disbursement",
        "fee": 0,
        "from": {"name": payer.name, "msisdn": None},
        "batch_id": batch.id,
        "line": line.line,
    }
    entry = ledger.post_entry(
        session,
        key=entry_key(batch.id, line.line),
        kind="disbursement",
        legs=[
            ledger.debit(chart.payer(payer.id), amount),
            ledger.credit(chart.wallet(recipient.customer_id), amount),
        ],
        reference=reference,
        meta=meta,
    )
    if entry.replayed:
        existing = session.scalar(
            select(Transfer.id).where(
                Transfer.initiator_id == payer.id, Transfer.client_key == client_key
            )
        )
        if existing is not None:
            return existing
        reference = entry.reference or reference
    now = clock.now()
    new_transfers.append(
        {
            "id": transfer_id,
            "reference": reference,
            "type": "disbursement",
            "status": "completed",
            "channel": "bulk",
            "amount": amount,
            "fee": 0,
            "commission": 0,
            "currency": settings(session).CURRENCY,
            "initiator_id": payer.id,
            "client_key": client_key,
            "to_customer_id": recipient.customer_id,
            "to_msisdn": line.msisdn,
            "note": (line.reference or "")[:140] or None,
            "entry_id": entry.id,
            "created_at": now,
            "completed_at": now,
            "meta": {
                "from": {"name": payer.name, "msisdn": None},
                "to": {"name": line.name, "msisdn": line.msisdn},
                "batch_id": batch.id,
                "line": line.line,
            },
        }
    )
    return transfer_id


def _finish(batch: DisbursementBatch) -> None:
    batch.status = "completed"
    batch.finished_at = clock.now()
    batch.updated_at = batch.finished_at
    log.info("batch %s completed: %d paid, %d rejected", batch.id, batch.completed, batch.rejected)
