"""Row locks of the network's tables (docs/CONVENTIONS.md: locks live in locks.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.network.models import Office


def lock_office(session: Session, code: str) -> Office | None:
    """An office's row, locked: two edits of one office are applied one after the other."""
    return session.get(Office, code, with_for_update=True, populate_existing=True)
