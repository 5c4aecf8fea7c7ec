"""Seeding (``flask seed``): the chart of accounts always, demo data in development only.

Every step is idempotent (find-or-create), so ``make run`` twice changes nothing.
A domain package with demo data adds its step to the list ``DEMO_STEPS``.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from sqlalchemy.orm import Session

from app.db import current_runtime, settings, unit_of_work
from app.demo import seed_demo_identities
from app.ledger.chart import ensure_chart
from app.payments.demo import seed_demo_billers

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


@click.command("seed")
@click.option("--demo/--no-demo", default=None, help="Demo data (default: in development).")
def seed_command(demo: bool | None) -> None:
    """Open the chart of accounts and, in development, the demo data. Idempotent."""
    config = current_runtime().config
    with unit_of_work() as uow:
        seed(uow.session, demo=config.is_development if demo is None else demo)
        uow.commit()
    click.echo("seeded")
