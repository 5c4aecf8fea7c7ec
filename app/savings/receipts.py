"""SMS receipts of savings movements, and the guard against reversing them.

A deposit (from the wallet or in cash at a counter) and a withdrawal to the wallet
each text the livret's owner the amount, the reference, the livret's new
balance and the wallet's; one per movement (dedupe key per transfer).

A savings movement is never reversed by an operator's compensating entry: the
quinzaine rule reads the livret's dated movements (``savings_movements``), which
a reversal of the ledger entry alone would contradict. A mistaken movement is
corrected by the opposite movement.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import ledger
from app.customers.service import get_customer
from app.errors import InvalidState
from app.ledger import chart
from app.money import format_amount
from app.savings.models import SavingsAccount
from app.transfers.models import Transfer


def savings_receipt(session: Session, transfer: Transfer) -> None:
    from app.notify.service import send_sms

    account_id = str((transfer.meta or {}).get("savings_account_id") or "")
    account = session.get(SavingsAccount, account_id)
    if account is None:
        return
    owner = get_customer(session, account.customer_id)
    send_sms(
        session,
        to=owner.msisdn,
        template=f"sms.receipt.{transfer.type}",
        language=owner.language,
        params={
            "amount": format_amount(transfer.amount),
            "reference": transfer.reference,
            "number": account.number,
            "savings": format_amount(ledger.balance(session, chart.savings(account.id)).posted),
            "balance": format_amount(ledger.balance(session, chart.wallet(owner.id)).available),
        },
        purpose="receipt",
        dedupe_key=f"receipt:{transfer.id}:completed:owner",
    )


def refuse_reversal(session: Session, transfer: Transfer) -> None:
    raise InvalidState(
        "A savings movement is not reversed: make the opposite deposit or withdrawal."
    )
