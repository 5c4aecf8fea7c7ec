"""Hooking postal savings into the transfers' completion (movements, receipts) and
reversal (refused), and into the ledger checker.

Called once by ``register_domain_hooks`` (app/__init__.py); registering twice is
harmless.
"""

from __future__ import annotations

from app import ledger
from app.savings.invariants import NAME, accrued_interest_matches
from app.savings.movements import DEPOSIT, WITHDRAWAL, on_withdrawal_completed
from app.savings.receipts import refuse_reversal, savings_receipt
from app.transfers.lifecycle import never_reversed, on_completed


def register() -> None:
    on_completed(WITHDRAWAL, on_withdrawal_completed)
    for kind in (DEPOSIT, WITHDRAWAL):
        on_completed(kind, savings_receipt)
        never_reversed(kind, refuse_reversal)
    ledger.register(NAME, accrued_interest_matches)
