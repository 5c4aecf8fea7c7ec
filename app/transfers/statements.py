"""A customer's statement: the wallet's ledger lines, explained.

The ledger gives each posted entry's net effect and the running balance; the
entry's metadata (written by the payment that posted it) says its type, the fee
this customer paid and who the counterparty was.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app import ledger
from app.customers.models import Customer
from app.customers.msisdn import mask_msisdn
from app.ledger import chart


def _counterparty(meta: dict[str, Any], side: str) -> dict[str, str | None] | None:
    info = meta.get(side)
    if not info:
        return None
    msisdn = info.get("msisdn")
    return {"name": info.get("name"), "msisdn": mask_msisdn(msisdn) if msisdn else None}


def customer_statement(
    session: Session,
    customer: Customer,
    *,
    limit: int = 20,
    cursor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    page = ledger.statement(
        session, chart.wallet(customer.id), limit=limit, cursor=cursor, since=since, until=until
    )
    items = []
    for line in page.items:
        meta = line.meta or {}
        direction = "credit" if line.amount > 0 else "debit"
        fee = int(meta.get("fee") or 0) if direction == "debit" else 0
        if line.kind == "reversal":
            fee = 0
        items.append(
            {
                "entry_id": line.entry_id,
                "reference": line.reference,
                "type": meta.get("type") or line.kind,
                "direction": direction,
                "amount": abs(line.amount) - fee,
                "fee": fee,
                "balance_after": line.balance_after,
                "counterparty": _counterparty(meta, "to" if direction == "debit" else "from"),
                "created_at": line.posted_at,
            }
        )
    return items, page.next_cursor
