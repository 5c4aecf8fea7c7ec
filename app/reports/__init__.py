"""Operator reports read from the ledger and the payment tables (admins only).

``safeguarding`` says whether the trust bank still backs every franc of e-money;
``daily`` sums a business day's operations, fees, commissions and customers,
and other packages add their operations with ``register_source``;
``dashboard`` gives the back office the same figures over a range of days.
"""

from app.reports.daily import daily_report, register_source
from app.reports.safeguarding import Position, safeguarding_positions
from app.reports.totals import DayTotals, OperationTotals, Scope

__all__ = [
    "DayTotals",
    "OperationTotals",
    "Position",
    "Scope",
    "daily_report",
    "register_source",
    "safeguarding_positions",
]
