"""Jobs of the payments package."""

from __future__ import annotations

import logging

from app.runtime import current_runtime, transaction
from app.transfers.sweeps import expire_one, stale_transfer_ids

log = logging.getLogger(__name__)


def expire_stale() -> int:
    """Expire every payment past its confirmation deadline; one transaction each."""
    rt = current_runtime()
    with rt.unit_of_work() as uow:
        ids = stale_transfer_ids(uow.session)
    expired = 0
    for transfer_id in ids:
        with transaction(rt) as session:
            expired += int(expire_one(session, transfer_id))
    if expired:
        log.info("expired %d stale transfer(s)", expired)
    return expired
