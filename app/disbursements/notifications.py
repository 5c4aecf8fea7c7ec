"""Receipts of disbursements paid into wallets, texted after each chunk's commit.

One SMS per paid line (amount, payer, the line's label, the transfer's
reference, the new balance), in the customer's language, with a dedupe key
per batch and line: a rerun of the job texts nobody twice. Cash-pickup lines
are texted their code by the remittance itself when it is created.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.auth.api_keys import ApiClient
from app.customers.models import Customer
from app.disbursements.models import DisbursementBatch, DisbursementLine
from app.ledger import chart
from app.money import format_amount
from app.notify.gsm import gsm_cut
from app.notify.service import OutgoingDraft, send_many
from app.transfers.models import Transfer

NAME_CUT = 27
LABEL_CUT = 20


def notify_lines(session: Session, batch_id: str, first_line: int, last_line: int) -> int:
    """Text the receipt of every wallet line paid between ``first_line`` and ``last_line``."""
    batch = session.get(DisbursementBatch, batch_id)
    payer = session.get(ApiClient, batch.payer_id) if batch else None
    if batch is None or payer is None:
        return 0
    rows = session.execute(
        select(
            DisbursementLine.line,
            DisbursementLine.amount,
            DisbursementLine.reference.label("label"),
            Transfer.reference,
            Customer.id.label("customer_id"),
            Customer.msisdn,
            Customer.language,
        )
        .join(Transfer, Transfer.id == DisbursementLine.transfer_id)
        .join(Customer, Customer.id == Transfer.to_customer_id)
        .where(
            DisbursementLine.batch_id == batch_id,
            DisbursementLine.status == "completed",
            DisbursementLine.line >= first_line,
            DisbursementLine.line <= last_line,
        )
        .order_by(DisbursementLine.line)
    ).all()
    balances = ledger.balances(session, [chart.wallet(row.customer_id) for row in rows])
    send_many(
        session,
        [
            OutgoingDraft(
                to=row.msisdn,
                template="sms.receipt.disbursement",
                language=row.language,
                params={
                    "amount": format_amount(row.amount or 0),
                    "payer": gsm_cut(payer.name, NAME_CUT),
                    "label": gsm_cut(row.label or batch.reference, LABEL_CUT),
                    "reference": row.reference,
                    "balance": format_amount(balances[chart.wallet(row.customer_id)].available),
                },
                purpose="receipt",
                dedupe_key=f"disbursement:{batch_id}:{row.line}",
            )
            for row in rows
        ],
    )
    return len(rows)
