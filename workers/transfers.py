"""Jobs of the payments package."""

from __future__ import annotations

import logging

from app.transfers.sweeps import expire_one, stale_transfer_ids
from workers.expiry import expire_each

log = logging.getLogger(__name__)


def expire_stale() -> int:
    """Expire every payment past its confirmation deadline; one transaction each."""
    return expire_each("stale transfer", stale_transfer_ids, expire_one)
