"""USSD jobs: forget sessions past their lifetime (USSD_SESSION_TTL)."""

from __future__ import annotations

from app.db import transaction
from app.ussd.sessions import purge_expired


def purge_sessions() -> int:
    """Delete expired USSD session rows; returns how many went."""
    with transaction() as session:
        return purge_expired(session)
