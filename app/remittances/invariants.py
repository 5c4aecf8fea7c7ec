"""The remittances' ledger invariant: ``remit:payable`` holds exactly what awaits payout.

Posted balance of ``remit:payable`` (pending OTP holds excluded) must equal the
sum of the amounts of remittances ``awaiting_payout``. A difference means money
left the account without its remittance changing state, or the reverse.
Registered with ``app.ledger.register``; run by ``flask ledger check``,
``GET /admin/ledger/check`` and after every test.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import ledger
from app.ledger import chart
from app.remittances.models import AWAITING, Remittance

NAME = "remit_payable_matches_remittances"


def remit_payable_matches(session: Session) -> ledger.CheckResult:
    account = ledger.find_account(session, chart.REMIT_PAYABLE)
    payable = account.posted_balance if account is not None else 0
    awaiting = int(
        session.scalar(
            select(func.coalesce(func.sum(Remittance.amount), 0)).where(
                Remittance.status == AWAITING
            )
        )
        or 0
    )
    if payable == awaiting:
        return ledger.CheckResult(NAME, True)
    return ledger.CheckResult(
        NAME, False, [{"remit_payable": payable, "awaiting_payout": awaiting}]
    )
