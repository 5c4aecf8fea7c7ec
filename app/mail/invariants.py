"""Hybrid mail's ledger invariant: ``fees:mail`` holds exactly the price of paid letters.

The posted balance of ``fees:mail`` must equal the sum of the prices of letters
paid (``paid_at`` set): a difference means money reached the account without a
letter being accepted, or a letter accepted without being paid. Registered by
``wiring.register``; run by ``flask ledger check`` and after every test.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import ledger
from app.ledger import chart
from app.mail.models import Letter

NAME = "fees_mail_matches_paid_letters"


def fees_mail_matches(session: Session) -> ledger.CheckResult:
    account = ledger.find_account(session, chart.fees("mail"))
    earned = account.posted_balance if account is not None else 0
    paid = int(
        session.scalar(
            select(func.coalesce(func.sum(Letter.price), 0)).where(Letter.paid_at.is_not(None))
        )
        or 0
    )
    if earned == paid:
        return ledger.CheckResult(NAME, True)
    return ledger.CheckResult(NAME, False, [{"fees_mail": earned, "paid_letters": paid}])
