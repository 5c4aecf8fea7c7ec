"""Paying an approved batch, one chunk of lines per transaction, by several workers at once.

Each chunk claims the batch's next valid lines that no other transaction holds
(``claim_lines``: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), pays each, and
records the lines, the transfers and its share of the batch's counters (added
in SQL, not rewritten) in the same transaction as the money. Workers running
the batch's jobs side by side therefore take different lines and never wait
for each other's lines; a worker killed mid-chunk leaves that chunk entirely
unpaid and unlocked, and the next claim (another worker's, or the resume
sweep's job) takes it again. Each line's entry is keyed
``disbursement:<batch>:<line>`` (and its transfer by the same pair): even a
line whose result was somehow lost is found paid, never paid twice. The worker
that finds no valid line left, claimed or not, completes the batch.

Postings: a line whose number has a wallet under the line's name
(``validation.payee``) is ``payer:<id>`` → ``wallet:<id>`` (type
``disbursement``, no fee); any other line gets a cash-pickup
remittance ``payer:<id>`` → ``remit:payable`` (``app.remittances.funded``),
whose code is texted to the recipient. A line the payment refuses (the
prefunding ran out, the wallet reached its cap or was frozen since validation)
is ``rejected`` with the error's code; the batch carries on.

A chunk is written in bulk: its lines' entries go to the ledger in one call
(``ledger.post_entries``, decided in line order against the payer's balance,
so within a chunk a prefunding that runs out refuses the lines a one-by-one
payment would; across chunks paid side by side, the chunk that reaches the
payer's account last meets the shortfall: approval checks the prefunding covers the whole batch, so
this happens only when the payer spent it elsewhere meanwhile), then its
transfers, remittances, code SMS and line results in one statement each. The
payer's account row is locked from the ledger call to the commit, so that part
of the chunks of one payer runs in turn; the rest (claiming, recipients,
limits, references, the transfer rows) runs side by side. A chunk costs a
fixed number of round trips, not a dozen per line (docs/LEDGER.md, "Bulk
writes").

The recipients' SMS receipts are sent by a follow-up job per chunk, after the
chunk's commit, so texting never slows down or holds up the money.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session

from app import ledger
from app.auth.api_keys import ApiClient
from app.clock import clock
from app.db import jobs, settings
from app.db.bulk import any_of, insert_rows, key_chunks, prefer_indexes, update_rows
from app.disbursements import locks
from app.disbursements.errors import BatchNotFound
from app.disbursements.models import DisbursementBatch, DisbursementLine
from app.disbursements.validation import (
    Recipient,
    limit_code,
    payee,
    recipients,
    wallet_holdings,
)
from app.errors import DomainError
from app.ledger import chart
from app.remittances import funded
from app.transfers.models import Transfer
from app.transfers.references import draw_references

log = logging.getLogger(__name__)

CHUNK = 500
# Plain rows, not ORM objects: a chunk only reads its lines (their results are
# written by one UPDATE), and 500 tracked objects cost the client ~10 ms.
_LINE_COLUMNS = (
    DisbursementLine.line,
    DisbursementLine.msisdn,
    DisbursementLine.name,
    DisbursementLine.amount,
    DisbursementLine.reference,
    DisbursementLine.customer_id,
)
NOTIFY_JOB = "workers.disbursements.notify"


@dataclass(slots=True)
class _Payment:
    """One line on its way through a chunk: what is paid, and how it ended."""

    # the columns of a DisbursementLine this chunk reads (_LINE_COLUMNS)
    line: Row[*tuple[Any, ...]]
    recipient: Recipient | None
    transfer_id: str | None = None
    reference: str | None = None
    send: funded.FundedSend | None = None
    code: str | None = None
    # the transfer row of a wallet line, written before the ledger call (its entry's id
    # added after): Python work done before the payer's account is locked, not while
    transfer: dict[str, Any] | None = None

    @property
    def completed(self) -> bool:
        return self.code is None


def process_chunk(session: Session, batch_id: str, chunk: int | None = None) -> bool:
    """Pay the batch's next ``chunk`` (default ``CHUNK``) valid lines that no other worker
    holds; True while some may remain."""
    chunk = chunk or CHUNK
    prefer_indexes(session)
    batch = session.get(DisbursementBatch, batch_id, populate_existing=True)
    if batch is None:
        raise BatchNotFound()
    if batch.status != "processing":
        return False
    lines = claim_lines(session, batch.id, chunk)
    if not lines:
        _finish_if_done(session, batch)
        return False
    payer = session.get(ApiClient, batch.payer_id)
    assert payer is not None
    # Queued with the chunk (it runs after the commit, or never if the chunk rolls back),
    # before the payer's account is locked: one statement less while it is.
    jobs.enqueue(
        session, NOTIFY_JOB, batch_id=batch.id, first_line=lines[0].line, last_line=lines[-1].line
    )
    payments = _within_limits(session, lines)
    _pay(session, batch, payer, payments)

    now = clock.now()
    results: list[dict[str, Any]] = []
    completed = rejected = paid_amount = 0
    for payment in payments:
        results.append(
            {
                "batch_id": batch.id,
                "line": payment.line.line,
                "status": "completed" if payment.completed else "rejected",
                "code": payment.code,
                "customer_id": _customer_of(payment),
                "transfer_id": payment.transfer_id if payment.completed else None,
                "remittance_id": payment.send.remittance_id
                if payment.send and payment.completed
                else None,
                "processed_at": now,
            }
        )
        if payment.completed:
            completed += 1
            paid_amount += payment.line.amount or 0
        else:
            rejected += 1
    update_rows(session, DisbursementLine.__table__, ("batch_id", "line"), results)
    more = len(lines) == chunk
    # A short chunk took every line left unclaimed; the batch is done unless another
    # worker still holds some (that worker then finishes it after its own chunk).
    done = not more and not _valid_left(session, batch.id)
    _count(session, batch, completed, rejected, paid_amount, now, finish=done)
    return more


def claim_lines(session: Session, batch_id: str, chunk: int) -> list[Row[*tuple[Any, ...]]]:
    """The batch's first ``chunk`` valid lines that no other transaction holds, locked
    until this one ends.

    This is what shares a batch among workers: on PostgreSQL the lines are locked
    ``FOR UPDATE SKIP LOCKED``, so a second worker takes the next lines instead of
    waiting, and a line is re-read after the commit of whoever held it (a paid line is
    no longer ``valid``: it is never claimed twice). A worker killed mid-chunk rolls
    back: its lines are ``valid`` and unlocked again, and the next claim takes them.
    SQLite has one writer at a time: the claim is a plain read there.
    """
    return locks.claim_lines(session, batch_id, chunk, _LINE_COLUMNS)


def _valid_left(session: Session, batch_id: str) -> bool:
    """Whether a line of the batch is still to pay, claimed by another worker or not."""
    return (
        session.scalar(
            select(DisbursementLine.line)
            .where(DisbursementLine.batch_id == batch_id, DisbursementLine.status == "valid")
            .limit(1)
        )
        is not None
    )


def _finish_if_done(session: Session, batch: DisbursementBatch) -> None:
    """Nothing left to claim: complete the batch unless another worker still pays lines."""
    if not _valid_left(session, batch.id):
        _count(session, batch, 0, 0, 0, clock.now(), finish=True)


def _count(
    session: Session,
    batch: DisbursementBatch,
    completed: int,
    rejected: int,
    paid_amount: int,
    now: datetime,
    *,
    finish: bool,
) -> None:
    """Add a chunk's results to the batch's counters, in the chunk's transaction.

    Increments in SQL, not a read-modify-write of the row: workers paying chunks of one
    batch at once each add their own, and the row is locked only from this statement
    to the commit.
    """
    values: dict[str, Any] = {
        "completed": DisbursementBatch.completed + completed,
        "rejected": DisbursementBatch.rejected + rejected,
        "paid_amount": DisbursementBatch.paid_amount + paid_amount,
        "updated_at": now,
    }
    if finish:
        values |= {
            "status": "completed",
            "finished_at": func.coalesce(DisbursementBatch.finished_at, now),
        }
    row = session.execute(
        update(DisbursementBatch)
        .where(DisbursementBatch.id == batch.id)
        .values(values)
        .returning(DisbursementBatch.completed, DisbursementBatch.rejected)
        .execution_options(synchronize_session=False)
    ).first()
    session.expire(batch)
    if finish and row is not None:
        log.info("batch %s completed: %d paid, %d rejected", batch.id, row[0], row[1])


def _customer_of(payment: _Payment) -> str | None:
    """Whose wallet a paid line credited; for a rejected line, who validation found."""
    if not payment.completed:
        return payment.line.customer_id
    return payment.recipient.customer_id if payment.recipient is not None else None


def entry_key(batch_id: str, line: int) -> str:
    return f"disbursement:{batch_id}:{line}"


def _within_limits(session: Session, lines: Sequence[Row[*tuple[Any, ...]]]) -> list[_Payment]:
    """Each line with its recipient, refused (``code``) if the recipient may not take it now.

    Limits are checked again at payment: a wallet may have filled up or been
    frozen since the batch was validated.
    """
    found = recipients(session, (ln.msisdn for ln in lines))
    holdings = wallet_holdings(
        session, (r.customer_id for r in found.values() if r.status != "frozen")
    )
    payments = []
    for line in lines:
        recipient = payee(found, line.msisdn, line.name)
        amount = line.amount or 0
        holding = holdings.get(recipient.customer_id, 0) if recipient else 0
        payment = _Payment(line, recipient, code=limit_code(session, recipient, amount, holding))
        if payment.completed and recipient is not None:
            holdings[recipient.customer_id] = holding + amount
        payments.append(payment)
    return payments


def _pay(
    session: Session, batch: DisbursementBatch, payer: ApiClient, payments: list[_Payment]
) -> None:
    """Post every payable line's entry in one ledger call, then write what they paid for."""
    currency = settings(session).CURRENCY
    to_pay = [p for p in payments if p.completed]
    wallets = [p for p in to_pay if p.recipient is not None]
    cash = [p for p in to_pay if p.recipient is None]
    sends = funded.prepare(
        session,
        [
            funded.FundedOrder(
                funding_account=chart.payer(payer.id),
                organisation_id=payer.id,
                organisation_name=payer.name,
                reference=f"{batch.id}:{p.line.line}",
                recipient_name=p.line.name,
                recipient_msisdn=p.line.msisdn,
                amount=p.line.amount or 0,
                entry_key=entry_key(batch.id, p.line.line),
                currency=currency,
            )
            for p in cash
        ],
    )
    for payment, send in zip(cash, sends, strict=True):
        payment.send = send
    now = clock.now()
    for payment, reference in zip(wallets, draw_references(session, len(wallets)), strict=True):
        payment.transfer_id = str(uuid.uuid4())
        payment.reference = reference
        payment.transfer = _transfer_row(batch, payer, payment, currency, now)

    # In line order, so the payer's balance is spent as line-by-line payment would.
    posting = [p for p in to_pay if p.send is None or not p.send.already_sent]
    results = ledger.post_entries(
        session,
        [_wallet_draft(batch, payer, p) if p.send is None else p.send.draft() for p in posting],
    )
    for payment, result in zip(posting, results, strict=True):
        if isinstance(result, DomainError):  # refused by the ledger: nothing was written
            payment.code = result.code
    funded.complete(
        session,
        [p.send for p in to_pay if p.send is not None],
        [r for p, r in zip(posting, results, strict=True) if p.send is not None],
    )
    _record_transfers(
        session,
        batch,
        payer,
        [(p, r) for p, r in zip(posting, results, strict=True) if p.send is None and p.completed],
        currency,
    )


