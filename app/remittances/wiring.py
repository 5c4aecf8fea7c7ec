"""Hooking remittances into the ledger checker and the agents' day report.

Called once by the application factory (``register_domain_hooks``), which
every process (web, worker, ``flask`` commands) goes through. Registering
twice is harmless.
"""

from __future__ import annotations

from app import ledger
from app.agents.report import register_source
from app.remittances.invariants import NAME, remit_payable_matches
from app.remittances.report import counter_operations


def register() -> None:
    ledger.register(NAME, remit_payable_matches)
    register_source(counter_operations)
