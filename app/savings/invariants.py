"""The ledger invariant of postal savings: the accrued-interest liability holds exactly
the provisions still open, i.e. the sum of the livrets' ``accrued_interest``.

Registered with ``app.ledger.register`` (``wiring.py``); run by ``flask ledger
check``, ``GET /admin/ledger/check`` and after every test. The livrets
themselves (``savings:*``) and the accrued interest are liabilities, so the
core ``safeguarding`` check already counts them in the e-money outstanding the
trust bank must back; the interest expense counts as retained (negative)
income.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import ledger
from app.ledger import chart
from app.savings.models import SavingsAccount

NAME = "savings_accrued_interest_matches_provisions"


def accrued_interest_matches(session: Session) -> ledger.CheckResult:
    account = ledger.find_account(session, chart.SAVINGS_ACCRUED_INTEREST)
    accrued = account.posted_balance if account is not None else 0
    provisions = int(
        session.scalar(select(func.coalesce(func.sum(SavingsAccount.accrued_interest), 0))) or 0
    )
    if accrued == provisions:
        return ledger.CheckResult(NAME, True)
    return ledger.CheckResult(
        NAME, False, [{"interest_accrued": accrued, "open_provisions": provisions}]
    )
