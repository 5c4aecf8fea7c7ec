"""Short human references quoted in SMS and at the counter (e.g. ``PC7K2Q9XHM``)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

# No 0/O, 1/I/L: references are read aloud at post-office counters.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference(session: Session, prefix: str = "PC", length: int = 8) -> str:
    from app.transfers.models import Transfer

    for _ in range(5):
        candidate = prefix + "".join(secrets.choice(ALPHABET) for _ in range(length))
        if session.scalar(select(Transfer.id).where(Transfer.reference == candidate)) is None:
            return candidate
    raise RuntimeError("could not draw a free reference")  # 31^8 ≈ 8.5e11: never in practice
