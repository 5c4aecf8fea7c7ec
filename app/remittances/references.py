"""References of remittances (``PM`` + 8 characters), quoted in SMS and at the counter.

Unlike the code, a reference is not a secret: it names the remittance in a
receipt, a complaint or the agent's day report.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.remittances.models import Remittance
from app.transfers.references import new_candidate as transfer_candidate

PREFIX = "PM"


def new_candidate(length: int = 8) -> str:
    """A random reference, not yet checked against the table."""
    return transfer_candidate(PREFIX, length)


def new_reference(session: Session, length: int = 8) -> str:
    for _ in range(5):
        candidate = new_candidate(length)
        if session.scalar(select(Remittance.id).where(Remittance.reference == candidate)) is None:
            return candidate
    raise RuntimeError("could not draw a free reference")  # 31^8 ≈ 8.5e11: never in practice
