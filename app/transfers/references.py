"""Short human references quoted in SMS and at the counter (e.g. ``PC7K2Q9XHM``)."""

from __future__ import annotations

import secrets
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from app.db.bulk import draw_unique

# No 0/O, 1/I/L: references are read aloud at post-office counters.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_candidate(prefix: str = "PC", length: int = 8) -> str:
    """A random reference, not yet checked against the table.

    One draw of a number below 31^length, written in base 31: a bulk payout
    draws hundreds per chunk, eight ``secrets.choice`` calls each cost more.
    """
    number = secrets.randbelow(len(ALPHABET) ** length)
    characters = []
    for _ in range(length):
        number, digit = divmod(number, len(ALPHABET))
        characters.append(ALPHABET[digit])
    return prefix + "".join(characters)


def draw_references(session: Session, count: int) -> list[str]:
    """``count`` free transfer references, in few queries (bulk payouts)."""
    from app.transfers.models import Transfer

    return draw_unique(session, Transfer.reference, count, new_candidate)


def new_reference(session: Session, prefix: str = "PC", length: int = 8) -> str:
    for _ in range(5):
        candidate = new_candidate(prefix, length)
        if session.scalar(_taken(), {"reference": candidate}) is None:
            return candidate
    raise RuntimeError("could not draw a free reference")  # 31^8 ≈ 8.5e11: never in practice


@cache
def _taken() -> Select[Any]:
    # Built once: every payment draws a reference.
    from app.transfers.models import Transfer

    return select(Transfer.id).where(Transfer.reference == bindparam("reference"))
