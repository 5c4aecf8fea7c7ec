"""The likelemba ledger invariant: each pot holds exactly what its open cycle collected.

For every pot account (``likelemba:<group id>``) the posted balance, with no
pending amounts, equals the contributions ``collected`` in the group's ``open``
cycle (none once the cycle is paid: the payout empties the pot; refunds of
members who left take theirs back out). A difference means money entered or
left a pot without its contribution or cycle changing state. Pots are
liabilities, so safeguarding counts them with the wallets (checks.py).
Registered by ``register()`` from ``register_domain_hooks``; run by ``flask
ledger check``, ``GET /admin/ledger/check`` and after every test.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import ledger
from app.ledger import chart
from app.ledger.models import Account
from app.likelemba.models import LikelembaContribution, LikelembaCycle

NAME = "likelemba_pots_match_open_cycles"


def pots_match(session: Session) -> ledger.CheckResult:
    collected = dict(
        session.execute(
            select(LikelembaCycle.group_id, func.sum(LikelembaContribution.amount))
            .join(LikelembaCycle, LikelembaCycle.id == LikelembaContribution.cycle_id)
            .where(LikelembaCycle.status == "open", LikelembaContribution.status == "collected")
            .group_by(LikelembaCycle.group_id)
        ).all()
    )
    prefix = chart.LIKELEMBA_POT_PREFIX
    offending = []
    for code, posted, credits_pending, debits_pending in session.execute(
        select(
            Account.code,
            Account.credits_posted - Account.debits_posted,
            Account.credits_pending,
            Account.debits_pending,
        ).where(Account.code.like(f"{prefix}%"))
    ).all():
        expected = int(collected.get(code[len(prefix) :], 0) or 0)
        if int(posted) != expected or credits_pending or debits_pending:
            offending.append(
                {
                    "account": code,
                    "posted": int(posted),
                    "pending": [int(credits_pending), int(debits_pending)],
                    "collected_in_open_cycle": expected,
                }
            )
    return ledger.CheckResult(NAME, not offending, offending[:100])


def register() -> None:
    ledger.register(NAME, pots_match)
