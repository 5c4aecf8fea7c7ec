"""SMS receipts for completed payments: one per party per movement.

Each receipt carries the reference, amount, fee, counterparty (name and masked
number) and the new balance, in the party's language. A dedupe key per
(transfer, party) makes a retried job or a replayed request send it once.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import ledger
from app.customers.models import Customer
from app.customers.msisdn import mask_msisdn
from app.customers.service import get_customer, get_customers
from app.ledger import chart
from app.money import format_amount
from app.notify.gsm import gsm_cut
from app.transfers.lifecycle import on_completed
from app.transfers.models import Transfer


def _party(meta: dict | None, side: str) -> tuple[str, str]:
    info = (meta or {}).get(side) or {}
    msisdn = info.get("msisdn")
    # Names are cut so that the longest receipt still fits one SMS.
    return gsm_cut(info.get("name") or "PostCash", 24), mask_msisdn(msisdn) if msisdn else ""


def send_receipts(
    session: Session,
    transfer: Transfer,
    receipts: list[tuple[Customer, str, str]],
    event: str = "completed",
) -> None:
    """Record the receipts of one movement, ``(customer, template, party)`` each, in a
    fixed number of statements whatever their number (issue 21: the balances in one
    query, the used dedupe keys in one, the messages and their jobs in one each)."""
    from app.notify.service import OutgoingDraft, send_many

    balances = ledger.balances(session, [chart.wallet(c.id) for c, _t, _p in receipts])
    drafts = []
    for customer, template, party in receipts:
        name, masked = _party(transfer.meta, "to" if party == "sender" else "from")
        drafts.append(
            OutgoingDraft(
                to=customer.msisdn,
                template=template,
                language=customer.language,
                params={
                    "amount": format_amount(transfer.amount),
                    "fee": format_amount(transfer.fee),
                    "reference": transfer.reference,
                    "name": name,
                    "msisdn": masked,
                    "balance": format_amount(balances[chart.wallet(customer.id)].available),
                },
                purpose="receipt",
                dedupe_key=f"receipt:{transfer.id}:{event}:{party}",
            )
        )
    # Each is a single receipt of its own movement, not part of a bulk payout.
    send_many(session, drafts, bulk=False)


def send_receipt(
    session: Session,
    transfer: Transfer,
    customer: Customer,
    template: str,
    party: str,
    event: str = "completed",
) -> None:
    send_receipts(session, transfer, [(customer, template, party)], event)


def p2p_receipts(session: Session, transfer: Transfer) -> None:
    sender, recipient = get_customers(
        session, transfer.from_customer_id or "", transfer.to_customer_id or ""
    )
    send_receipts(
        session,
        transfer,
        [
            (sender, "sms.receipt.p2p_sent", "sender"),
            (recipient, "sms.receipt.p2p_received", "recipient"),
        ],
    )


def cashin_receipt(session: Session, transfer: Transfer) -> None:
    customer = get_customer(session, transfer.to_customer_id or "")
    send_receipt(session, transfer, customer, "sms.receipt.cashin", "recipient")


def withdrawal_receipt(session: Session, transfer: Transfer) -> None:
    customer = get_customer(session, transfer.from_customer_id or "")
    send_receipt(session, transfer, customer, "sms.receipt.cashout", "sender")


def reversal_receipts(session: Session, transfer: Transfer) -> None:
    """Tell each customer party that the operation was reversed, with their new balance."""
    parties = [
        (party, customer_id)
        for party, customer_id in (
            ("sender", transfer.from_customer_id),
            ("recipient", transfer.to_customer_id),
        )
        if customer_id
    ]
    customers = get_customers(session, *(customer_id for _party, customer_id in parties))
    send_receipts(
        session,
        transfer,
        [
            (customer, "sms.receipt.reversal", party)
            for (party, _id), customer in zip(parties, customers, strict=True)
        ],
        "reversed",
    )


def register() -> None:
    on_completed("p2p", p2p_receipts)
    on_completed("cashin", cashin_receipt)
    on_completed("withdrawal", withdrawal_receipt)
