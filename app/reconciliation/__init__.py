"""The daily reconciliation: prove every franc once a day, and say so when one is missing.

Once a day (the ``reconciliation`` sweep, or ``flask reconcile --date``) the
previous business day is checked: trial balance and safeguarding at its close,
every ledger invariant, ``remit:payable`` against open remittances, holds left
past their expiry, jobs stuck or failed. The report is stored, versioned per
day (``models.py``); any break is logged at error level and sent to on-call
(``alerts.py``). ``GET /admin/reconciliations`` reads them back.
"""

from app.reconciliation.models import Reconciliation
from app.reconciliation.service import (
    build_report,
    get_run,
    latest_run,
    list_runs,
    reconcile,
    versions_of,
)

__all__ = [
    "Reconciliation",
    "build_report",
    "get_run",
    "latest_run",
    "list_runs",
    "reconcile",
    "versions_of",
]
