"""The expiry sweeps' common loop: one transaction per item, and one bad item never
holds the others back.

Every sweep reads the ids that are due, oldest first, and expires each in its
own unit of work. Should one of them raise (a row a bug left inconsistent), it
is logged with its id and the sweep goes on: otherwise every later run would
stop at the same oldest item and nothing behind it would ever expire, leaving
customers' reserved money held.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from app.db import current_runtime, transaction

log = logging.getLogger(__name__)


def expire_each(
    what: str,
    due_ids: Callable[[Session], Sequence[str]],
    expire_one: Callable[[Session, str], bool],
) -> int:
    """Expire every due ``what``; how many were expired."""
    rt = current_runtime()
    with rt.unit_of_work() as uow:
        ids = list(due_ids(uow.session))
    expired = failed = 0
    for item_id in ids:
        try:
            with transaction(rt) as session:
                expired += int(expire_one(session, item_id))
        except Exception:
            failed += 1
            log.exception("could not expire %s %s; the sweep goes on", what, item_id)
    if expired:
        log.info("expired %d %s(s)", expired, what)
    if failed:
        log.error("%d %s(s) could not be expired; they are retried next sweep", failed, what)
    return expired
