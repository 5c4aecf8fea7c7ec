"""Jobs of postal savings: the daily interest provision and, on crossing 31 December,
the yearly capitalisation (``app/savings/accrual.py``).

The sweep runs every hour and accrues every past day not accrued yet, one day per
unit of work: run twice, it finds the days done; after a crash or a stopped
worker, it catches up day by day with the same figures as daily runs.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from app.clock import local_today
from app.db import transaction
from app.savings.accrual import accrue_next

log = logging.getLogger(__name__)


def accrue_interest() -> int:
    """Provision every day up to yesterday not provisioned yet; the number of days."""
    yesterday = local_today() - timedelta(days=1)
    days = 0
    while True:
        with transaction() as session:
            day = accrue_next(session, yesterday)
        if day is None:
            return days
        days += 1
        log.info("savings interest provisioned for %s", day.isoformat())
