"""Hooking remittances into the ledger checker and the agents' day report.

Called once when the REST channel loads (``app/api/remittances.py``), which
every process (web, worker, ``flask`` commands) does through ``create_app``.
Registering twice is harmless.
"""

from __future__ import annotations

from app import ledger
from app.agents.report import register_source
from app.remittances.invariants import NAME, remit_payable_matches
from app.remittances.report import counter_operations


def register() -> None:
    ledger.register(NAME, remit_payable_matches)
    register_source(counter_operations)
