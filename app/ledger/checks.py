"""The ledger invariants of DESIGN.md, checked against a live database.

Each check returns the offending rows, not just a boolean, so an operator can
see what broke. Domain packages register further checks (for example
"remit:payable equals the remittances awaiting payout") with ``register``; the
ledger itself knows nothing about them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from app.ledger.chart import TRUST_BANK
from app.ledger.deferred import apply_deferred
from app.ledger.models import Account, Entry, Posting


@dataclass
class CheckResult:
    name: str
    ok: bool
    offending: list[dict[str, Any]] = field(default_factory=list)


Check = Callable[[Session], CheckResult]
_extra_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    _extra_checks[name] = check


def _signed_amount() -> Any:
    return case((Posting.side == "debit", Posting.amount), else_=-Posting.amount)


def entries_balanced(session: Session) -> CheckResult:
    rows = session.execute(
        select(Posting.entry_id, Posting.currency, func.sum(_signed_amount()).label("diff"))
        .group_by(Posting.entry_id, Posting.currency)
        .having(func.sum(_signed_amount()) != 0)
        .limit(100)
    ).all()
    offending = [
        {"entry_id": r.entry_id, "currency": r.currency, "difference": int(r.diff)} for r in rows
    ]
    return CheckResult("entries_balanced", not offending, offending)


def trial_balance_zero(session: Session) -> CheckResult:
    rows = session.execute(
        select(
            Account.currency,
            func.sum(Account.debits_posted - Account.credits_posted),
            func.sum(Account.debits_pending - Account.credits_pending),
        ).group_by(Account.currency)
    ).all()
    offending = [
        {"currency": cur, "posted_difference": int(p or 0), "pending_difference": int(q or 0)}
        for cur, p, q in rows
        if (p or 0) != 0 or (q or 0) != 0
    ]
    return CheckResult("trial_balance_zero", not offending, offending)


def cached_totals_match(session: Session) -> CheckResult:
    def total(side: str, statuses: tuple[str, ...]) -> Any:
        return func.coalesce(
            func.sum(
                case(((Posting.side == side) & Entry.status.in_(statuses), Posting.amount), else_=0)
            ),
            0,
        )

    sums = (
        select(
            Posting.account_id.label("account_id"),
            total("debit", ("posted",)).label("dp"),
            total("credit", ("posted",)).label("cp"),
            total("debit", ("pending",)).label("dq"),
            total("credit", ("pending",)).label("cq"),
        )
        .join(Entry, Entry.id == Posting.entry_id)
        .group_by(Posting.account_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Account.code,
            Account.debits_posted,
            Account.credits_posted,
            Account.debits_pending,
            Account.credits_pending,
            func.coalesce(sums.c.dp, 0),
            func.coalesce(sums.c.cp, 0),
            func.coalesce(sums.c.dq, 0),
            func.coalesce(sums.c.cq, 0),
        ).outerjoin(sums, sums.c.account_id == Account.id)
    ).all()
    offending = []
    for code, dp, cp, dq, cq, sdp, scp, sdq, scq in rows:
        cached, summed = (dp, cp, dq, cq), (int(sdp), int(scp), int(sdq), int(scq))
        if cached != summed:
            offending.append({"account": code, "cached": list(cached), "postings": list(summed)})
    return CheckResult("cached_totals_match", not offending, offending[:100])


def no_overdraft(session: Session) -> CheckResult:
    credit_normal = Account.normal == "credit"
    posted = case(
        (credit_normal, Account.credits_posted - Account.debits_posted),
        else_=Account.debits_posted - Account.credits_posted,
    )
    available = posted - case(
        (credit_normal, Account.debits_pending), else_=Account.credits_pending
    )
    rows = session.execute(
        select(Account.code, posted.label("posted"), available.label("available"))
        .where(Account.allow_overdraft.is_(False), or_(posted < 0, available < 0))
        .order_by(Account.id)
        .limit(100)
    ).all()
    offending = [
        {"account": r.code, "posted": int(r.posted), "available": int(r.available)} for r in rows
    ]
    return CheckResult("no_overdraft", not offending, offending)


def idempotency_unique(session: Session) -> CheckResult:
    dup_keys = session.execute(
        select(Entry.idempotency_key, func.count())
        .group_by(Entry.idempotency_key)
        .having(func.count() > 1)
        .limit(100)
    ).all()
    dup_reversals = session.execute(
        select(Entry.reverses_id, func.count())
        .where(Entry.reverses_id.is_not(None))
        .group_by(Entry.reverses_id)
        .having(func.count() > 1)
        .limit(100)
    ).all()
    offending = [{"idempotency_key": k, "count": n} for k, n in dup_keys]
    offending += [{"reversed_entry": e, "count": n} for e, n in dup_reversals]
    return CheckResult("idempotency_unique", not offending, offending)


def safeguarding(session: Session) -> CheckResult:
    """E-money outstanding equals the trust bank less retained (net) fees and equity."""
    rows = session.execute(
        select(
            Account.currency, Account.type, func.sum(Account.credits_posted - Account.debits_posted)
        ).group_by(Account.currency, Account.type)
    ).all()
    by_currency: dict[str, dict[str, int]] = {}
    for currency, type_, credit_balance in rows:
        by_currency.setdefault(currency, {})[type_] = int(credit_balance or 0)
    trust = session.execute(
        select(Account.currency, Account.debits_posted - Account.credits_posted).where(
            Account.code == TRUST_BANK
        )
    ).all()
    trust_by_currency = {c: int(v) for c, v in trust}
    offending = []
    for currency, t in by_currency.items():
        e_money = t.get("liability", 0)
        retained = t.get("income", 0) + t.get("expense", 0) + t.get("equity", 0)
        trust_balance = trust_by_currency.get(currency, 0)
        if e_money != trust_balance - retained:
            offending.append(
                {
                    "currency": currency,
                    "e_money_outstanding": e_money,
                    "trust_bank": trust_balance,
                    "retained_fees": retained,
                }
            )
    return CheckResult("safeguarding", not offending, offending)


CORE_CHECKS: list[Check] = [
    entries_balanced,
    trial_balance_zero,
    cached_totals_match,
    no_overdraft,
    idempotency_unique,
    safeguarding,
]


def run_checks(session: Session) -> list[CheckResult]:
    apply_deferred(session)
    results = [check(session) for check in CORE_CHECKS]
    results += [check(session) for check in _extra_checks.values()]
    return results
