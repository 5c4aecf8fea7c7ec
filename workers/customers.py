"""Customer jobs: forget app registrations that lapsed without their code."""

from __future__ import annotations

from app.customers.registration import purge_lapsed
from app.db import transaction


def purge_registrations() -> int:
    """Delete lapsed registrations; returns how many went."""
    with transaction() as session:
        return purge_lapsed(session)
