"""Safeguarding: e-money outstanding against the trust bank that backs it.

Every franc a customer, an agent or a partner holds (a liability of PostCash)
must sit in ``trust:bank``, except what PostCash earned and has not swept out
yet (fees, net of the commissions it paid): DESIGN.md invariant 6,

    trust:bank - retained fees = e-money outstanding.

Balances are posted balances (holds reserve funds but move nothing). They are
read either live from the accounts' cached totals, or as at an instant from
the postings of the entries posted before it (the close of a business day),
so yesterday's position can be reported after today's payments moved on.
Accounts are grouped by the prefix of their code (``wallet``, ``float``,
``remit``, ``fees``, …): what an operator calls the type of an account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.ledger.chart import TRUST_BANK
from app.ledger.models import Account, Entry, Posting

RETAINED_TYPES = ("income", "expense", "equity")
TRUST_KIND = TRUST_BANK.split(":", 1)[0]


@dataclass
class Position:
    """The safeguarding position of one currency."""

    currency: str
    e_money_outstanding: int
    trust_bank: int
    retained_fees: int
    by_account_type: dict[str, int] = field(default_factory=dict)

    @property
    def difference(self) -> int:
        """Positive: the bank holds more than it must; negative: e-money is not backed."""
        return self.trust_bank - self.retained_fees - self.e_money_outstanding

    @property
    def ok(self) -> bool:
        return self.difference == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "e_money_outstanding": self.e_money_outstanding,
            "trust_bank": self.trust_bank,
            "retained_fees": self.retained_fees,
            "difference": self.difference,
            "ok": self.ok,
            "by_account_type": dict(sorted(self.by_account_type.items())),
        }


@dataclass(frozen=True, slots=True)
class TypeTotals:
    """Posted debits and credits of every account of one ledger type and currency."""

    type: str
    currency: str
    debits: int
    credits: int


def _prefix(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.split_part(Account.code, ":", 1)
    return func.substr(Account.code, 1, func.instr(Account.code, ":") - 1)


def account_kind(session: Session) -> Any:
    """The SQL expression of an account's kind: its code before the first ``:``."""
    return _prefix(session)


def _balances(session: Session, at: datetime | None) -> list[Any]:
    """(kind, type, currency, debits, credits) summed per account kind, live or as at ``at``."""
    if at is None:
        per_account = select(
            _prefix(session).label("kind"),
            Account.type.label("type"),
            Account.currency.label("currency"),
            Account.debits_posted.label("debits"),
            Account.credits_posted.label("credits"),
        ).subquery()
    else:
        side = {
            side: func.coalesce(func.sum(case((Posting.side == side, Posting.amount), else_=0)), 0)
            for side in ("debit", "credit")
        }
        per_account = (
            select(
                _prefix(session).label("kind"),
                Account.type.label("type"),
                Account.currency.label("currency"),
                side["debit"].label("debits"),
                side["credit"].label("credits"),
            )
            .select_from(Posting)
            .join(Entry, Entry.id == Posting.entry_id)
            .join(Account, Account.id == Posting.account_id)
            .where(Entry.status == "posted", Entry.posted_at < at)
            .group_by(Account.id, Account.code, Account.type, Account.currency)
            .subquery()
        )
    return list(
        session.execute(
            select(
                per_account.c.kind,
                per_account.c.type,
                per_account.c.currency,
                func.sum(per_account.c.debits),
                func.sum(per_account.c.credits),
            )
            .group_by(per_account.c.kind, per_account.c.type, per_account.c.currency)
            .order_by(per_account.c.currency, per_account.c.type, per_account.c.kind)
        ).all()
    )


def ledger_totals(
    session: Session, at: datetime | None = None
) -> tuple[list[Position], list[TypeTotals]]:
    """Safeguarding positions per currency and the trial balance rows, live or as at ``at``."""
    positions: dict[str, Position] = {}
    types: dict[tuple[str, str], list[int]] = {}
    for kind, type_, currency, debits, credits in _balances(session, at):
        debits, credits = int(debits or 0), int(credits or 0)
        position = positions.setdefault(currency, Position(currency, 0, 0, 0))
        credit_balance = credits - debits
        if type_ == "liability":
            position.e_money_outstanding += credit_balance
        elif type_ in RETAINED_TYPES:
            position.retained_fees += credit_balance
        if type_ == "asset" and kind == TRUST_KIND:
            position.trust_bank += debits - credits
        normal_side = -credit_balance if type_ in ("asset", "expense") else credit_balance
        label = kind or "other"
        position.by_account_type[label] = position.by_account_type.get(label, 0) + normal_side
        row = types.setdefault((type_, currency), [0, 0])
        row[0] += debits
        row[1] += credits
    trial = [TypeTotals(t, c, d, cr) for (t, c), (d, cr) in sorted(types.items())]
    return list(positions.values()), trial


def safeguarding_positions(session: Session, at: datetime | None = None) -> list[Position]:
    """One position per currency with accounts, live (cached totals) or as at ``at``."""
    return ledger_totals(session, at)[0]
