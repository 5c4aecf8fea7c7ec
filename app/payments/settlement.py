"""Settlement: once a business day is over, pay each biller what it collected.

``flask billers settle --date D`` (and the hourly sweep, which settles
yesterday) moves, per biller, one entry ``biller:<code>`` → ``trust:bank``
(DESIGN.md "settlement to biller bank": the bank transfer to the biller leaves
the safeguarding account) and records a ``BillerSettlement`` with the day's
report: payments and total collected that day, amount settled, balances.

What is due for day D is what the account held at the end of D (posted
entries only: holds awaiting an OTP are not collected yet) less settlements
posted since, so days settled late or out of order never pay twice, and a
payment reversed since is not paid out (the amount is capped by what the
account holds now). A settlement is made once per biller and day: running
the command again returns the same reports; the biller's row lock serialises
two runs.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import ledger
from app.clock import clock, local_day_bounds, local_today
from app.errors import ValidationFailed
from app.ledger import chart
from app.payments.locks import lock_biller
from app.payments.models import Biller, BillerSettlement, BillPayment
from app.transfers.models import Transfer

log = logging.getLogger(__name__)


def settle_billers(session: Session, business_date: date) -> list[BillerSettlement]:
    """Settle every biller for ``business_date`` (a day that is over); the reports."""
    if not isinstance(business_date, date) or business_date >= local_today():
        raise ValidationFailed({"date": ["A business day that is over (yesterday or before)."]})
    codes = list(session.scalars(select(Biller.code).order_by(Biller.code)))
    return [settle_biller(session, code, business_date) for code in codes]


def settle_biller(session: Session, code: str, business_date: date) -> BillerSettlement:
    biller = lock_biller(session, code)
    assert biller is not None
    existing = _existing(session, code, business_date)
    if existing is not None:
        return existing
    start, end = local_day_bounds(business_date)
    account = chart.biller(code)
    settled_since = int(
        session.scalar(
            select(func.coalesce(func.sum(BillerSettlement.amount), 0)).where(
                BillerSettlement.biller_code == code, BillerSettlement.created_at >= end
            )
        )
        or 0
    )
    due = ledger.posted_balance_at(session, account, end) - settled_since
    before = ledger.balance(session, account)
    amount = max(0, min(due, before.available))
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(Transfer.amount), 0))
        .select_from(BillPayment)
        .join(Transfer, Transfer.id == BillPayment.transfer_id)
        .where(
            BillPayment.biller_code == code,
            Transfer.status == "completed",  # a reversed payment was not collected
            BillPayment.paid_at >= start,
            BillPayment.paid_at < end,
        )
    ).one()
    entry_id = None
    if amount:
        entry = ledger.post_entry(
            session,
            key=f"settlement:biller:{code}:{business_date.isoformat()}",
            kind="settlement",
            legs=[ledger.debit(account, amount), ledger.credit(chart.TRUST_BANK, amount)],
            reference=f"STL-{code}-{business_date:%Y%m%d}"[:64],
            meta={"type": "settlement", "biller": code, "business_date": business_date.isoformat()},
        )
        entry_id = entry.id
    report: dict[str, Any] = {
        "biller": code,
        "name": biller.name,
        "business_date": business_date.isoformat(),
        "payments_count": int(count),
        "payments_total": int(total),
        "due": max(due, 0),
        "settled": amount,
        "balance_before": before.posted,
        "balance_after": before.posted - amount,
        "entry_id": entry_id,
        "currency": before.currency,
    }
    settlement = BillerSettlement(
        biller_code=code,
        business_date=business_date,
        amount=amount,
        payments_count=int(count),
        payments_total=int(total),
        entry_id=entry_id,
        report=report,
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(settlement)
            session.flush()
    except IntegrityError:  # settled meanwhile by another run holding no lock (SQLite files)
        winner = _existing(session, code, business_date)
        if winner is None:
            raise
        return winner
    log.info("biller %s settled %d for %s", code, amount, business_date.isoformat())
    return settlement


def _existing(session: Session, code: str, business_date: date) -> BillerSettlement | None:
    return session.scalar(
        select(BillerSettlement).where(
            BillerSettlement.biller_code == code, BillerSettlement.business_date == business_date
        )
    )


def settlements_of(session: Session, business_date: date) -> list[BillerSettlement]:
    """The settlements (and their reports) of one business day, by biller."""
    return list(
        session.scalars(
            select(BillerSettlement)
            .where(BillerSettlement.business_date == business_date)
            .order_by(BillerSettlement.biller_code)
        )
    )
