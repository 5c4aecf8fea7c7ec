"""Factories: build the rows a test needs, through the same services the app uses."""

from __future__ import annotations

import itertools
import uuid

from sqlalchemy.orm import Session

from app import ledger
from app.ledger.chart import TRUST_BANK

_seq = itertools.count(1)


def key(prefix: str = "test") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def wallet(session: Session, balance: int = 0, name: str | None = None) -> str:
    """Open a customer-like wallet (liability, no overdraft) funded from the trust bank."""
    code = f"wallet:{name or uuid.uuid4().hex[:12]}"
    ledger.open_account(session, code, "liability")
    if balance:
        fund(session, code, balance)
    return code


def fund(session: Session, code: str, amount: int) -> None:
    ledger.post_entry(
        session,
        key=key("fund"),
        kind="float_topup",
        legs=[ledger.debit(TRUST_BANK, amount), ledger.credit(code, amount)],
    )
