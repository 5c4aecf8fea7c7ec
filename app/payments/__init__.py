"""Cyber-finance payments: bills and e-administration fees, merchant payment requests.

* ``billers.py``: the registry (reference formats, fixed amounts, ``biller:<code>``);
* ``bills.py``: paying a bill (OTP through the app, PIN through USSD), receipts,
  what a biller polls; ``settlement.py``: the daily sweep to the bank;
* ``merchants.py``, ``requests.py``, ``refunds.py``: merchants ask, customers
  approve with the PIN or decline, merchants refund;
* ``callbacks.py``: signed notifications to billers and merchants, retried
  with backoff, never lost;
* ``wiring.register`` hooks completion of ``bill`` and ``merchant`` transfers.

Every movement goes through ``app.ledger`` with the postings of DESIGN.md.
"""