def _wallet_draft(batch: DisbursementBatch, payer: ApiClient, payment: _Payment) -> ledger.Draft:
    """payer → wallet, no fee; its meta is what the recipient's statement shows."""
    assert payment.recipient is not None
    amount = payment.line.amount or 0
    return ledger.Draft(
        key=entry_key(batch.id, payment.line.line),
        kind="disbursement",
        legs=(
            ledger.debit(chart.payer(payer.id), amount),
            ledger.credit(chart.wallet(payment.recipient.customer_id), amount),
        ),
        reference=payment.reference,
        meta={
            "transfer_id": payment.transfer_id,
            "type": "disbursement",
            "fee": 0,
            "from": {"name": payer.name, "msisdn": None},
            "batch_id": batch.id,
            "line": payment.line.line,
        },
    )


def _record_transfers(
    session: Session,
    batch: DisbursementBatch,
    payer: ApiClient,
    paid: list[tuple[_Payment, Any]],
    currency: str,
) -> None:
    """The transfer row of each wallet line; a line whose entry was already posted
    (a result lost before its commit) gets back the transfer written with it."""
    replayed = [f"{batch.id}:{p.line.line}" for p, entry in paid if entry.replayed]
    existing: dict[str | None, str] = {}
    for chunk in key_chunks(session, replayed):
        existing |= dict(
            session.execute(
                select(Transfer.client_key, Transfer.id).where(
                    Transfer.initiator_id == payer.id, any_of(session, Transfer.client_key, chunk)
                )
            ).all()
        )
    rows = []
    for payment, entry in paid:
        client_key = f"{batch.id}:{payment.line.line}"
        if entry.replayed and client_key in existing:
            payment.transfer_id = existing[client_key]
            continue
        assert payment.transfer is not None
        payment.transfer["entry_id"] = entry.id
        payment.transfer["reference"] = entry.reference or payment.reference
        rows.append(payment.transfer)
    insert_rows(session, Transfer.__table__, rows)


def _transfer_row(
    batch: DisbursementBatch, payer: ApiClient, payment: _Payment, currency: str, now: datetime
) -> dict[str, Any]:
    """The transfer row of a wallet line, but for its entry (``entry_id``, set once posted)."""
    assert payment.recipient is not None
    line = payment.line
    return {
        "id": payment.transfer_id,
        "reference": payment.reference,
        "type": "disbursement",
        "status": "completed",
        "channel": "bulk",
        "amount": line.amount or 0,
        "fee": 0,
        "commission": 0,
        "currency": currency,
        "initiator_id": payer.id,
        "client_key": f"{batch.id}:{line.line}",
        "to_customer_id": payment.recipient.customer_id,
        "to_msisdn": line.msisdn,
        "note": (line.reference or "")[:140] or None,
        "entry_id": None,
        "created_at": now,
        "completed_at": now,
        "meta": {
            "from": {"name": payer.name, "msisdn": None},
            "to": {"name": line.name, "msisdn": line.msisdn},
            "batch_id": batch.id,
            "line": line.line,
        },
    }
