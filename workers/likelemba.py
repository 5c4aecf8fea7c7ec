"""The likelemba collection job: reminders, contributions, payouts, one group at a time.

Scheduled every 15 minutes (``workers/schedule.py``): in-process without Redis,
through rq otherwise. Each group runs in its own unit of work
(``likelemba.cycles.run_group``), so one group a bug left inconsistent never
holds the others back, and running the job twice, or on two workers at once,
pulls and pays nothing twice (the group's row lock, the entries' keys).
"""

from __future__ import annotations

import logging

from app.db import current_runtime, transaction
from app.likelemba.cycles import due_group_ids, run_group

log = logging.getLogger(__name__)


def run_due() -> int:
    """Run every group whose open cycle is due tomorrow or earlier; how many ran."""
    rt = current_runtime()
    with rt.unit_of_work() as uow:
        ids = due_group_ids(uow.session)
    ran = 0
    for group_id in ids:
        try:
            with transaction(rt) as session:
                run_group(session, group_id)
            ran += 1
        except Exception:
            log.exception("likelemba group %s could not be run; retried next time", group_id)
    return ran
