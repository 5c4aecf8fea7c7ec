"""/admin: the operator's endpoints (admins only), one module per subject.

* ``onboarding.py``: agents, partners and payers created; the ledger's trial balance and check.
* ``access.py``: staff and API clients disabled, enabled, unlocked, keys replaced;
  a customer's wallet frozen and unfrozen.
* ``merchants_and_billers.py``: merchants, billers, settlements, undelivered callbacks.
* ``float_topups.py``: a counter's float funded from the trust bank.
* ``remittances.py``: partners' prefunding and exchange rates.
* ``reports.py``: safeguarding, the daily report and the daily reconciliations.
"""
