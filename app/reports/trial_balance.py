"""The trial balance as an operator reads it: one line per system account, one per
kind of holder's account (every customer wallet summed as one line, with how many).

``app.ledger.trial_balance`` sums per account *type* and says whether debits
equal credits; an operator also needs to see *where* the money sits without
scrolling through a hundred thousand wallets. The lines come from the
accounts' cached posted totals (the same figures ``flask ledger trial-balance``
and the safeguarding report read), so the totals of the lines are the totals
of ``trial_balance`` and its "balanced" verdict is shown beside them. Pending
holds move nothing and are not part of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import ledger
from app.ledger.chart import SYSTEM_ACCOUNTS
from app.ledger.models import DEBIT_NORMAL_TYPES, Account
from app.reports.safeguarding import account_kind

SYSTEM_CODES = tuple(code for code, _type, _name in SYSTEM_ACCOUNTS)
MAX_GROUP_PAGE = 100


@dataclass(frozen=True, slots=True)
class Line:
    """One system account (``code`` set) or every account of one kind (``count`` > 1)."""

    kind: str
    code: str | None
    name: str | None
    type: str
    currency: str
    count: int
    debits: int
    credits: int

    @property
    def net(self) -> int:
        """Debits less credits: positive is a debit balance, negative a credit balance."""
        return self.debits - self.credits

    @property
    def debit_balance(self) -> int:
        return max(self.net, 0)

    @property
    def credit_balance(self) -> int:
        return max(-self.net, 0)


@dataclass
class CurrencyBalance:
    currency: str
    lines: list[Line] = field(default_factory=list)

    @property
    def debits(self) -> int:
        return sum(line.debits for line in self.lines)

    @property
    def credits(self) -> int:
        return sum(line.credits for line in self.lines)

    @property
    def debit_balances(self) -> int:
        return sum(line.debit_balance for line in self.lines)

    @property
    def credit_balances(self) -> int:
        return sum(line.credit_balance for line in self.lines)

    @property
    def difference(self) -> int:
        return self.debits - self.credits


@dataclass(frozen=True, slots=True)
class TrialBalance:
    currencies: list[CurrencyBalance]
    balanced: bool
    """The ledger's own verdict (``app.ledger.trial_balance``), not recomputed here."""


def trial_balance_lines(session: Session) -> TrialBalance:
    """Every account's posted totals as now, system accounts one by one, others per kind."""
    _types, balanced = ledger.trial_balance(session)  # applies deferred totals first
    kind = account_kind(session).label("kind")
    system = session.execute(
        select(
            kind,
            Account.code,
            Account.name,
            Account.type,
            Account.currency,
            Account.debits_posted,
            Account.credits_posted,
        ).where(Account.code.in_(SYSTEM_CODES))
    ).all()
    grouped = session.execute(
        select(
            kind,
            Account.type,
            Account.currency,
            func.count(),
            func.coalesce(func.sum(Account.debits_posted), 0),
            func.coalesce(func.sum(Account.credits_posted), 0),
        )
        .where(Account.code.not_in(SYSTEM_CODES))
        .group_by(kind, Account.type, Account.currency)
    ).all()
    lines = [
        Line(k or "", code, name, t, c, 1, int(d), int(cr)) for k, code, name, t, c, d, cr in system
    ]
    lines += [
        Line(k or "", None, None, t, c, int(n), int(d), int(cr)) for k, t, c, n, d, cr in grouped
    ]
    order = {code: i for i, code in enumerate(SYSTEM_CODES)}
    by_currency: dict[str, CurrencyBalance] = {}
    for line in sorted(
        lines,
        key=lambda x: (x.currency, x.code is None, order.get(x.code or "", 0), x.kind, x.type),
    ):
        by_currency.setdefault(line.currency, CurrencyBalance(line.currency)).lines.append(line)
    return TrialBalance([by_currency[c] for c in sorted(by_currency)], balanced)


@dataclass(frozen=True, slots=True)
class GroupPage:
    items: list[Account]
    next_after_id: int | None


def accounts_of_kind(
    session: Session, kind: str, *, limit: int = 50, after_id: int | None = None
) -> GroupPage:
    """The accounts one grouped line sums (``wallet``, ``float``, …), by id, a page at a time."""
    limit = max(1, min(limit, MAX_GROUP_PAGE))
    query = (
        select(Account)
        .where(account_kind(session) == kind, Account.code.not_in(SYSTEM_CODES))
        .order_by(Account.id)
        .limit(limit + 1)
    )
    if after_id is not None:
        query = query.where(Account.id > after_id)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return GroupPage(rows, rows[-1].id if more and rows else None)


def normal_balance(type_: str, debits: int, credits: int) -> int:
    """The balance on the account type's normal side (assets and expenses are debits)."""
    return debits - credits if type_ in DEBIT_NORMAL_TYPES else credits - debits
