"""What a source of the daily report returns: one operation type's totals of a day.

Its own module so that the report (``daily.py``) and the sources that feed it
(``sources.py``, and any package's) import it without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class OperationTotals:
    """One operation type's day: how many, how much, the fees charged, commissions paid."""

    operation: str
    count: int
    amount: int
    fees: int
    commissions: int


Source = Callable[[Session, datetime, datetime], Iterable[OperationTotals]]
