"""Bulk disbursements: pensions, salaries and social transfers paid by an organisation.

A payer (API key, prefunded ``payer:<id>``) submits a batch of up to 100 000
lines (JSON or CSV); each line is validated before anything moves
(``validation.py``), the payer approves, and a job pays each valid line from
``payer:<id>`` into the recipient's wallet, or as a cash-pickup remittance
when the number has no wallet (``processing.py``). Each line's entry is keyed
by batch and line, so a rerun after a crash never pays a line twice.
"""
