"""The daily provision of interest and the yearly capitalisation, set-based.

**Daily accrual** (``accrue_day``) of one local day ``d``, for every livret whose
``accrued_through`` is ``d - 1``, in a fixed handful of statements whatever
the number of accounts (100 000 livrets: bench/savings_accrual.py):

1. the day's row in ``savings_accrual_days`` is inserted first: a second run of
   the same day (a retried job, a second worker) finds it and does nothing;
2. the accounts that moved on ``d`` (a few) take that day's movements into
   ``closing`` and stage them in ``day_deposits``/``day_withdrawals``;
3. per product (its rate for that fortnight), **one** UPDATE of every account:
   the earning balance (on a fortnight's first day ``closing - day_deposits``,
   the balance of the day before less the day's withdrawals: the deposits of
   the last fortnight now earn; else ``earning - day_withdrawals``: a
   withdrawal stops earning from its own fortnight, a deposit waits for the
   next), the provision ``floor(floor(earning * rate / 240 000) * k / n)``
   less what its fortnight had provisioned (``quinzaine.provision_after``)
   added to ``accrued_interest``, ``accrued_through = d``; the day's sum is
   read just before with the same expressions;
5. **one** journal entry for the day's total: ``interest:expense`` →
   ``interest:accrued`` (the other way round when withdrawals made the day's
   total negative), keyed ``savings:accrual:<d>``.

Each day reads only the movements dated that day, so a catch-up run over
missed days books exactly what the daily runs would have, day by day (the
accrual runs for past days only: ``accrue_until`` stops at yesterday).

**Capitalisation** (``capitalise``) as of a past day: the accrual is caught up to
that day, then each livret with interest provisioned receives it (gross), the
tax withheld goes to ``tax:interest`` (two entries per livret, so its statement
shows an ``interest`` line and a ``tax`` line), ``accrued_interest`` goes back
to zero, and the net becomes a deposit of that day (it earns from the next
fortnight). On a day that is not the end of a fortnight only completed
fortnights are capitalised; the current one stays provisioned. One row per
``as_of``: a second call returns the first figures and pays nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import ledger
from app.clock import clock, local_today
from app.db import settings
from app.errors import InvalidState, ValidationFailed
from app.ledger import chart
from app.savings.models import AccrualDay, Capitalisation, SavingsAccount, SavingsMovement
from app.savings.products import all_products
from app.savings.quinzaine import DIVISOR, day_in_fortnight, fortnight_days, fortnight_index

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CapitalisationResult:
    as_of: date
    accounts: int
    gross: int
    tax: int
    net: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "accounts": self.accounts,
            "gross": self.gross,
            "tax": self.tax,
            "net": self.net,
        }


def _positive(expression: Any) -> Any:
    return case((expression > 0, expression), else_=0)


def next_day_to_accrue(session: Session) -> date | None:
    """The first day not yet provisioned: after the last day run, or after the
    earliest ``accrued_through`` of the livrets (None without livrets)."""
    last: date | None = session.scalar(select(func.max(AccrualDay.day)))
    if last is not None:
        return last + timedelta(days=1)
    earliest: date | None = session.scalar(select(func.min(SavingsAccount.accrued_through)))
    return None if earliest is None else earliest + timedelta(days=1)


def accrue_day(session: Session, day: date) -> AccrualDay | None:
    """Provision ``day``'s interest of every livret accrued up to the day before; None
    when the day was accrued already (nothing is written twice)."""
    if day >= local_today():
        raise InvalidState("Interest is provisioned for past days only.")
    done = session.get(AccrualDay, day)
    if done is not None:
        return None
    row = AccrualDay(day=day, accounts=0, total=0, entry_id=None, created_at=clock.now())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # another worker is on this day, or was
        return None
    previous = day - timedelta(days=1)
    a = SavingsAccount
    due = a.accrued_through == previous
    k, n = day_in_fortnight(day)

    moves = (
        select(
            SavingsMovement.account_id.label("account_id"),
            func.sum(_positive(SavingsMovement.amount)).label("deposits"),
            func.sum(_positive(-SavingsMovement.amount)).label("withdrawals"),
        )
        .where(SavingsMovement.day == day, SavingsMovement.kind.in_(("deposit", "withdrawal")))
        .group_by(SavingsMovement.account_id)
        .subquery()
    )
    session.execute(
        update(a)
        .where(and_(a.id == moves.c.account_id, due))
        .values(
            closing=a.closing + moves.c.deposits - moves.c.withdrawals,
            day_deposits=moves.c.deposits,
            day_withdrawals=moves.c.withdrawals,
        )
        .execution_options(synchronize_session=False)
    )
    # ``closing`` is now the day's; on a fortnight's first day the earning balance is
    # the day before's closing less the day's withdrawals, i.e. closing less deposits.
    if k == 1:
        earning = a.closing - a.day_deposits
        before: Any = literal(0)
    else:
        earning = a.earning - a.day_withdrawals
        before = a.accrued_in_fortnight

    accounts, total = 0, 0
    config = settings(session)
    for product in all_products(config):
        rate = product.rate_on(day)
        provisioned = (_positive(earning) * rate // DIVISOR) * k // n
        of_product = and_(due, a.product == product.code)
        count, delta = session.execute(
            select(func.count(), func.coalesce(func.sum(provisioned - before), 0)).where(of_product)
        ).one()
        session.execute(
            update(a)
            .where(of_product)
            .values(
                earning=earning,
                accrued_interest=a.accrued_interest + provisioned - before,
                accrued_in_fortnight=provisioned,
                accrued_through=day,
                day_deposits=0,
                day_withdrawals=0,
            )
            .execution_options(synchronize_session=False)
        )
        accounts += int(count)
        total += int(delta)
    row.accounts, row.total = accounts, total
    if total:
        expense, accrued = chart.SAVINGS_INTEREST_EXPENSE, chart.SAVINGS_ACCRUED_INTEREST
        legs = (
            [ledger.debit(expense, total), ledger.credit(accrued, total)]
            if total > 0
            else [ledger.debit(accrued, -total), ledger.credit(expense, -total)]
        )
        entry = ledger.post_entry(
            session,
            key=f"savings:accrual:{day.isoformat()}",
            kind="savings_accrual",
            legs=legs,
            meta={"day": day.isoformat(), "accounts": accounts},
        )
        row.entry_id = entry.id
    session.flush()
    session.expire_all()  # the rows updated in bulk: read them again
    return row


def accrue_next(session: Session, last_day: date) -> date | None:
    """Accrue the first day not yet accrued if it is no later than ``last_day`` (and
    past), and capitalise the year in the same unit of work when that day is
    31 December (the scheduled yearly job); the day accrued,
    or None when there is nothing to do. One day per unit of work: a catch-up after
    a crash resumes where the last committed day left off."""
    last_day = min(last_day, local_today() - timedelta(days=1))
    day = next_day_to_accrue(session)
    if day is None or day > last_day:
        return None
    accrue_day(session, day)
    if day.month == 12 and day.day == 31:  # the year is complete: credit its interest
        capitalise(session, day)
    return day


def accrue_until(session: Session, last_day: date) -> list[date]:
    """Accrue every day not yet accrued up to ``last_day`` (at most yesterday), in
    order, in this unit of work."""
    done: list[date] = []
    while (day := accrue_next(session, last_day)) is not None:
        done.append(day)
    return done


def capitalise(session: Session, as_of: date) -> CapitalisationResult:
    """Credit each livret its provisioned interest, less the tax withheld, as of
    ``as_of`` (a past day); a second call for the same day returns the first figures."""
    if as_of >= local_today():
        raise ValidationFailed({"as_of": ["Must be a past day (interest is known once it ends)."]})
    earlier = session.get(Capitalisation, as_of)
    if earlier is not None:
        return _result(earlier)
    following = session.get(AccrualDay, as_of + timedelta(days=1))
    if following is not None:
        raise InvalidState(
            "Interest is already provisioned past this day: capitalise a later day.",
            accrued_through=(
                (next_day_to_accrue(session) or as_of) - timedelta(days=1)
            ).isoformat(),
        )
    if (next_day_to_accrue(session) or as_of) <= as_of:
        accrue_until(session, as_of)
    record = Capitalisation(as_of=as_of, accounts=0, gross=0, tax=0, net=0, created_at=clock.now())
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        session.expire_all()
        return _result(session.get(Capitalisation, as_of))  # type: ignore[arg-type]
    fortnight_ends = day_in_fortnight(as_of)[0] == fortnight_days(
        as_of.year, fortnight_index(as_of)
    )
    a = SavingsAccount
    open_part = literal(0) if fortnight_ends else a.accrued_in_fortnight
    due = list(
        session.execute(
            select(a.id, a.product, (a.accrued_interest - open_part).label("gross"))
            .where(a.accrued_interest - open_part > 0, a.accrued_through == as_of)
            .order_by(a.id)
        )
    )
    config = settings(session)
    tax_bp = {p.code: p.tax_bp for p in all_products(config)}
    drafts: list[ledger.Draft] = []
    movements: list[dict[str, Any]] = []
    gross_total = tax_total = 0
    stamp = as_of.isoformat()
    for account_id, product, gross in due:
        gross = int(gross)
        tax = gross * tax_bp[product] // 10_000
        code = chart.savings(account_id)
        meta = {"savings_account_id": account_id, "as_of": stamp}
        drafts.append(
            ledger.Draft(
                key=f"savings:interest:{account_id}:{stamp}",
                kind="savings_interest",
                legs=[
                    ledger.debit(chart.SAVINGS_ACCRUED_INTEREST, gross),
                    ledger.credit(code, gross),
                ],
                meta={**meta, "type": "interest", "fee": 0},
            )
        )
        if tax:
            drafts.append(
                ledger.Draft(
                    key=f"savings:tax:{account_id}:{stamp}",
                    kind="savings_tax",
                    legs=[ledger.debit(code, tax), ledger.credit(chart.SAVINGS_TAX_PAYABLE, tax)],
                    meta={**meta, "type": "tax", "fee": 0},
                )
            )
        movements.append({"account_id": account_id, "kind": "interest", "amount": gross - tax})
        gross_total += gross
        tax_total += tax
    for result in ledger.post_entries(session, drafts):
        if isinstance(result, Exception):  # never: accrued covers gross, gross covers tax
            raise result
    if movements:
        now = clock.now()
        session.execute(
            insert(SavingsMovement),
            [{**m, "day": as_of, "transfer_id": None, "created_at": now} for m in movements],
        )
        unpaid = a.accrued_interest - open_part
        for code, rate_bp in tax_bp.items():
            session.execute(
                update(a)
                .where(unpaid > 0, a.accrued_through == as_of, a.product == code)
                .values(
                    # the net is a deposit of ``as_of``: in the balance from now on,
                    # earning from the next fortnight (``earning`` stays this one's)
                    closing=a.closing + unpaid - unpaid * rate_bp // 10_000,
                    accrued_interest=open_part,
                )
                .execution_options(synchronize_session=False)
            )
    record.accounts = len(due)
    record.gross, record.tax, record.net = gross_total, tax_total, gross_total - tax_total
    session.flush()
    session.expire_all()
    log.info("savings interest capitalised as of %s: %s accounts", stamp, record.accounts)
    return _result(record)


def _result(record: Capitalisation) -> CapitalisationResult:
    return CapitalisationResult(record.as_of, record.accounts, record.gross, record.tax, record.net)
