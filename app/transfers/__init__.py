"""Payments between wallets and at the counter: P2P, withdrawals, cash-in, cash-out.

Every payment is a ``Transfer`` row (the state machine of DESIGN.md) linked to
the ledger entry that moves its money. Channels (REST, USSD, SMS) call the
functions of ``p2p.py``, ``withdrawals.py`` and ``app/agents/cash.py``.
``pending.py`` is the skeleton of every payment that waits for its payer's
confirmation (OTP or PIN), transfers, bills, remittances and those to come.
"""
