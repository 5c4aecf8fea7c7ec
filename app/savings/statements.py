"""A livret's statement: its ledger lines, typed ``savings_deposit``,
``savings_withdrawal``, ``interest`` (the gross capitalised) and ``tax`` (withheld)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app import ledger
from app.ledger import chart
from app.savings.models import SavingsAccount


def savings_statement(
    session: Session, account: SavingsAccount, *, limit: int = 20, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Lines newest first, like ``/me/transactions``: the counterparty is the wallet or
    the counter for a deposit, the wallet for a withdrawal, nobody for interest and tax."""
    page = ledger.statement(session, chart.savings(account.id), limit=limit, cursor=cursor)
    items = []
    for line in page.items:
        meta = line.meta or {}
        direction = "credit" if line.amount > 0 else "debit"
        party = meta.get("from" if direction == "credit" else "to") or None
        if meta.get("type") in ("interest", "tax"):
            party = None
        items.append(
            {
                "entry_id": line.entry_id,
                "reference": line.reference,
                "type": meta.get("type") or line.kind,
                "direction": direction,
                "amount": abs(line.amount),
                "fee": 0,
                "balance_after": line.balance_after,
                "counterparty": {"name": party.get("name"), "msisdn": None} if party else None,
                "created_at": line.posted_at,
            }
        )
    return items, page.next_cursor
