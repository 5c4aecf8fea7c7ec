"""Remittances (mandats): send to anyone, collect at any post office, or claim to a wallet.

A sender pays from a wallet (``wallet.py``, OTP or PIN) or in cash at a counter
(``counter.send_cash``); a partner abroad sends inbound transfers against its
prefunding (``inbound.py``, priced by ``fx.py``). The recipient collects cash
with a 10-digit code at any counter (``counter.pay_out``) or claims it into a
wallet (``claims.claim_to_wallet``). Unpaid remittances expire and are refunded
(``sweeps.py``). State changes live in ``lifecycle.py``; ``wiring.register``
adds the ``remit:payable`` invariant and the counter's report lines.
"""
