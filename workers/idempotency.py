"""Idempotency jobs: forget keys past their retention (IDEMPOTENCY_TTL)."""

from __future__ import annotations

from app.api.idempotency import purge_expired
from app.db import transaction


def purge() -> int:
    """Delete expired idempotency records; returns how many went."""
    with transaction() as session:
        return purge_expired(session)
