"""Hooking postal savings into the transfers' completion and the ledger checker.

Called once by ``register_domain_hooks`` (app/__init__.py); registering twice is
harmless.
"""

from __future__ import annotations

from app import ledger
from app.savings.invariants import NAME, accrued_interest_matches
from app.savings.movements import WITHDRAWAL, on_withdrawal_completed
from app.transfers.lifecycle import on_completed


def register() -> None:
    on_completed(WITHDRAWAL, on_withdrawal_completed)
    ledger.register(NAME, accrued_interest_matches)
