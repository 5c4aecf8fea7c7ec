"""Seeding: the chart of accounts always, demo data in development only.

Every step is idempotent (find-or-create), so ``make run`` twice changes nothing.
A domain package with demo data adds its step to the list ``DEMO_STEPS``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.demo import seed_demo_identities
from app.ledger.chart import ensure_chart
from app.payments.demo import seed_demo_billers
from app.runtime import settings

DEMO_STEPS: list[Callable[[Session], None]] = [
    seed_demo_identities,  # admin, Poto-Poto agent, customers: docs/DEMO.md
    seed_demo_billers,  # electricity, water, TV, city taxes, passport fee
]


def seed(session: Session, *, demo: bool) -> None:
    ensure_chart(session, settings(session).CURRENCY)
    if demo:
        if settings(session).is_production:
            raise RuntimeError("demo data is never seeded in production")
        for step in DEMO_STEPS:
            step(session)
