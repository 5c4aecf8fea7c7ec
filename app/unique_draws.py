"""Drawing many random values that must not collide with a unique column, in few queries.

A bulk payout needs hundreds of references (transfers, remittances) and
withdrawal codes per chunk. Drawing them one by one costs a query each; here
the candidates are drawn together and checked against the table in one query
per few hundred, and only the (rare) collisions are drawn again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bulk_lookup import any_of, key_chunks


def draw_unique(session: Session, column: Any, count: int, make: Callable[[], str]) -> list[str]:
    """``count`` distinct values from ``make()``, none of them already in ``column``."""
    chosen: dict[str, None] = {}
    while len(chosen) < count:
        candidates = {make() for _ in range(count - len(chosen))} - chosen.keys()
        taken = taken_values(session, column, candidates)
        chosen |= dict.fromkeys(sorted(candidates - taken))
    return list(chosen)


def taken_values(session: Session, column: Any, values: set[str]) -> set[str]:
    """Those of ``values`` already in ``column``."""
    taken: set[str] = set()
    for chunk in key_chunks(session, sorted(values)):
        taken |= set(session.scalars(select(column).where(any_of(session, column, chunk))))
    return taken
