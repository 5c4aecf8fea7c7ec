"""Bills paid at a post-office counter for a walk-in customer (the cyber-Postes service).

The customer has no wallet, or does not use it: they hand the agent the bill's
amount and the fee in cash, and the counter pays the biller from its float. One
``Transfer`` of type ``bill`` (channel ``agent``, no payer customer, the
counter as initiator and agent) and its ``BillPayment`` row, as for a wallet
payment, so the biller's notification, its polling and the counter's day report
read it like any other bill. The money moves in one posted entry:

    float:agent  → biller:<code>   amount
    float:agent  → fees:bill       fee
    commission:agents → float:agent  commission (``COMMISSIONS["bill_counter"]``, none by default)

The float pays out ``amount + fee`` of e-money and the agent keeps the same sum
in cash: the till balances. A payment whose ``client_key`` the counter has used
already returns the first payment (unique ``(initiator_id, client_key)``), so a
resubmitted form never pays twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import fees, ledger
from app.agents.cash import commission_legs, counter_label
from app.agents.models import StaffUser
from app.agents.till import ensure_open
from app.clock import clock
from app.customers.msisdn import normalize_msisdn
from app.customers.service import clean_person_name
from app.db import settings
from app.errors import InsufficientFunds
from app.ledger import chart
from app.payments import billers
from app.payments.models import Biller, BillPayment
from app.transfers.lifecycle import PENDING, mark_completed
from app.transfers.models import Transfer
from app.transfers.references import new_reference

FEE_TYPE = "bill"
COMMISSION = "bill_counter"


@dataclass(frozen=True, slots=True)
class WalkInBillQuote:
    """What the counter shows before paying: the biller, the bill in its own shape,
    the amount, the fee and what the customer hands over."""

    biller: Biller
    bill_reference: str
    payer_name: str
    payer_msisdn: str | None
    amount: int
    fee: int

    @property
    def total(self) -> int:
        return self.amount + self.fee


def quote_walk_in_bill(
    session: Session,
    agent: StaffUser,
    *,
    biller_code: str,
    bill_reference: str,
    amount: int,
    payer_name: str,
    payer_msisdn: str | None = None,
) -> WalkInBillQuote:
    """Check the bill (biller, reference, amount) and the counter's float; the quote.

    Nothing is written: the confirmation screen shows this, and ``pay_bill_in_cash``
    checks it all again under the float's lock.
    """
    biller = billers.get_biller(session, biller_code)
    reference = billers.clean_reference(biller, bill_reference)
    billers.check_amount(biller, amount)
    name = clean_person_name(payer_name, "payer_name")
    number = None
    if payer_msisdn:
        number = normalize_msisdn(
            payer_msisdn, settings(session).ALLOWED_REGIONS, field="payer_msisdn"
        )
    quote = fees.quote(settings(session), FEE_TYPE, amount)
    available = ledger.balance(session, chart.float_account(agent.id)).available
    if available < quote.total:
        raise InsufficientFunds("The counter's float does not cover this bill.")
    return WalkInBillQuote(biller, reference, name, number, amount, quote.fee)


def pay_bill_in_cash(
    session: Session,
    agent: StaffUser,
    *,
    biller_code: str,
    bill_reference: str,
    amount: int,
    payer_name: str,
    payer_msisdn: str | None = None,
    client_key: str | None = None,
) -> Transfer:
    """Pay the bill from the counter's float against the customer's cash; completed at once."""
    ensure_open(session, agent)
    if client_key is not None:
        earlier = session.scalar(
            select(Transfer).where(
                Transfer.initiator_id == agent.id, Transfer.client_key == client_key
            )
        )
        if earlier is not None:
            return earlier
    quote = quote_walk_in_bill(
        session,
        agent,
        biller_code=biller_code,
        bill_reference=bill_reference,
        amount=amount,
        payer_name=payer_name,
        payer_msisdn=payer_msisdn,
    )
    config = settings(session)
    commission = fees.commission(config, COMMISSION, amount, quote.fee)
    now = clock.now()
    meta = {
        "from": {"name": quote.payer_name, "msisdn": quote.payer_msisdn},
        "to": {"name": quote.biller.name, "msisdn": None},
        "biller": quote.biller.code,
        "bill_reference": quote.bill_reference,
        "counter": counter_label(agent),
        "walk_in": True,
    }
    transfer = Transfer(
        id=str(uuid.uuid4()),
        reference=new_reference(session),
        type="bill",
        status=PENDING,
        channel="agent",
        amount=amount,
        fee=quote.fee,
        commission=commission,
        currency=config.CURRENCY,
        initiator_id=agent.id,
        client_key=client_key,
        from_msisdn=quote.payer_msisdn,
        agent_id=agent.id,
        created_at=now,
        meta=meta,
    )
    session.add(transfer)
    session.flush()
    session.add(
        BillPayment(
            transfer_id=transfer.id,
            biller_code=quote.biller.code,
            bill_reference=quote.bill_reference,
            created_at=now,
        )
    )
    legs = [
        ledger.debit(chart.float_account(agent.id), quote.total),
        ledger.credit(chart.biller(quote.biller.code), amount),
        *commission_legs(agent.id, commission),
    ]
    if quote.fee:
        legs.append(ledger.credit(chart.fees("bill"), quote.fee))
    # The ledger refuses to take the float below zero (InsufficientFunds) under its lock.
    entry = ledger.post_entry(
        session,
        key=f"bill:{transfer.id}:counter",
        kind="bill",
        legs=legs,
        reference=transfer.reference,
        meta={"transfer_id": transfer.id, "type": "bill", "fee": quote.fee, **meta},
    )
    transfer.entry_id = entry.id
    return mark_completed(session, transfer)
