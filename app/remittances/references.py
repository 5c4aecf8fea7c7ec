"""References of remittances (``PM`` + 8 characters), quoted in SMS and at the counter.

Unlike the code, a reference is not a secret: it names the remittance in a
receipt, a complaint or the agent's day report.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.remittances.models import Remittance

# No 0/O, 1/I/L: references are read aloud at post-office counters.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

PREFIX = "PM"


def new_reference(session: Session, length: int = 8) -> str:
    for _ in range(5):
        candidate = PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(length))
        if session.scalar(select(Remittance.id).where(Remittance.reference == candidate)) is None:
            return candidate
    raise RuntimeError("could not draw a free reference")  # 31^8 ≈ 8.5e11: never in practice
